"""The persona report as an openpyxl workbook, returned as deterministic xlsx bytes.

Sheets: Overview, Situation, Personas, Playbook, Waves, Quality, Data issues. Every
text cell goes through :func:`segmentation.safe_export.neutralise_workbook_text`.
Document properties are fixed (created and modified at the wave's date) and
the zip entries carry a fixed date, so the same figures give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from segmentation.safe_export import neutralise_workbook_text

from .labels import Labels

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SHARE, MEAN, COUNT, TEXT = "share", "mean", "count", "text"


class Sheet:
    """A worksheet written row by row, with styled headers and sized columns."""

    def __init__(self, ws: Worksheet, params: Mapping[str, Any], rtl: bool, language: str = "en"):
        self.ws = ws
        self.language = language
        self.params = params
        self.row = 1
        self.widths: dict[int, float] = {}
        self.header_fill = PatternFill(
            "solid", start_color=params["header_fill"], end_color=params["header_fill"]
        )
        self.header_font = Font(bold=True, color=params["header_font"])
        self.formats = {
            SHARE: params["share_format"],
            MEAN: params["mean_format"],
            COUNT: params["count_format"],
        }
        ws.sheet_view.rightToLeft = rtl
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    def _set(self, column: int, value: Any, kind: str = TEXT, sized: bool = True) -> None:
        if isinstance(value, float) and value != value:  # NaN
            value = None
        if isinstance(value, str):
            value = neutralise_workbook_text(value)
        cell = self.ws.cell(row=self.row, column=column, value=value)
        if kind in self.formats and value is not None and not isinstance(value, str):
            cell.number_format = self.formats[kind]
        if isinstance(value, str) and (len(value) > 60 or "\n" in value):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            cell.alignment = Alignment(vertical="top")
        if sized:
            length = (
                max((len(x) for x in str(value).split("\n")), default=0) if value is not None else 0
            )
            self.widths[column] = max(
                self.widths.get(column, 0), min(length, self.params["max_column_width"])
            )

    def title(self, text: str) -> None:
        self._set(1, text, sized=False)
        self.ws.cell(row=self.row, column=1).font = Font(
            bold=True, size=14, color=self.params["header_fill"]
        )
        self.row += 1

    def subtitle(self, text: str) -> None:
        self.row += 1
        self._set(1, text, sized=False)
        self.ws.cell(row=self.row, column=1).font = Font(bold=True, size=12)
        self.row += 1

    def header(self, names: Sequence[str]) -> int:
        names = [header_case(n, self.language) for n in names]
        for i, name in enumerate(names, start=1):
            self._set(i, name, sized=False)
            self.widths[i] = max(self.widths.get(i, 0), min(len(name), 18))
            cell = self.ws.cell(row=self.row, column=i)
            cell.fill = self.header_fill
            cell.font = self.header_font
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        header_row = self.row
        self.row += 1
        return header_row

    def line(self, values: Sequence[Any], kinds: Sequence[str] | None = None) -> None:
        kinds = kinds or [TEXT] * len(values)
        for i, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1):
            self._set(i, value, kind)
        self.row += 1

    def bar_chart(
        self,
        title: str,
        categories: tuple[int, int, int],
        values: list[tuple[int, int, int]],
        anchor: str,
        *,
        percent: bool = False,
        from_rows: bool = False,
    ) -> None:
        """A native Excel bar chart of cells of this sheet, so the figures stay editable.

        ``categories`` is (column, first row, last row) of the labels (a row
        range when ``from_rows``: (row, first column, last column)); each of
        ``values`` is (column, title row, last row) (or (row, title column,
        last column) when ``from_rows``).
        """
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = title
        chart.legend = None if len(values) == 1 else chart.legend
        chart.height = max(6.0, 0.7 * (categories[2] - categories[1] + 1) * len(values) + 2.5)
        chart.width = 16
        for line, first, last in values:
            if from_rows:
                ref = Reference(self.ws, min_row=line, max_row=line, min_col=first, max_col=last)
            else:
                ref = Reference(self.ws, min_col=line, max_col=line, min_row=first, max_row=last)
            chart.add_data(ref, titles_from_data=True, from_rows=from_rows)
        line, first, last = categories
        if from_rows:
            chart.set_categories(
                Reference(self.ws, min_row=line, max_row=line, min_col=first, max_col=last)
            )
        else:
            chart.set_categories(
                Reference(self.ws, min_col=line, max_col=line, min_row=first, max_row=last)
            )
        chart.y_axis.number_format = "0%" if percent else "0.0"
        chart.y_axis.majorGridlines = None
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        if percent:
            chart.y_axis.scaling.min = 0
        self.ws.add_chart(chart, anchor)

    def freeze(self, cell: str) -> None:
        self.ws.freeze_panes = cell

    def finish(self, fixed: Mapping[int, float] | None = None, wrap: bool = False) -> None:
        """Size columns to their text (or to ``fixed`` widths), wrap (all text when ``wrap``) and size rows."""
        widths = {column: max(8.0, width + 2.0) for column, width in self.widths.items()}
        widths.update(fixed or {})
        if wrap:
            for row in self.ws.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in widths.items():
            self.ws.column_dimensions[get_column_letter(column)].width = width
        # Wrapped cells: tall enough rows (spreadsheets do not grow rows set by a program).
        for row in self.ws.iter_rows():
            lines = 1
            for cell in row:
                if (
                    isinstance(cell.value, str)
                    and cell.alignment is not None
                    and cell.alignment.wrap_text
                ):
                    width = max(1, int(widths.get(cell.column, 10)) - 1)
                    lines = max(
                        lines,
                        sum(
                            max(1, math.ceil(len(part) / width)) for part in cell.value.split("\n")
                        ),
                    )
            if lines > 1:
                self.ws.row_dimensions[row[0].row].height = 15 * lines


SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "in",
    "incl.",
    "of",
    "on",
    "or",
    "the",
    "to",
    "vs",
    "with",
}


def header_case(text: str, language: str) -> str:
    """Column headers in title case in English ("Active Headcount"); other scripts as written."""
    if language != "en" or not text:
        return text
    words = str(text).split(" ")
    return " ".join(
        w
        if (i and w.lower() in SMALL_WORDS) or not w[:1].isalpha() or not w[:1].islower()
        else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


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
    kinds = [TEXT, TEXT, TEXT, SHARE, MEAN, COUNT, COUNT]
    everyone = t("persona.everyone")
    age = situation["age_mix"]
    for population, key in (
        (t("situation.employees"), "employees"),
        (t("situation.respondents"), "respondents"),
    ):
        for band, share in zip(age["bands"], age[key], strict=True):
            sheet.line([t("situation.age_mix"), population, band, share, None, None, None], kinds)
    for usage in [
        *situation["usage"],
        *([situation["barriers_levels"]] if situation["barriers_levels"] else []),
    ]:
        for cell in usage["cells"]:
            sheet.line(
                [usage["label"], everyone, cell["label"], cell["share"], None, None, None], kinds
            )
        sheet.line(
            [usage["label"], everyone, t("situation.mean"), None, usage["mean"], None, None], kinds
        )
    adopters = situation["adopters"]
    if adopters:  # left out when the survey has no innovativeness construct
        for cell in adopters["cells"]:
            sheet.line(
                [t("situation.adopters"), everyone, cell["label"], cell["share"], None, None, None],
                kinds,
            )
        sheet.line(
            [
                t("situation.adopters"),
                everyone,
                t("metrics.innovators"),
                adopters["innovator_share"],
                None,
                None,
                None,
            ],
            kinds,
        )
        sheet.line(
            [
                t("situation.adopters"),
                everyone,
                t("metrics.conservatives"),
                adopters["conservative_share"],
                None,
                None,
                None,
            ],
            kinds,
        )
    for section, key in (
        ("situation.needs", "needs"),
        ("situation.barriers", "barrier_items"),
        ("situation.channels", "channels"),
    ):
        for row in situation[key]:
            sheet.line(
                [t(section), everyone, row["label"], row["share"], row["mean"], row["n"], None],
                kinds,
            )
    if situation["barriers_levels"]:
        sheet.line(
            [
                t("situation.barriers"),
                everyone,
                t("situation.barriers_high"),
                situation["barriers_high_share"],
                None,
                None,
                None,
            ],
            kinds,
        )
    for block in situation["breakdowns"]:
        for row in block["rows"]:
            for key, label in zip(block["metric_keys"], block["metric_labels"], strict=True):
                sheet.line(
                    [
                        block["title"],
                        row["label"],
                        label,
                        row["metrics"][key],
                        None,
                        row["n"],
                        None,
                    ],
                    kinds,
                )
            for band, share in zip(block["bands"], row["age_mix"], strict=True):
                sheet.line(
                    [
                        block["title"],
                        row["label"],
                        f"{t('situation.age_mix')}: {band}",
                        share,
                        None,
                        None,
                        row["headcount"],
                    ],
                    kinds,
                )
            if situation["needs"]:
                sheet.line(
                    [
                        block["title"],
                        row["label"],
                        t("situation.top_need"),
                        row["top_need"] or t("hidden_mark"),
                        None,
                        None,
                        None,
                    ],
                    kinds,
                )
            if situation["channels"]:
                sheet.line(
                    [
                        block["title"],
                        row["label"],
                        t("situation.top_channel"),
                        row["top_channel"] or t("hidden_mark"),
                        None,
                        None,
                        None,
                    ],
                    kinds,
                )
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


def _quality_sheet(sheet: Sheet, labels: Labels, method: Mapping[str, Any]) -> None:
    t = labels.ui
    sheet.title(t("method.k_table"))
    top = sheet.header(
        [
            t("method.k"),
            t("method.reproducibility"),
            t("method.reference_reproducibility"),
            t("method.stability"),
            t("method.silhouette"),
            t("method.smallest"),
            t("method.smallest_share"),
            t("method.eligible"),
            t("method.chosen"),
        ]
    )
    sheet.freeze(f"A{top + 1}")
    for row in method["k_table"]:
        sheet.line(
            [
                row["k"],
                row["reproducibility"],
                row["reference_reproducibility"],
                row["min_persona_stability"],
                row["silhouette"],
                row["smallest_persona_size"],
                row["smallest_persona_share"],
                t("method.answer_yes") if row["eligible"] else t("method.answer_no"),
                t("method.answer_yes") if row["chosen"] else "",
            ],
            [COUNT, MEAN, MEAN, MEAN, MEAN, COUNT, SHARE, TEXT, TEXT],
        )
    sheet.subtitle(t("method.reference"))
    sheet.header([t("method.metric"), t("method.value")])
    sheet.line([t("method.rule"), method["k_rule"]])
    sheet.line([t("method.outcome"), method["k_rule_outcome"]])
    if method.get("exploratory"):
        sheet.line([t("method.outcome"), t("method.exploratory")])
    sheet.line([t("method.reference"), method["reference_text"]])
    sheet.line([t("method.typing"), method["typing_text"]])
    sheet.line([t("method.calibration"), method["typing_calibration_error"]], [TEXT, MEAN])
    sheet.subtitle(t("method.alphas"))
    sheet.header([t("method.construct"), t("method.alpha")])
    for a in method["alphas"]:
        sheet.line([a["label"], a["alpha"]], [TEXT, MEAN])
    if method["warnings"]:
        sheet.subtitle(t("method.warnings"))
        for w in method["warnings"]:
            sheet.line([w])
    sheet.finish()


def _data_issues_sheet(sheet: Sheet, labels: Labels, overview: Mapping[str, Any]) -> None:
    t = labels.ui
    sheet.title(t("overview.data_quality"))
    top = sheet.header(
        [
            t("overview.file"),
            t("overview.rows_read"),
            t("overview.rows_used"),
            t("overview.rows_rejected"),
        ]
    )
    sheet.freeze(f"A{top + 1}")
    for f in overview["files"]:
        sheet.line(
            [f"{f['label']} ({f['file']})", f["rows_read"], f["rows_used"], f["rows_rejected"]],
            [TEXT, COUNT, COUNT, COUNT],
        )
    sheet.subtitle(t("overview.reason"))
    sheet.header([t("overview.reason"), t("overview.count")])
    for r in overview["rejects"]:
        sheet.line([r["label"], r["count"]], [TEXT, COUNT])
    sheet.line([t("overview.answers_set_missing"), overview["answers_set_missing"]], [TEXT, COUNT])
    sheet.row += 1
    sheet.line([t("overview.reject_note")])
    sheet.finish()


def _waves_sheet(sheet: Sheet, labels: Labels, waves: Mapping[str, Any]) -> None:
    t = labels.ui
    sheet.title(t("sections.waves"))
    for line in waves["lines"]:
        sheet.line([line])
    sheet.freeze("A2")
    identities = waves["identities"]
    sheet.subtitle(t("waves.identities"))
    sheet.header(
        [
            t("workbook.section"),
            t("persona.id"),
            t("persona.name"),
            t("waves.distance"),
            t("waves.nearest"),
        ]
    )
    for kind, title in (
        ("matched", identities["matched_title"]),
        ("new", t("waves.new")),
        ("retired", t("waves.retired")),
    ):
        for p in identities[kind]:
            sheet.line(
                [
                    title,
                    p["persona_id"],
                    p["name"],
                    p["distance"],
                    p["nearest"] if kind != "matched" else None,
                ],
                [TEXT, TEXT, TEXT, MEAN, TEXT],
            )
    sheet.line([identities["note"]])
    sizes = waves["sizes"]
    if sizes["rows"]:
        sheet.subtitle(t("waves.sizes"))
        sheet.header([t("persona.persona"), *sizes["waves"]])
        for r in sizes["rows"]:
            sheet.line([r["name"], *r["shares"]], [TEXT, *[SHARE] * len(sizes["waves"])])
    migration = waves["migration"]
    sheet.subtitle(t("waves.migration"))
    if migration["available"]:
        if migration["headline"]:
            sheet.line([migration["headline"]])
        sheet.header(
            [
                f"{migration['from_title']} → {migration['to_title']}",
                *migration["columns"],
                t("waves.then"),
            ]
        )
        for name, counts, total in zip(
            migration["rows"], migration["counts"], migration["row_totals"], strict=True
        ):
            sheet.line([name, *counts, total], [TEXT, *[COUNT] * (len(counts) + 1)])
        sheet.line(
            [t("waves.now"), *migration["column_totals"]],
            [TEXT, *[COUNT] * len(migration["column_totals"])],
        )
        sheet.subtitle(t("waves.net_flows"))
        keys = ("then", "stayed", "moved_out", "moved_in", "now", "net")
        sheet.header([t("persona.persona"), *[t(f"waves.{k}") for k in keys]])
        for f in migration["flows"]:
            sheet.line(
                [f["name"] + (f" ({f['mark']})" if f["mark"] else ""), *[f[k] for k in keys]],
                [TEXT, *[COUNT] * len(keys)],
            )
        sheet.line([migration["note"]])
    else:
        sheet.line([migration["message"]])
    adoption = waves["adoption"]
    sheet.subtitle(t("waves.adoption"))
    sheet.line([adoption["headline"] or adoption["message"]])
    sheet.header(
        [
            t("waves.measure"),
            t("waves.definition"),
            t("waves.share"),
            t("waves.target"),
            t("waves.benchmark"),
            t("waves.status"),
        ]
    )
    for d in adoption["definitions"]:
        sheet.line(
            [d["label"], d["definition"], d["share"], d["target"], d["benchmark"], d["status"]],
            [TEXT, TEXT, SHARE, SHARE, SHARE, TEXT],
        )
    sheet.line([adoption["definitions_note"]])
    if adoption["activity_line"]:
        sheet.line([adoption["activity_line"]])
        for r in adoption["rejects"]:
            sheet.line([r["label"], r["count"]], [TEXT, COUNT])
    trend = adoption["trend"]
    if trend["waves"]:
        sheet.subtitle(t("waves.trend"))
        sheet.header([t("waves.measure"), *trend["waves"]])
        for r in trend["rows"]:
            sheet.line([r["label"], *r["shares"]], [TEXT, *[SHARE] * len(trend["waves"])])
    if adoption["measured"]:
        for block in adoption["groups"]:
            persona = block["dimension"] == "persona"
            sheet.subtitle(t("waves.funnel") if persona else block["title"])
            extra = [t("waves.respondents"), t("waves.inferred")] if persona else []
            sheet.header(
                [
                    t("overview.group"),
                    t("waves.population"),
                    *extra,
                    *adoption["metric_labels"],
                    t("waves.status"),
                ]
            )
            for r in block["rows"]:
                counts = [r["population"], *([r["respondents"], r["inferred"]] if persona else [])]
                status = "; ".join(
                    f"{m}: {s}"
                    for m, s in zip(adoption["metric_labels"], r["status"], strict=True)
                    if s
                )
                sheet.line(
                    [r["label"], *counts, *r["shares"], status],
                    [TEXT, *[COUNT] * len(counts), *[SHARE] * len(r["shares"]), TEXT],
                )
            if persona:
                sheet.line([t("waves.funnel_note")])
    sheet.subtitle(t("waves.badges"))
    sheet.header(
        [
            t("waves.badge"),
            t("waves.units"),
            t("waves.status"),
            t("waves.value"),
            t("persona.description"),
        ]
    )
    for b in waves["badges"]:
        sheet.line([b["name"], b["units"], b["status"], b["value"], b["description"]])
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
        _waves_sheet(sheet("waves"), labels, waves)
    _quality_sheet(sheet("quality"), labels, method)
    _data_issues_sheet(sheet("data_issues"), labels, overview)
    buffer = io.BytesIO()
    wb.save(buffer)
    return deterministic_zip(buffer.getvalue(), at)
