"""The report's charts as base64 PNGs (drawn by :mod:`segmentation.charts`)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from segmentation import charts as ch

from . import analysis
from .labels import Labels

HALF = 4.6  # inches: width of a chart that shares its row with another

Jobs = dict[str, Callable[[], bytes]]  # each chart's name and the call that draws it


def _encoded(jobs: Jobs, report: Mapping[str, Any]) -> dict[str, str]:
    """The charts drawn (in ``report.charts.processes`` processes), as base64 PNGs."""
    pngs = ch.draw_all(jobs, int(report["charts"].get("processes", 1)))
    return {name: base64.b64encode(png).decode("ascii") for name, png in pngs.items()}


def draw_report_charts(
    report_overview: Mapping[str, Any],
    report_situation: Mapping[str, Any],
    report_personas: Mapping[str, Any],
    report: Mapping[str, Any],
) -> dict[str, str]:
    """Every chart of the page as a base64 PNG, by name."""
    labels = Labels(report)
    style = ch.ChartStyle(report["charts"], labels.rtl)
    jobs = {
        **_overview_charts(style, report_overview, report_situation, labels),
        **_situation_charts(style, report_situation, report, labels),
        **_breakdown_charts(style, report_situation, labels),
        **_trait_charts(style, report_personas, labels),
    }
    return _encoded(jobs, report)


def _overview_charts(
    style: ch.ChartStyle,
    report_overview: Mapping[str, Any],
    report_situation: Mapping[str, Any],
    labels: Labels,
) -> Jobs:
    """Response rate by department and the age mix of employees and respondents."""
    palette = style.palette
    hidden = labels.ui("hidden_mark")
    out: Jobs = {}
    departments = report_overview["departments"]
    if departments:
        out["response_by_department"] = partial(
            ch.hbar_shares,
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
    out["age_mix"] = partial(
        ch.grouped_shares,
        style,
        age["bands"],
        {
            labels.ui("situation.employees"): age["employees"],
            labels.ui("situation.respondents"): age["respondents"],
        },
        [palette["muted"], palette["primary"]],
        width=HALF + 1.0,
    )
    return out


def _situation_charts(
    style: ch.ChartStyle,
    report_situation: Mapping[str, Any],
    report: Mapping[str, Any],
    labels: Labels,
) -> Jobs:
    """Usage levels, adopter categories, needs, channels and barriers of all respondents."""
    palette = style.palette
    hidden = labels.ui("hidden_mark")
    hidden_label = labels.ui("hidden_legend")
    out: Jobs = {}
    usage = report_situation["usage"]
    if usage:
        out["usage"] = partial(
            ch.stacked_shares,
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
        out["adopters"] = partial(
            ch.stacked_shares,
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
            out[key] = partial(
                ch.hbar_shares,
                style,
                [r["label"] for r in rows],
                [r["share"] for r in rows],
                hidden_mark=hidden,
                width=HALF if key == "needs" else None,
            )
    if report_situation["barriers_levels"]:
        barrier_rows = report_situation["barrier_items"]
        out["barriers"] = partial(
            ch.hbar_shares,
            style,
            [r["label"] for r in barrier_rows] + [labels.ui("situation.barriers_high")],
            [r["share"] for r in barrier_rows] + [report_situation["barriers_high_share"]],
            hidden_mark=hidden,
            colour=palette["secondary"],
            width=HALF,
        )
    return out


def _breakdown_charts(
    style: ch.ChartStyle, report_situation: Mapping[str, Any], labels: Labels
) -> Jobs:
    """Per breakdown (department, site, work pattern): its figures as a heatmap and its age mix."""
    hidden = labels.ui("hidden_mark")
    hidden_label = labels.ui("hidden_legend")
    out: Jobs = {}
    for block in report_situation["breakdowns"]:
        rows = block["rows"]
        if not rows:
            continue
        if block["metric_keys"]:  # a survey without the standard figures has nothing to map here
            out[f"by_{block['dimension']}"] = partial(
                ch.heatmap_shares,
                style,
                [r["label"] for r in rows],
                block["metric_labels"],
                [[r["metrics"][k] for k in block["metric_keys"]] for r in rows],
                hidden_mark=hidden,
            )
        out[f"age_by_{block['dimension']}"] = partial(
            ch.stacked_shares,
            style,
            [r["label"] for r in rows],
            block["bands"],
            [r["age_mix"] for r in rows],
            ch.sequential_colours(len(block["bands"])),
            hidden_label=hidden_label,
            width=HALF,
        )
    return out


def _trait_charts(
    style: ch.ChartStyle, report_personas: Mapping[str, Any], labels: Labels, **size: Any
) -> Jobs:
    """Each shown persona's traits against everyone, by ``traits_<persona id>``."""
    out = {}
    for card in report_personas["cards"]:
        traits = [] if card["hidden"] else card["traits"]
        if not traits:
            continue
        out[f"traits_{card['persona_id']}"] = partial(
            ch.trait_dots,
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
    jobs = _trait_charts(
        style,
        report_personas,
        labels,
        width=float(size["width"]),
        wrap=int(size["label_wrap"]),
        exact=True,
    )
    return _encoded(jobs, report)


def draw_waves_charts(report_waves: Mapping[str, Any], report: Mapping[str, Any]) -> dict[str, str]:
    """The Waves section's charts as base64 PNGs: sizes over time, movement, adoption."""
    labels = Labels(report)
    style = ch.ChartStyle(report["charts"], labels.rtl)
    hidden = labels.ui("hidden_mark")
    out: Jobs = {}
    sizes = report_waves["sizes"]
    if sizes["rows"]:
        out["waves_sizes"] = partial(
            ch.heatmap_shares,
            style,
            [r["name"] for r in sizes["rows"]],
            sizes["waves"],
            [r["shares"] for r in sizes["rows"]],
            hidden_mark=hidden,
            scale=ch.data_range([r["shares"] for r in sizes["rows"]]),
        )
    migration = report_waves["migration"]
    if migration["available"]:
        out["waves_migration"] = partial(
            ch.heatmap_shares,
            style,
            migration["rows"],
            migration["columns"],
            migration["row_shares"],
            hidden_mark=hidden,
        )
    adoption = report_waves["adoption"]
    trend = adoption["trend"]
    if trend["waves"]:
        out["waves_trend"] = partial(
            ch.grouped_shares,
            style,
            [r["label"] for r in trend["rows"]],
            {w: [r["shares"][i] for r in trend["rows"]] for i, w in enumerate(trend["waves"])},
            ch.sequential_colours(len(trend["waves"])),
            width=HALF + 1.0,
        )
    if adoption["measured"]:
        for block in adoption["groups"]:
            out[f"waves_by_{block['dimension']}"] = partial(
                ch.heatmap_shares,
                style,
                [r["label"] for r in block["rows"]],
                adoption["metric_labels"],
                [r["shares"] for r in block["rows"]],
                hidden_mark=hidden,
            )
    return _encoded(out, report)
