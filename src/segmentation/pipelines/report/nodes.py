"""Nodes of the report stage: pure functions, data in and data out.

The stage reads the other stages' JSON hand-overs once, checked against their
structures (:func:`read_handoffs`, :mod:`segmentation.handoff`), and their tables
through :mod:`.adapters`; it computes
every figure through :mod:`.analysis` (and so through :mod:`.anonymity`),
draws charts (:mod:`.charts`), renders the HTML page from the package's
Jinja2 templates (:mod:`.render`) and builds the workbook
(:mod:`.workbook`). Nothing here reads or writes a file: the catalog writes
the HTML text and the workbook bytes.
"""

from __future__ import annotations

import base64
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from segmentation import charts as ch
from segmentation.anonymity import check_min_group
from segmentation.handoff import (
    PersonaProfile,
    PersonaSummary,
    PlaybookEntry,
    read_persona_summary,
    read_playbook,
    read_profiles,
)
from segmentation.parsing import is_in
from segmentation.persona_ids import persona_sort_key

from . import analysis
from .adapters import adapt_ingestion_summary, adapt_open_text
from .labels import Labels
from .plays import configured_proposition, persona_plays
from .render import render_html, render_one_pagers
from .scrub import guard_shares, hide_small_counts, scrub_text
from .waves import waves_section
from .workbook import build_workbook

logger = logging.getLogger(__name__)

OPERATORS = {
    "gt": lambda v, t: v > t,
    "gte": lambda v, t: v >= t,
    "lt": lambda v, t: v < t,
    "lte": lambda v, t: v <= t,
}
QUADRANTS = ("strengths", "weaknesses", "opportunities", "threats")
HALF = 4.6  # inches: width of a chart that shares its row with another


# ------------------------------------------------------------------ figures


def resolve_report_settings(
    report: Mapping[str, Any], questionnaire: Mapping[str, Any]
) -> dict[str, Any]:
    """The report's parameters with ``constructs`` taken from the questionnaire's roles, and the scales.

    ``scales`` and ``score_axis`` (:func:`analysis.survey_scales`) give every
    threshold ("agrees", "high", "low") and the charts' axis from the
    questionnaire's scales.

    A section whose role the survey lacks is left out of the page and the
    workbook (the run's one warning at the start lists them).
    """
    constructs = analysis.survey_constructs(questionnaire)
    return {**report, "constructs": constructs, **analysis.survey_scales(questionnaire, constructs)}


def read_handoffs(
    playbook: Any, persona_profiles: Any, persona_summary: Any, report: Mapping[str, Any]
) -> tuple[dict[str, PlaybookEntry], dict[str, PersonaProfile], PersonaSummary]:
    """The campaign's playbook and the personas' profiles and summary, checked once as they enter.

    A field missing or of the wrong type stops the run with one line naming
    the file and the field (:class:`segmentation.handoff.HandoffError`).
    """
    languages = report["languages"]
    return (
        read_playbook(playbook, languages),
        read_profiles(persona_profiles, languages),
        read_persona_summary(persona_summary),
    )


def build_report_base(
    employees: pd.DataFrame,
    construct_scores: pd.DataFrame,
    item_scores: pd.DataFrame,
    persona_assignments: pd.DataFrame,
    wave: str,
    wave_date: str | None,
    report: Mapping[str, Any],
    anonymity: Mapping[str, Any],
) -> pd.DataFrame:
    """One row per employee with what every breakdown needs (see :func:`analysis.build_base`)."""
    return analysis.build_base(
        employees,
        construct_scores,
        item_scores,
        persona_assignments,
        wave,
        wave_date,
        report,
        check_min_group(anonymity),
    )


def summarise_report_overview(
    ingestion_summary: Mapping[str, Any],
    report_base: pd.DataFrame,
    persona_profiles: Mapping[str, PersonaProfile],
    wave: str,
    wave_date: str | None,
    report: Mapping[str, Any],
    anonymity: Mapping[str, Any],
) -> dict[str, Any]:
    """The wave, response rate overall and per department, and data quality."""
    return analysis.overview(
        adapt_ingestion_summary(ingestion_summary),
        report_base,
        sorted(persona_profiles, key=persona_sort_key),
        wave,
        wave_date,
        report,
        check_min_group(anonymity),
    )


def analyse_situation(
    report_base: pd.DataFrame, report: Mapping[str, Any], anonymity: Mapping[str, Any]
) -> dict[str, Any]:
    """Age mix, social media and mobile use, adopters, needs, barriers, channels; overall and by group."""
    return analysis.situation(report_base, report, check_min_group(anonymity))


def derive_swot(
    report_situation: Mapping[str, Any],
    report_overview: Mapping[str, Any],
    report: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Strengths, weaknesses, opportunities and threats from the rules in ``report.swot``.

    A rule fires when its metric compares true with its threshold; its text
    quotes the figure. A hidden or missing metric never fires.
    """
    labels = Labels(report)
    metrics = analysis.situation_metrics(report_situation, report_overview)
    fired = []
    for rule in report["swot"]:
        if rule["quadrant"] not in QUADRANTS:
            raise ValueError(f"SWOT rule {rule['id']}: quadrant must be one of {QUADRANTS}")
        if rule["op"] not in OPERATORS:
            raise ValueError(f"SWOT rule {rule['id']}: op must be one of {list(OPERATORS)}")
        metric = metrics.get(rule["metric"])
        if metric is None or metric["value"] is None:
            continue
        if not OPERATORS[rule["op"]](metric["value"], rule["threshold"]):
            continue
        label = metric.get("label") or ""
        text = labels.localised(rule["text"])
        with contextlib.suppress(KeyError, ValueError, IndexError):
            text = text.format(value=metric["value"], label=label)
        fired.append(
            {
                "id": rule["id"],
                "quadrant": rule["quadrant"],
                "quadrant_label": labels.ui(f"swot.{rule['quadrant']}"),
                "metric": rule["metric"],
                "value": float(metric["value"]),
                "text": text,
            }
        )
    return fired


def _tone(
    traits: list[dict[str, Any]],
    playbook_entry: Mapping[str, Any],
    tone_params: Mapping[str, Any],
    labels: Labels,
) -> dict[str, Any]:
    """Tone do's and don'ts: the campaign's tone to use, the report's rules for what to avoid.

    The campaign chooses each persona's tone (``four_ps.product.tone``): that is
    the "do". The playbook writes no don'ts, so they come from the report's
    rules on Cohen's d (``report.personas.tone``), which also give the "do"
    of a persona the playbook has no tone for.
    """
    d = {t["key"]: t["d"] for t in traits}
    min_d = tone_params["min_d"]
    fired = [
        rule
        for rule in tone_params["rules"]
        if d.get(rule["construct"]) is not None
        and (
            (rule["direction"] == "high" and d[rule["construct"]] >= min_d)
            or (rule["direction"] == "low" and d[rule["construct"]] <= -min_d)
        )
    ] or [tone_params["default"]]
    campaign = playbook_entry.get("tone", [])
    return {
        "do": [r["text"] for r in campaign] or [labels.localised(rule["do"]) for rule in fired],
        "dont": [labels.localised(rule["dont"]) for rule in fired],
        "rules": [r["rule_id"] for r in campaign] + [rule["id"] for rule in fired],
    }


def _one_line(traits: list[dict[str, Any]], min_d: float, labels: Labels) -> str:
    ranked = sorted(
        (t for t in traits if t["d"] is not None and abs(t["d"]) >= min_d),
        key=lambda t: -abs(t["d"]),
    )[:4]
    high = [
        t["label"].lower() if labels.language == "en" else t["label"] for t in ranked if t["d"] > 0
    ]
    low = [
        t["label"].lower() if labels.language == "en" else t["label"] for t in ranked if t["d"] < 0
    ]
    parts = []
    if high:
        parts.append(labels.ui("persona.high_on", traits=", ".join(high)))
    if low:
        parts.append(labels.ui("persona.low_on", traits=", ".join(low)))
    return "; ".join(parts) if parts else labels.ui("persona.no_traits")


_IDENTIFIERS = {"rule_id", "need", "channel", "construct", "topic", "key", "tone_rule_ids"}


def guard_texts(
    value: Any, group_size: int | None, min_group: int, mark: str, key: str = ""
) -> Any:
    """Every text in a (nested) structure with small-group percentages hidden (see :func:`guard_shares`)."""
    if key in _IDENTIFIERS:
        return value
    if isinstance(value, str):
        return guard_shares(value, group_size, min_group, mark)
    if isinstance(value, Mapping):
        return {k: guard_texts(v, group_size, min_group, mark, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [guard_texts(v, group_size, min_group, mark, key) for v in value]
    return value


def by_shown_share(channels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The playbook's chosen channels listed by the share that prefers them, as the card shows it.

    The playbook picks the channels (preference, reach and behaviour together);
    the card lists them in the order of the one figure it shows, so the list
    never reads "84%, 88%, 89%". Hidden shares go last, in the playbook's order.
    """
    ordered = sorted(channels, key=lambda c: (c["share"] is None, -(c["share"] or 0.0), c["rank"]))
    return [{**c, "position": i} for i, c in enumerate(ordered, start=1)]


def _quotes(members: pd.Series, texts: pd.DataFrame, params: Mapping[str, Any]) -> list[str]:
    mine = texts[is_in(texts["pid"], members)]
    if mine.empty:
        return []
    scrubbed = mine["text"].map(scrub_text)
    lengths = scrubbed.str.len()
    scrubbed = scrubbed[
        (lengths >= params["min_characters"]) & (lengths <= params["max_characters"])
    ]
    counts = scrubbed.value_counts()
    ranked = sorted(counts.index, key=lambda t: (-counts[t], t))
    return ranked[: int(params["max_quotes_per_persona"])]


def _card_needs(
    fig: Mapping[str, Any],
    play: Mapping[str, Any],
    top_needs: int,
    value_propositions: Mapping[str, Any] | None,
    labels: Labels,
) -> list[dict[str, Any]]:
    """The persona's top needs, each with its value proposition (the campaign's, else the
    configured one), then the needs the campaign chose that are not among them."""
    propositions = {vp["need"]: vp for vp in play.get("value_propositions", [])}
    top = fig["needs"][:top_needs]
    needs = [
        {
            **n,
            "proposition": propositions.get(n["key"])
            or configured_proposition(n["key"], value_propositions, labels),
        }
        for n in top
    ]
    shown = {n["key"] for n in top}
    return needs + [
        {
            "key": vp["need"],
            "label": labels.construct(vp["need"]) if vp["need"] else vp["title"],
            "share": next((n["share"] for n in fig["needs"] if n["key"] == vp["need"]), None),
            "mean": None,
            "proposition": vp,
        }
        for vp in play.get("value_propositions", [])
        if vp["need"] not in shown
    ]


def _card_channels(
    fig: Mapping[str, Any], play: Mapping[str, Any], top_channels: int
) -> list[dict[str, Any]]:
    """The playbook's chosen channels (else the most preferred), by the share shown."""
    if play.get("channels"):
        shares = {c["key"]: c["share"] for c in fig["channels"]}
        chosen = [
            {
                "key": c["construct"],
                "label": c["label"],
                "share": shares.get(c["construct"]),
                "reason": c["reason"],
                "rule_id": c["rule_id"],
                "rank": c["rank"],
            }
            for c in play["channels"][:top_channels]
        ]
    else:
        chosen = [
            {
                "key": c["key"],
                "label": c["label"],
                "share": c["share"],
                "reason": "",
                "rule_id": "",
                "rank": i,
            }
            for i, c in enumerate(fig["channels"][:top_channels], start=1)
        ]
    return by_shown_share(chosen)


def _card_quotes(
    report_base: pd.DataFrame,
    pid: str,
    size: int,
    texts: pd.DataFrame | None,
    params: Mapping[str, Any],
) -> list[str]:
    """Free-text answers of the persona's respondents, when shown and the persona is large enough."""
    if texts is None or size < int(params["min_persona_respondents"]):
        return []
    members = report_base.loc[
        report_base["respondent"]
        & report_base["persona_source"].eq("survey")
        & report_base["persona_id"].eq(pid),
        "pid",
    ]
    return _quotes(members, texts, params)


CARD_FIGURES = ("size", "share", "inferred", "total", "traits", "adopter_mix", "demographics")


def _persona_card(
    pid: str,
    fig: Mapping[str, Any],
    profile: PersonaProfile | None,
    play: Mapping[str, Any],
    report: Mapping[str, Any],
    value_propositions: Mapping[str, Any] | None,
    min_group: int,
    labels: Labels,
) -> dict[str, Any]:
    """One shown persona's card. Texts from other stages may quote shares of the persona: those
    that could describe a small group are hidden (judged on the respondents, the smaller of the
    persona's populations)."""
    mark = labels.ui("hidden_mark")
    play = guard_texts(play, fig["size"], min_group, mark)
    names = profile.name if profile else {labels.language: pid}
    description = guard_texts(profile.description if profile else {}, fig["size"], min_group, mark)
    params = report["personas"]
    return {
        "persona_id": pid,
        "name": labels.localised(names),
        "other_name": labels.other_language(names),
        "hidden": False,
        "description": labels.localised(description),
        "one_line": _one_line(fig["traits"], params["tone"]["min_d"], labels),
        **{k: fig[k] for k in CARD_FIGURES},
        "needs": _card_needs(fig, play, int(params["top_needs"]), value_propositions, labels),
        "channels": _card_channels(fig, play, int(params["top_channels"])),
        "channel_means": {c["key"]: c["mean"] for c in fig["channels"]},
        "four_ps": [
            {
                "key": p,
                "label": labels.ui(f"persona.{p}"),
                "items": play.get("four_ps", {}).get(p, []),
            }
            for p in ("product", "price", "place", "promotion")
        ],
        "gamification": play.get("gamification", []),
        "training": play.get("training", []),
        "help_desk": play.get("help_desk", []),
        "tone": _tone(fig["traits"], play, params["tone"], labels),
        "has_playbook": bool(play),
    }


def build_persona_cards(
    report_base: pd.DataFrame,
    persona_profiles: Mapping[str, PersonaProfile],
    playbook: Mapping[str, PlaybookEntry],
    open_text: pd.DataFrame,
    report: Mapping[str, Any],
    anonymity: Mapping[str, Any],
    value_propositions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One card per persona: figures (anonymity-checked), words from the profiles, the playbook.

    ``value_propositions`` is the playbook's configuration: a need shown on a
    card that the campaign did not pick still gets the message written for it.
    """
    min_group = check_min_group(anonymity)
    labels = Labels(report)
    figures = analysis.persona_figures(
        report_base, sorted(persona_profiles, key=persona_sort_key), report, min_group
    )
    show_text = bool(report.get("show_open_text", False))
    text_params = report["open_text"]
    texts = adapt_open_text(open_text, text_params["column"]) if show_text else None
    cards = []
    for pid in sorted(set(figures["visible"]) | set(figures["hidden"]), key=persona_sort_key):
        profile = persona_profiles.get(pid)
        if pid in figures["hidden"]:
            name = labels.localised(profile.name) if profile else pid
            cards.append({"persona_id": pid, "name": name, "hidden": True})
            continue
        fig = figures["personas"][pid]
        play = persona_plays(playbook.get(pid), labels)
        card = _persona_card(pid, fig, profile, play, report, value_propositions, min_group, labels)
        card["quotes"] = _card_quotes(report_base, pid, fig["size"], texts, text_params)
        cards.append(card)
    return {
        "cards": cards,
        "n_respondents": figures["n_respondents"],
        "show_open_text": show_text,
        "trait_axis": figures["trait_axis"],
    }


def summarise_method(
    persona_summary: PersonaSummary, report: Mapping[str, Any], anonymity: Mapping[str, Any]
) -> dict[str, Any]:
    """The k table, reproducibility against the structure-free reference, alphas, typing accuracy."""
    min_group = check_min_group(anonymity)
    labels = Labels(report)
    figures = analysis.method(persona_summary, report, min_group)
    figures["warnings"] = [
        hide_small_counts(w, min_group, labels.ui("fewer_than", k=min_group))
        for w in figures["warnings"]
    ]
    return figures


def summarise_waves_section(
    waves_summary: Mapping[str, Any],
    adoption_summary: Mapping[str, Any],
    persona_migration: Mapping[str, Any],
    report: Mapping[str, Any],
    anonymity: Mapping[str, Any],
) -> dict[str, Any]:
    """Persona identities, sizes over time, movement, adoption funnels and badges (see :mod:`.waves`)."""
    return waves_section(
        waves_summary, adoption_summary, persona_migration, report, check_min_group(anonymity)
    )


# ------------------------------------------------------------------ charts


def draw_report_charts(
    report_overview: Mapping[str, Any],
    report_situation: Mapping[str, Any],
    report_personas: Mapping[str, Any],
    report: Mapping[str, Any],
) -> dict[str, str]:
    """Every chart of the page as a base64 PNG, by name."""
    labels = Labels(report)
    style = ch.ChartStyle(report["charts"], labels.rtl)
    palette = report["charts"]["palette"]
    hidden = labels.ui("hidden_mark")
    hidden_label = labels.ui("hidden_legend")
    out: dict[str, bytes] = {}

    departments = report_overview["departments"]
    if departments:
        out["response_by_department"] = ch.hbar_shares(
            style,
            [d["label"] for d in departments],
            [d["rate"] for d in departments],
            hidden_mark=hidden,
            reference=report_overview["response_rate"],
            reference_label=labels.ui(
                "overview.overall", value=report_overview["response_rate"] or 0
            ),
            width=HALF,
        )
    age = report_situation["age_mix"]
    out["age_mix"] = ch.grouped_shares(
        style,
        age["bands"],
        {
            labels.ui("situation.employees"): age["employees"],
            labels.ui("situation.respondents"): age["respondents"],
        },
        [palette["muted"], palette["primary"]],
        width=HALF + 1.0,
    )
    usage = report_situation["usage"]
    if usage:
        out["usage"] = ch.stacked_shares(
            style,
            [u["label"] for u in usage],
            [labels.ui(f"level_titles.{k}") for k in analysis.LEVELS],
            [[c["share"] for c in u["cells"]] for u in usage],
            palette["levels"],
            hidden_label=hidden_label,
        )
    if report_situation["adopters"]:
        adopters = report_situation["adopters"]["cells"]
        colours = palette["adopters"]
        out["adopters"] = ch.stacked_shares(
            style,
            [labels.ui("situation.respondents")],
            [c["label"] for c in adopters],
            [[c["share"] for c in adopters]],
            [
                colours[min(len(colours) - 1, report["adopters"]["order"].index(c["labels"][0]))]
                for c in adopters
            ],
            hidden_label=hidden_label,
        )
    for key in ("needs", "channels"):
        rows = report_situation[key]
        if rows:
            out[key] = ch.hbar_shares(
                style,
                [r["label"] for r in rows],
                [r["share"] for r in rows],
                hidden_mark=hidden,
                width=HALF if key == "needs" else None,
            )
    if report_situation["barriers_levels"]:
        barrier_rows = report_situation["barrier_items"]
        out["barriers"] = ch.hbar_shares(
            style,
            [r["label"] for r in barrier_rows] + [labels.ui("situation.barriers_high")],
            [r["share"] for r in barrier_rows] + [report_situation["barriers_high_share"]],
            hidden_mark=hidden,
            colour=palette["secondary"],
            width=HALF,
        )
    for block in report_situation["breakdowns"]:
        rows = block["rows"]
        if not rows:
            continue
        if block["metric_keys"]:  # a survey without the standard figures has nothing to map here
            out[f"by_{block['dimension']}"] = ch.heatmap_shares(
                style,
                [r["label"] for r in rows],
                block["metric_labels"],
                [[r["metrics"][k] for k in block["metric_keys"]] for r in rows],
                hidden_mark=hidden,
            )
        out[f"age_by_{block['dimension']}"] = ch.stacked_shares(
            style,
            [r["label"] for r in rows],
            block["bands"],
            [r["age_mix"] for r in rows],
            ch.sequential_colours(len(block["bands"])),
            hidden_label=hidden_label,
            width=HALF,
        )
    out.update(_trait_charts(style, report_personas, labels))
    return {name: base64.b64encode(png).decode("ascii") for name, png in out.items()}


def _trait_charts(
    style: ch.ChartStyle, report_personas: Mapping[str, Any], labels: Labels, **size: Any
) -> dict[str, bytes]:
    """Each shown persona's traits against everyone, by ``traits_<persona id>``."""
    out = {}
    for card in report_personas["cards"]:
        traits = [] if card["hidden"] else card["traits"]
        if not traits:
            continue
        out[f"traits_{card['persona_id']}"] = ch.trait_dots(
            style,
            [t["label"] for t in traits],
            [t["mean"] for t in traits],
            [t["everyone"] for t in traits],
            labels.ui("persona.this_persona"),
            labels.ui("persona.everyone"),
            report_personas["trait_axis"],
            **size,
        )
    return out


def draw_one_pager_charts(
    report_personas: Mapping[str, Any], report: Mapping[str, Any]
) -> dict[str, str]:
    """The one-pagers' trait charts as base64 PNGs, drawn at the width of the one-pager's column.

    Drawn at their printed size (``report.charts.one_pager``), so that their
    text prints as large as the body text beside them.
    """
    labels = Labels(report)
    size = report["charts"]["one_pager"]
    style = ch.ChartStyle(report["charts"], labels.rtl).sized(float(size["font_size"]))
    charts = _trait_charts(
        style,
        report_personas,
        labels,
        width=float(size["width"]),
        wrap=int(size["label_wrap"]),
        exact=True,
    )
    return {name: base64.b64encode(png).decode("ascii") for name, png in charts.items()}


def draw_waves_charts(report_waves: Mapping[str, Any], report: Mapping[str, Any]) -> dict[str, str]:
    """The Waves section's charts as base64 PNGs: sizes over time, movement, adoption."""
    labels = Labels(report)
    style = ch.ChartStyle(report["charts"], labels.rtl)
    hidden = labels.ui("hidden_mark")
    out: dict[str, bytes] = {}
    sizes = report_waves["sizes"]
    if sizes["rows"]:
        out["waves_sizes"] = ch.heatmap_shares(
            style,
            [r["name"] for r in sizes["rows"]],
            sizes["waves"],
            [r["shares"] for r in sizes["rows"]],
            hidden_mark=hidden,
            scale=ch.data_range([r["shares"] for r in sizes["rows"]]),
        )
    migration = report_waves["migration"]
    if migration["available"]:
        out["waves_migration"] = ch.heatmap_shares(
            style,
            migration["rows"],
            migration["columns"],
            migration["row_shares"],
            hidden_mark=hidden,
        )
    adoption = report_waves["adoption"]
    trend = adoption["trend"]
    if trend["waves"]:
        out["waves_trend"] = ch.grouped_shares(
            style,
            [r["label"] for r in trend["rows"]],
            {w: [r["shares"][i] for r in trend["rows"]] for i, w in enumerate(trend["waves"])},
            ch.sequential_colours(len(trend["waves"])),
            width=HALF + 1.0,
        )
    if adoption["measured"]:
        for block in adoption["groups"]:
            out[f"waves_by_{block['dimension']}"] = ch.heatmap_shares(
                style,
                [r["label"] for r in block["rows"]],
                adoption["metric_labels"],
                [r["shares"] for r in block["rows"]],
                hidden_mark=hidden,
            )
    return {name: base64.b64encode(png).decode("ascii") for name, png in out.items()}


# ------------------------------------------------------------------ outputs


def render_report_html(
    report_overview: Mapping[str, Any],
    report_situation: Mapping[str, Any],
    report_swot: list[dict[str, Any]],
    report_personas: Mapping[str, Any],
    report_method: Mapping[str, Any],
    report_charts: Mapping[str, str],
    report_waves: Mapping[str, Any],
    report_waves_charts: Mapping[str, str],
    report: Mapping[str, Any],
) -> str:
    """The persona report as one self-contained HTML page (charts as data URIs, CSS inline)."""
    return render_html(
        report_overview,
        report_situation,
        report_swot,
        report_personas,
        report_method,
        {**report_charts, **report_waves_charts},
        report,
        waves=report_waves,
    )


# The printable one-pagers (one A4 page per persona) are rendered by render.render_one_pagers as is.
render_persona_one_pagers = render_one_pagers


def build_report_workbook(
    report_overview: Mapping[str, Any],
    report_situation: Mapping[str, Any],
    report_swot: list[dict[str, Any]],
    report_personas: Mapping[str, Any],
    report_method: Mapping[str, Any],
    report_waves: Mapping[str, Any],
    report: Mapping[str, Any],
) -> bytes:
    """The persona report as xlsx bytes with fixed document properties and zip dates."""
    return build_workbook(
        report_overview,
        report_situation,
        report_swot,
        report_personas,
        report_method,
        report,
        waves=report_waves,
    )
