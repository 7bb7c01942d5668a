"""The persona report as an openpyxl workbook, returned as deterministic xlsx bytes.

Sheets: Overview, Situation, Personas, Playbook, Waves, Quality, Data issues. Every
text cell goes through :func:`segmentation.safe_export.neutralise_workbook_text`.
Document properties are fixed (created and modified at the wave's date) and
the zip entries carry a fixed date, so the same figures give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .labels import Labels
from .sheet import COUNT, MEAN, SHARE, TEXT, Sheet, header_case  # noqa: F401 (header_case: tests)
from .workbook_quality import data_issues_sheet, quality_sheet
from .workbook_waves import waves_sheet

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _share(value: Any) -> Any:
    return None if value is None else float(value)


def _texts(items: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(
        f"{i['text']} [{i['rule_id']}]" if i.get("rule_id") else i["text"] for i in items
    )


def _overview_sheet(
    sheet: Sheet, labels: Labels, overview: Mapping[str, Any], swot: list[dict[str, Any]]
) -> None:
    t = labels.ui
    sheet.title(f"{t('title')} · {t('wave')} {overview['wave']}")
    sheet.line([t("as_of"), overview["wave_date"]])
    sheet.row += 1
    sheet.header([t("workbook.measure"), t("workbook.figure")])
    sheet.freeze("A5")
    sheet.line([t("overview.active_employees"), overview["n_active"]], [TEXT, COUNT])
    sheet.line([t("overview.respondents"), overview["n_respondents"]], [TEXT, COUNT])
    sheet.line([t("overview.response_rate"), overview["response_rate"]], [TEXT, SHARE])
    sheet.line([t("overview.personas_found"), overview["n_personas"]], [TEXT, COUNT])
    sheet.subtitle(t("overview.by_department"))
    top = sheet.header(
        [t("dimensions.department"), t("overview.headcount"), t("overview.response_rate")]
    )
    for d in overview["departments"]:
        sheet.line([d["label"], d["headcount"], d["rate"]], [TEXT, COUNT, SHARE])
    if overview["departments"]:
        sheet.bar_chart(
            t("overview.by_department"),
            categories=(1, top + 1, sheet.row - 1),
            values=[(3, top, sheet.row - 1)],
            anchor=f"E{top}",
            percent=True,
        )
    sheet.subtitle(t("sections.swot"))
    sheet.header([t("swot.quadrant"), t("swot.finding"), t("swot.value"), t("swot.rule")])
    for item in swot:
        sheet.line(
            [item["quadrant_label"], item["text"], item["value"], item["id"]],
            [TEXT, TEXT, SHARE, TEXT],
        )
    sheet.finish()


SITUATION_KINDS = [TEXT, TEXT, TEXT, SHARE, MEAN, COUNT, COUNT]


def _situation_writer(sheet: Sheet):
    """One Situation line: section, group, item, then share, mean, respondents, headcount."""

    def line(section, group, item, share=None, mean=None, n=None, headcount=None) -> None:
        sheet.line([section, group, item, share, mean, n, headcount], SITUATION_KINDS)

    return line


def _situation_overall(line, t, situation: Mapping[str, Any]) -> None:
    """Everyone's figures: age mix, usage and barrier levels, adopters, needs, barriers, channels."""
    everyone = t("persona.everyone")
    age = situation["age_mix"]
    for population, key in (
        (t("situation.employees"), "employees"),
        (t("situation.respondents"), "respondents"),
    ):
        for band, share in zip(age["bands"], age[key], strict=True):
            line(t("situation.age_mix"), population, band, share)
    levels = [situation["barriers_levels"]] if situation["barriers_levels"] else []
    for usage in [*situation["usage"], *levels]:
        for cell in usage["cells"]:
            line(usage["label"], everyone, cell["label"], cell["share"])
        line(usage["label"], everyone, t("situation.mean"), mean=usage["mean"])
    adopters = situation["adopters"]
    if adopters:  # left out when the survey has no innovativeness construct
        for cell in adopters["cells"]:
            line(t("situation.adopters"), everyone, cell["label"], cell["share"])
        line(
            t("situation.adopters"), everyone, t("metrics.innovators"), adopters["innovator_share"]
        )
        line(
            t("situation.adopters"),
            everyone,
            t("metrics.conservatives"),
            adopters["conservative_share"],
        )
    for section, key in (
        ("situation.needs", "needs"),
        ("situation.barriers", "barrier_items"),
        ("situation.channels", "channels"),
    ):
        for row in situation[key]:
            line(t(section), everyone, row["label"], row["share"], row["mean"], row["n"])
    if situation["barriers_levels"]:
        line(
            t("situation.barriers"),
            everyone,
            t("situation.barriers_high"),
            situation["barriers_high_share"],
        )


def _situation_breakdowns(line, t, situation: Mapping[str, Any]) -> None:
    """Each breakdown's groups: figures, age mix, top need and top channel."""
    for block in situation["breakdowns"]:
        title = block["title"]
        for row in block["rows"]:
            for key, label in zip(block["metric_keys"], block["metric_labels"], strict=True):
                line(title, row["label"], label, row["metrics"][key], n=row["n"])
            for band, share in zip(block["bands"], row["age_mix"], strict=True):
                item = f"{t('situation.age_mix')}: {band}"
                line(title, row["label"], item, share, headcount=row["headcount"])
            if situation["needs"]:
                line(
                    title,
                    row["label"],
                    t("situation.top_need"),
                    row["top_need"] or t("hidden_mark"),
                )
            if situation["channels"]:
                top = row["top_channel"] or t("hidden_mark")
                line(title, row["label"], t("situation.top_channel"), top)


def _situation_sheet(sheet: Sheet, labels: Labels, situation: Mapping[str, Any]) -> None:
    t = labels.ui
    sheet.title(t("sections.situation"))
    sheet.header(
        [
            t("workbook.section"),
            t("overview.group"),
            t("workbook.item"),
            t("situation.share"),
            t("situation.mean"),
            t("situation.n"),
            t("overview.headcount"),
        ]
    )
    sheet.freeze("A3")
    line = _situation_writer(sheet)
    _situation_overall(line, t, situation)
    _situation_breakdowns(line, t, situation)
    sheet.finish()


PERSONA_COLUMN_WIDTH = 34
LABEL_COLUMN_WIDTH = 20


def _personas_sheet(sheet: Sheet, labels: Labels, personas: Mapping[str, Any]) -> None:
    """One column per persona, one row per topic, so that it prints one page wide and reads like the cards."""
    t = labels.ui
    cards = personas["cards"]
    shown = [c for c in cards if not c["hidden"]]
    dims = next((list(c["demographics"]) for c in shown), [])
    top = sheet.header([t("persona.persona"), *[f"{c['persona_id']} {c['name']}" for c in cards]])
    sheet.freeze(f"B{top + 1}")
    sheet.ws.print_title_rows = f"{top}:{top}"
    sheet.ws.print_title_cols = "A:A"

    def row(label: str, values: Sequence[Any], kind: str = TEXT) -> None:
        sheet.line([label, *values], [TEXT, *[kind] * len(values)])

    def each(get) -> list[Any]:
        return [t("persona.hidden") if c["hidden"] else get(c) for c in cards]

    def needs(card: Mapping[str, Any]) -> str:
        return "\n".join(
            f"{n['label']} ({_pct(n['share'], labels)})"
            + (f": {n['proposition']['title']}" if n.get("proposition") else "")
            for n in card["needs"]
        )

    def channels(card: Mapping[str, Any]) -> str:
        return "\n".join(
            f"{c['position']}. {c['label']} ({_pct(c['share'], labels)})" for c in card["channels"]
        )

    row(t("persona.size"), each(lambda c: c["size"]), COUNT)
    row(t("persona.size_share"), each(lambda c: c["share"]), SHARE)
    row(t("persona.size_total"), each(lambda c: c["total"]), COUNT)
    row(t("persona.summary"), each(lambda c: c["one_line"]))
    row(t("persona.description"), each(lambda c: c["description"]))
    row(t("persona.needs"), each(needs))
    row(t("persona.channels"), each(channels))
    row(t("persona.adopter_mix"), each(lambda c: mix_text(c["adopter_mix"], labels)))
    for dim in dims:
        row(
            t(f"dimensions.{dim}"),
            each(lambda c, dim=dim: mix_text(c["demographics"][dim], labels)),
        )
    for key in ("gamification", "training", "help_desk"):
        row(t(f"persona.{key}"), each(lambda c, key=key: "\n".join(i["text"] for i in c[key])))
    row(t("persona.tone_do"), each(lambda c: "\n".join(c["tone"]["do"])))
    row(t("persona.tone_dont"), each(lambda c: "\n".join(c["tone"]["dont"])))
    for cell in sheet.ws["A"]:
        cell.font = Font(bold=True)
    if cards:
        share_row = top + 2
        sheet.bar_chart(
            t("persona.size_share"),
            categories=(top, 2, len(cards) + 1),
            values=[(share_row, 1, len(cards) + 1)],
            anchor=f"B{sheet.row + 1}",
            percent=True,
            from_rows=True,
        )
    sheet.finish(
        {1: LABEL_COLUMN_WIDTH, **{i: PERSONA_COLUMN_WIDTH for i in range(2, len(cards) + 2)}},
        wrap=True,
    )


def mix_text(block: Mapping[str, Any] | None, labels: Labels) -> str:
    """A distribution in one cell, as on the card: shown parts, then the hidden share, adding up to 100%."""
    if not block:
        return ""
    parts = [f"{c['label']} {c['percent']}%" for c in block["cells"]]
    if block["hidden"]:
        parts.append(f"{labels.ui('mix.hidden')} {block['hidden_percent']}%")
    return "; ".join(parts)


def _pct(value: Any, labels: Labels) -> str:
    return labels.ui("hidden_mark") if value is None else f"{value:.0%}"


def _channel_matrix(
    sheet: Sheet,
    labels: Labels,
    cards: list[Mapping[str, Any]],
    channel_keys: list[str],
    colours: list[str],
) -> None:
    """Each persona's mean preference and rank of every channel, coloured."""
    t = labels.ui
    sheet.title(t("workbook.matrix_title"))
    top = sheet.header([t("persona.persona"), *[labels.construct(c) for c in channel_keys]])
    sheet.freeze(f"B{top + 1}")
    first = sheet.row
    for card in cards:
        sheet.line(
            [card["name"], *[card["channel_means"].get(c) for c in channel_keys]],
            [TEXT, *[MEAN] * len(channel_keys)],
        )
    last = sheet.row - 1
    if cards:
        area = f"B{first}:{get_column_letter(1 + len(channel_keys))}{last}"
        sheet.ws.conditional_formatting.add(
            area,
            ColorScaleRule(
                start_type="num",
                start_value=1,
                start_color=colours[0],
                mid_type="num",
                mid_value=3,
                mid_color=colours[1],
                end_type="num",
                end_value=5,
                end_color=colours[2],
            ),
        )
    if cards:
        sheet.bar_chart(
            t("workbook.matrix_title"),
            categories=(top, 2, 1 + len(channel_keys)),
            values=[(r, 1, 1 + len(channel_keys)) for r in range(first, last + 1)],
            anchor=f"{get_column_letter(len(channel_keys) + 3)}{top}",
            from_rows=True,
        )
    sheet.subtitle(t("workbook.rank_title"))
    sheet.header([t("persona.persona"), *[labels.construct(c) for c in channel_keys]])
    first = sheet.row
    for card in cards:
        ranks = {c["key"]: c["rank"] for c in card["channels"]}
        sheet.line(
            [card["name"], *[ranks.get(c) for c in channel_keys]],
            [TEXT, *[COUNT] * len(channel_keys)],
        )
    last = sheet.row - 1
    if cards:
        area = f"B{first}:{get_column_letter(1 + len(channel_keys))}{last}"
        # Rank 1 strongest green, fading to white: a third choice is still a choice, never red.
        sheet.ws.conditional_formatting.add(
            area,
            ColorScaleRule(
                start_type="num",
                start_value=1,
                start_color=colours[2],
                end_type="max",
                end_color="FFFFFF",
            ),
        )


def _playbook_sheet(
    sheet: Sheet, labels: Labels, personas: Mapping[str, Any], report: Mapping[str, Any]
) -> None:
    t = labels.ui
    params = report["workbook"]
    cards = [c for c in personas["cards"] if not c["hidden"]]
    channel_keys = list(report["constructs"]["channels"])
    if channel_keys:  # no channel matrix when the survey asked no channel preference
        _channel_matrix(sheet, labels, cards, channel_keys, params["colour_scale"])
    sheet.subtitle(t("persona.four_ps"))
    sheet.header(
        [t("persona.persona"), t("workbook.section"), t("workbook.item"), t("persona.rule")]
    )
    for card in cards:
        for need in card["needs"]:
            vp = need.get("proposition")
            if vp:
                text = " ".join(x for x in [vp["title"], vp["headline"], *vp["examples"]] if x)
                sheet.line([card["name"], t("persona.needs"), text, vp["rule_id"]])
        for channel in card["channels"]:
            sheet.line(
                [
                    card["name"],
                    t("persona.channels"),
                    f"{channel['rank']}. {channel['label']}: {channel['reason']}",
                    channel["rule_id"],
                ]
            )
        for p in card["four_ps"]:
            for item in p["items"]:
                sheet.line([card["name"], p["label"], item["text"], item["rule_id"]])
        for key in ("gamification", "training", "help_desk"):
            for item in card[key]:
                sheet.line([card["name"], t(f"persona.{key}"), item["text"], item["rule_id"]])
    sheet.finish()


CORE = "docProps/core.xml"
MODIFIED = re.compile(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def deterministic_zip(data: bytes, modified: dt.datetime) -> bytes:
    """The same xlsx with every zip entry dated :data:`ZIP_DATE`, in the original order.

    openpyxl stamps ``dcterms:modified`` with the time of saving; it is set
    back to ``modified`` (the wave's date) here.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == CORE:
                content = MODIFIED.sub(
                    lambda m: m.group(1) + stamp + m.group(2), content.decode("utf-8")
                ).encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return out.getvalue()


def build_workbook(
    overview: Mapping[str, Any],
    situation: Mapping[str, Any],
    swot: list[dict[str, Any]],
    personas: Mapping[str, Any],
    method: Mapping[str, Any],
    report: Mapping[str, Any],
    waves: Mapping[str, Any] | None = None,
) -> bytes:
    labels = Labels(report)
    params = report["workbook"]
    names = labels.section("workbook.sheets")
    wb = Workbook()
    wb.remove(wb.active)
    at = dt.datetime.fromisoformat(overview["wave_date"])
    wb.properties.created = at
    wb.properties.modified = at
    wb.properties.creator = "segmentation"
    wb.properties.lastModifiedBy = "segmentation"
    wb.properties.title = f"{labels.ui('title')} {overview['wave']}"
    wb.properties.language = labels.language

    def sheet(key: str) -> Sheet:
        return Sheet(wb.create_sheet(names.get(key, key)), params, labels.rtl, labels.language)

    _overview_sheet(sheet("overview"), labels, overview, swot)
    _situation_sheet(sheet("situation"), labels, situation)
    _personas_sheet(sheet("personas"), labels, personas)
    _playbook_sheet(sheet("playbook"), labels, personas, report)
    if waves:
        waves_sheet(sheet("waves"), labels, waves)
    quality_sheet(sheet("quality"), labels, method)
    data_issues_sheet(sheet("data_issues"), labels, overview)
    buffer = io.BytesIO()
    wb.save(buffer)
    return deterministic_zip(buffer.getvalue(), at)
