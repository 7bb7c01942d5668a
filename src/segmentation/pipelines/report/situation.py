"""The overview and the situation analysis: response rates, age mix, usage, adopters, needs, barriers, channels, overall and by group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segmentation import anonymity as anon
from segmentation.adopters import BOUNDS as ADOPTER_BOUNDS
from segmentation.waves import wave_date as resolve_wave_date

from .groups import (
    UNKNOWN,
    _adopters,
    _levels,
    _positions,
    _ranked,
    _split,
    _split_by_positions,
    group_label,
    ordered_groups,
    split_share,
)
from .labels import Labels
from .survey import (
    all_constructs,
    on_score_axis,
)


def overview(
    summary: Mapping[str, Any],
    base: pd.DataFrame,
    personas: Sequence[str],
    wave: str,
    wave_date: str | None,
    report: Mapping[str, Any],
    min_group: int,
) -> dict[str, Any]:
    """Wave, response rate overall and by department, data quality."""
    labels = Labels(report)
    active = base[["respondent", "group_department"]][base["active"]]  # only the columns read below
    n_active, n_resp = int(len(active)), int(active["respondent"].sum())
    rate, _ = split_share(active["respondent"], min_group)
    anonymous = bool(base["anonymous"].any()) if "anonymous" in base else False
    if anonymous:
        # answers of nobody on the roster: the rate is answers over head count, never per department
        n_resp = int(base["respondent"].sum())
        rate = n_resp / n_active if n_active >= min_group and n_resp >= min_group else None
    groups = ordered_groups(active["group_department"])
    frame = pd.DataFrame(
        {
            "g": active["group_department"].to_numpy(),
            "r": np.where(active["respondent"], "yes", "no"),
        }
    )
    counts = anon.crosstab_counts(frame, "g", "r", rows=groups, columns=["yes", "no"])
    mask = anon.suppress_cells(counts, min_group)
    shares = anon.masked_shares(counts, mask)["yes"]
    departments = [
        {
            "key": g,
            "label": group_label(labels, "department", g),
            "headcount": int(counts.loc[g].sum()) if counts.loc[g].sum() >= min_group else None,
            "rate": None if anonymous or pd.isna(shares[g]) else float(shares[g]),
        }
        for g in groups
    ]
    files = [{**f, "label": labels.value("files", f["role"])} for f in summary["files"]]
    reasons = [
        {"reason": r, "label": labels.value("reasons", r), "count": n}
        for r, n in sorted(summary["rejects_by_reason"].items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    survey = next((f for f in summary["files"] if f["role"] == "survey"), None)
    return {
        "wave": str(wave),
        "wave_date": resolve_wave_date(wave, wave_date).date().isoformat(),
        "n_active": n_active if n_active >= min_group else None,
        "n_respondents": n_resp if n_resp >= min_group else None,
        "response_rate": rate,
        "n_personas": len(personas),
        "departments": departments,
        "hidden_departments": bool((base["group_department"] == anon.OTHER).any()),
        "files": files,
        "rejects": reasons,
        "answers_set_missing": summary["answers_set_missing"],
        "not_active_respondents": max(0, survey["rows_used"] - n_resp) if survey else 0,
        "anonymous": anonymous,
        "survey_rejected_share": (survey["rows_rejected"] / survey["rows_read"])
        if survey and survey["rows_read"]
        else None,
        "min_group": min_group,
    }


def _age_mix(
    active: pd.DataFrame, resp: pd.DataFrame, band_order: list, labels: Labels, min_group: int
) -> dict[str, Any]:
    """Age mix of active employees and of respondents (one row each)."""
    age_counts = (
        pd.DataFrame(
            {
                "employees": active["age_band"].value_counts(),
                "respondents": resp["age_band"].value_counts(),
            }
        )
        .reindex(band_order)
        .fillna(0)
        .astype(int)
        .T
    )
    age_mask = anon.suppress_cells(age_counts, min_group, protect_columns=False)
    age_shares = anon.masked_shares(age_counts, age_mask)
    return {
        "bands": [group_label(labels, "age_band", b) if b == UNKNOWN else b for b in band_order],
        "employees": [None if pd.isna(v) else float(v) for v in age_shares.loc["employees"]],
        "respondents": [None if pd.isna(v) else float(v) for v in age_shares.loc["respondents"]],
    }


def _in_categories(resp: pd.DataFrame, categories: list[str]) -> pd.Series:
    """Whether each respondent's adopter category is one of ``categories`` (missing stays missing)."""
    # nullable booleans: as objects (True/False/NaN), every breakdown paid a pass of Python
    # objects per figure and group dimension to tell the missing ones
    return resp["adopter"].isin(categories).astype("boolean").where(resp["adopter"].notna())


def _adopter_figures(
    resp: pd.DataFrame,
    scale: Mapping[str, float],
    report: Mapping[str, Any],
    labels: Labels,
    min_group: int,
) -> dict[str, Any] | None:
    """Adopter categories, small ones merged with a neighbour (none without an innovativeness construct)."""
    if not report["constructs"]["innovativeness"]:
        return None
    params = report["adopters"]
    counts = resp["adopter"].value_counts().reindex(list(params["order"]), fill_value=0)
    cells = anon.collapse_ordinal(counts, min_group)
    for cell in cells:
        cell["label"] = " + ".join(labels.value("adopters", k) for k in cell["labels"])
    return {
        "cells": cells,
        "innovator_share": split_share(
            _in_categories(resp, params["innovator_categories"]), min_group
        )[0],
        "conservative_share": split_share(
            _in_categories(resp, params["conservative_categories"]), min_group
        )[0],
        **scale,
        "note": labels.ui("situation.adopters_note"),
        "definition": _adopters_definition(params, scale, labels),
    }


def _adopters_definition(
    params: Mapping[str, Any], scale: Mapping[str, float], labels: Labels
) -> str:
    """The method sentence, with the categories and bounds of the configured key (not fixed text)."""

    def bound(value: float) -> str:
        sign = "" if value == 0 else ("+" if value > 0 else "-")
        return labels.ui("situation.sd_bound", sign=sign, value=f"{abs(value):g}")

    names = {
        f"name{i}": labels.value("adopters", c) for i, c in enumerate(params["order"], start=1)
    }
    bounds = {f"bound{i}": bound(params[b]) for i, b in enumerate(ADOPTER_BOUNDS, start=1)}
    return labels.ui(
        "situation.adopters_definition", mean=scale["mean"], sd=scale["sd"], **names, **bounds
    )


def _at_least(
    resp: pd.DataFrame, report: Mapping[str, Any], construct: str | None, threshold: str
) -> pd.Series | None:
    """Scores at or above the construct's scale threshold (``high_from`` or ``agree_from``)."""
    if not construct:
        return None
    scores = resp[construct]
    at_least = scores >= report["scales"][construct][threshold]
    return at_least.astype("boolean").where(scores.notna())  # nullable, as _in_categories


def _breakdown_flags(resp: pd.DataFrame, report: Mapping[str, Any]) -> dict[str, pd.Series]:
    """Per respondent, the yes/no figures every breakdown shows by group."""
    cons, params = report["constructs"], report["adopters"]
    flags = {
        "social_media_high": _at_least(resp, report, cons["social_media"], "high_from"),
        "mobile_high": _at_least(resp, report, cons["mobile"], "high_from"),
        "innovators": _in_categories(resp, params["innovator_categories"])
        if cons["innovativeness"]
        else None,
        "conservatives": _in_categories(resp, params["conservative_categories"])
        if cons["innovativeness"]
        else None,
        "barriers_high": _at_least(resp, report, cons["barriers"], "high_from"),
    }
    return {key: values for key, values in flags.items() if values is not None}


def _breakdown(
    dim: str,
    active: pd.DataFrame,
    resp: pd.DataFrame,
    flags: Mapping[str, pd.Series],
    age: Mapping[str, Any],
    report: Mapping[str, Any],
    labels: Labels,
    min_group: int,
) -> dict[str, Any]:
    """One breakdown (department, site, work pattern): per group the figures, top need and channel, age mix."""
    cons = report["constructs"]
    column = f"group_{dim}"
    groups = ordered_groups(active[column])
    resp_counts = resp[column].value_counts()
    positions = _positions(resp[column], groups)
    shown = {
        key: _split_by_positions(positions, flag, groups, min_group) for key, flag in flags.items()
    }
    age_table = anon.crosstab_counts(
        active.assign(_b=active["age_band"]), column, "_b", rows=groups, columns=age["order"]
    )
    age_group_shares = anon.masked_shares(age_table, anon.suppress_cells(age_table, min_group))
    by_group = _split(resp, column, [c for c in [*cons["needs"], *cons["channels"]] if c in resp])
    rows = []
    for g in groups:
        n = int(resp_counts.get(g, 0))
        visible = n >= min_group
        in_group = by_group.get(g) if visible else None
        needs = _ranked(in_group, cons["needs"], labels, report, min_group) if visible else []
        channels = _ranked(in_group, cons["channels"], labels, report, min_group) if visible else []
        headcount = int(age_table.loc[g].sum())
        rows.append(
            {
                "key": g,
                "label": group_label(labels, dim, g),
                "headcount": headcount if headcount >= min_group else None,
                "n": n if visible else None,
                "metrics": {k: shown[k][g] for k in flags},
                "top_need": needs[0]["label"] if needs and needs[0]["mean"] is not None else None,
                "top_channel": channels[0]["label"]
                if channels and channels[0]["mean"] is not None
                else None,
                "age_mix": [None if pd.isna(v) else float(v) for v in age_group_shares.loc[g]],
            }
        )
    return {
        "dimension": dim,
        "title": labels.ui("situation.by_dimension", dimension=labels.ui(f"dimensions.{dim}")),
        "metric_keys": list(flags),
        "metric_labels": [labels.ui(f"metrics.{k}") for k in flags],
        "overall": {k: split_share(v, min_group)[0] for k, v in flags.items()},
        "bands": age["bands"],
        "rows": rows,
        "combined": any(r["key"] == anon.OTHER for r in rows),
    }


def _share_at_least(
    resp: pd.DataFrame, report: Mapping[str, Any], role: str, threshold: str, min_group: int
) -> float | None:
    construct = report["constructs"][role]
    return (
        split_share(_at_least(resp, report, construct, threshold), min_group)[0]
        if construct
        else None
    )


def situation(base: pd.DataFrame, report: Mapping[str, Any], min_group: int) -> dict[str, Any]:
    """Age mix, usage, adopters, needs, barriers and channels; overall and by group."""
    labels = Labels(report)
    cons = report["constructs"]
    # Only the columns read below, so that the row selections copy no more.
    needed = {
        "active",
        "respondent",
        "age_band",
        "work_pattern",
        *all_constructs(report),
        *cons.get("barrier_items", []),
        *(f"group_{dim}" for dim in report["breakdowns"]),
    }
    base = base[[c for c in base.columns if c in needed]]
    active = base[base["active"]]
    resp = base[base["respondent"]].copy()
    scale = _adopters(resp, cons, report["adopters"])
    band_order = [*report["age_bands"]["labels"][labels.language]]
    if (active["age_band"] == UNKNOWN).any():
        band_order.append(UNKNOWN)
    age_mix = _age_mix(active, resp, band_order, labels, min_group)
    flags = _breakdown_flags(resp, report)
    age = {"order": band_order, "bands": age_mix["bands"]}
    gamification = cons["gamification"]
    return {
        "n_respondents": int(len(resp)) if len(resp) >= min_group else None,
        "n_active": int(len(active)) if len(active) >= min_group else None,
        "age_mix": age_mix,
        "usage": [
            {**_levels(resp, cons[key], report, labels, min_group), "metric": key}
            for key in ("social_media", "mobile")
            if cons[key]
        ],
        "barriers_levels": _levels(resp, cons["barriers"], report, labels, min_group)
        if cons["barriers"]
        else None,
        "adopters": _adopter_figures(resp, scale, report, labels, min_group),
        "needs": _ranked(resp, cons["needs"], labels, report, min_group),
        "barrier_items": _ranked(
            resp, cons.get("barrier_items", []), labels, report, min_group, kind="items"
        ),
        "barriers_high_share": _share_at_least(resp, report, "barriers", "high_from", min_group),
        "channels": _ranked(resp, cons["channels"], labels, report, min_group),
        "gamification": {
            "mean": on_score_axis(
                report, gamification, anon.safe_mean(resp[gamification], min_group)
            ),
            "share": _share_at_least(resp, report, "gamification", "agree_from", min_group),
        }
        if gamification
        else None,
        "work_patterns": {
            wp: split_share(active["work_pattern"].eq(wp), min_group)[0]
            for wp in sorted(active["work_pattern"].dropna().unique())
            if wp != UNKNOWN
        },
        "breakdowns": [
            _breakdown(dim, active, resp, flags, age, report, labels, min_group)
            for dim in report["breakdowns"]
        ],
    }


def situation_metrics(
    situation_figures: Mapping[str, Any], overview_figures: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Flat ``{metric: {value, label}}`` that the SWOT rules read."""
    metrics: dict[str, dict[str, Any]] = {}

    def put(key: str, value: Any, label: str | None = None) -> None:
        metrics[key] = {"value": value, "label": label}

    put("response_rate", overview_figures.get("response_rate"))
    put("data.survey_rejected_share", overview_figures.get("survey_rejected_share"))
    for usage in situation_figures["usage"]:
        cells = {c["key"]: c["share"] for c in usage["cells"]}
        put(f"{usage['metric']}.high_share", cells.get("high"), usage["label"])
        put(f"{usage['metric']}.low_share", cells.get("low"), usage["label"])
        put(f"{usage['metric']}.mean", usage["mean"], usage["label"])
    put("barriers.high_share", situation_figures["barriers_high_share"])
    adopters = situation_figures["adopters"] or {}
    put("adopters.innovator_share", adopters.get("innovator_share"))
    put("adopters.conservative_share", adopters.get("conservative_share"))
    put("gamification.agree_share", (situation_figures["gamification"] or {}).get("share"))
    for kind, share_key in (
        ("needs", "agree_share"),
        ("channels", "prefer_share"),
        ("barrier_items", "agree_share"),
    ):
        rows = situation_figures[kind]
        for row in rows:
            put(f"{kind}.{row['key']}.{share_key}", row["share"], row["label"])
            put(f"{kind}.{row['key']}.mean", row["mean"], row["label"])
        ranked = [r for r in rows if r["share"] is not None]
        if ranked:
            put(f"{kind}.top.{share_key}", ranked[0]["share"], ranked[0]["label"])
    for wp, share in situation_figures["work_patterns"].items():
        put(f"work_pattern.{wp}.share", share, wp)
    return metrics
