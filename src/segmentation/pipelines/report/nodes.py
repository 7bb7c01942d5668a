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

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from segmentation.anonymity import check_min_group
from segmentation.handoff import (
    PersonaProfile,
    PersonaSummary,
    PlaybookEntry,
    read_persona_summary,
    read_playbook,
    read_profiles,
)
from segmentation.persona_ids import persona_sort_key

from . import analysis
from .adapters import adapt_ingestion_summary
from .cards import build_persona_cards  # noqa: F401 (a node)
from .drawing import (  # noqa: F401 (nodes)
    draw_one_pager_charts,
    draw_report_charts,
    draw_waves_charts,
)
from .labels import Labels
from .render import render_html, render_one_pagers
from .scrub import hide_small_counts
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
