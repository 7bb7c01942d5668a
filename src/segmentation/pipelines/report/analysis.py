"""Figures of the report, every one through :mod:`.anonymity`.

Pure functions on the report's base table (one row per employee, see
:func:`build_base`). Two populations: *active employees* (HR figures: head
counts, age mix) and *respondents*, the active employees whose survey answers
were used (every survey figure). Keeping respondents a subset of active
employees means no figure can be subtracted from another to reveal people
outside both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation import anonymity as anon
from segmentation.adopters import adopter_categories, adopter_scale
from segmentation.codebook import COMMON_BOUNDS, Codebook
from segmentation.demographics import age_bands
from segmentation.handoff import PersonaSummary
from segmentation.parsing import is_in
from segmentation.persona_ids import persona_sort_key
from segmentation.roles import (
    BARRIERS,
    CHANNELS,
    GAMIFICATION,
    INNOVATIVENESS,
    MOBILE,
    NEEDS,
    SOCIAL_MEDIA,
    role_construct,
    survey_roles,
)
from segmentation.waves import wave_date as resolve_wave_date

from .adapters import adapt_assignments, adapt_employees, adapt_scores
from .labels import Labels

UNKNOWN = "__unknown__"
SURVEY, INFERRED = "survey", "inferred"
LEVELS = ("low", "medium", "high")
_STR = pd.StringDtype("pyarrow", na_value=np.nan)
# The report's name of each one-construct role (``report.constructs``).
REPORT_ROLES = {
    "social_media": SOCIAL_MEDIA,
    "mobile": MOBILE,
    "innovativeness": INNOVATIVENESS,
    "barriers": BARRIERS,
    "gamification": GAMIFICATION,
}


# --------------------------------------------------------------------- base


def survey_constructs(questionnaire: Mapping[str, Any]) -> dict[str, Any]:
    """Which constructs the report speaks of, from the questionnaire's roles.

    A one-construct role the survey lacks is ``None`` and a role of many is
    an empty list: the report leaves its section out. The barriers items are
    shown one by one when the barriers score has several; each persona's
    trait chart shows every construct with a role except channel preferences.
    """
    roles = survey_roles(questionnaire)
    barriers = role_construct(roles, BARRIERS)
    barrier_items = list(questionnaire["constructs"][barriers]) if barriers else []
    single = {key: role_construct(roles, role) for key, role in REPORT_ROLES.items()}
    return {
        **single,
        "needs": list(roles[NEEDS]),
        "channels": list(roles[CHANNELS]),
        "barrier_items": barrier_items if len(barrier_items) > 1 else [],
        "traits": [c for c in [*single.values(), *roles[NEEDS]] if c],
    }


def survey_scales(
    questionnaire: Mapping[str, Any], report_constructs: Mapping[str, Any]
) -> dict[str, Any]:
    """What the report needs of the scales: each construct's and item's bounds and thresholds, and the score axis.

    ``scales[name]`` holds ``min``, ``max``, ``agree_from`` (the lowest
    answer that agrees or prefers), ``low_below`` and ``high_from`` (score
    levels), all from the questionnaire's scale, never a 1-5 number.
    ``score_axis`` is where the report's means are drawn and shown: the one
    range of the constructs it reads, or the common 0-100 scale when they are
    on different ranges (their means are then converted).
    """
    codebook = Codebook.from_params(questionnaire)

    def plain(scale) -> dict[str, float]:
        return {
            "min": scale.min,
            "max": scale.max,
            "agree_from": scale.agree_from,
            "low_below": scale.low_below,
            "high_from": scale.high_from,
        }

    scales = {i: plain(codebook.item_scale(i)) for i in codebook.scored_items}
    scales.update(
        {
            c: plain(codebook.construct_scale(c))
            for c, items in codebook.constructs.items()
            if any(i in scales for i in items)
        }
    )
    read = [c for c in all_constructs({"constructs": report_constructs}) if c in scales] + list(
        report_constructs.get("barrier_items", [])
    )
    bounds = {(scales[c]["min"], scales[c]["max"]) for c in read}
    low, high = next(iter(bounds)) if len(bounds) == 1 else COMMON_BOUNDS
    return {
        "scales": scales,
        "score_axis": {
            "bounds": [low, high],
            "common": len(bounds) > 1,
            "range": f"{low:g}-{high:g}",
        },
    }


def on_score_axis(report: Mapping[str, Any], key: str, value: float | None) -> float | None:
    """A mean as the report shows it: on its own scale, or on 0-100 when the report's scores are on different ranges."""
    if value is None or not report["score_axis"]["common"]:
        return value
    scale = report["scales"][key]
    return (value - scale["min"]) * (COMMON_BOUNDS[1] / (scale["max"] - scale["min"]))


def all_constructs(report: Mapping[str, Any]) -> list[str]:
    """Every construct the report reads, in a stable order without repeats."""
    c = report["constructs"]
    names = [
        c["social_media"],
        c["mobile"],
        c["innovativeness"],
        c["barriers"],
        c["gamification"],
        *c["needs"],
        *c["channels"],
        *c.get("traits", []),
    ]
    return [n for n in dict.fromkeys(names) if n]


def group_dimensions(report: Mapping[str, Any]) -> list[str]:
    """Employee columns that are ever broken down: breakdowns and persona demographics."""
    return list(dict.fromkeys([*report["breakdowns"], *report["personas"]["demographics"]]))


def _left_join(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """``left.merge(right, on="pid", how="left")`` for a ``right`` with unique pids.

    One hash lookup of the pids (Arrow's ``index_in``) and a take per
    ``right`` column, instead of re-taking every ``left`` column; falls back
    to ``merge`` for anything but text pids and float or text columns.
    """
    columns = [c for c in right.columns if c != "pid"]
    plain = (
        not set(columns) & set(left.columns)
        and isinstance(left.index, pd.RangeIndex)
        and left.index.start == 0
        and left.index.step == 1
        and all(right[c].dtype == np.float64 or right[c].dtype == _STR for c in columns)
        and left["pid"].dtype == _STR
        and right["pid"].dtype == _STR
        and right["pid"].is_unique
        and left["pid"].notna().all()
        and right["pid"].notna().all()
    )
    if not plain:
        return left.merge(right, on="pid", how="left")
    keys, pool = pa.array(left["pid"], from_pandas=True), pa.array(right["pid"], from_pandas=True)
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    pool = pool.combine_chunks() if isinstance(pool, pa.ChunkedArray) else pool
    at = (
        pc.index_in(keys, value_set=pool.cast(keys.type))
        .fill_null(-1)
        .to_numpy(zero_copy_only=False)
        .astype(np.intp)
    )
    found = at >= 0
    added = {}
    for c in columns:
        if right[c].dtype == np.float64:
            values = np.full(len(left), np.nan)
            values[found] = right[c].to_numpy()[at[found]]
            added[c] = values
        else:
            added[c] = right[c].array.take(at, allow_fill=True)
    return pd.concat([left, pd.DataFrame(added, index=left.index, columns=columns)], axis=1)


def build_base(
    employees: pd.DataFrame,
    construct_scores: pd.DataFrame,
    item_scores: pd.DataFrame | None,
    persona_assignments: pd.DataFrame | None,
    wave: str,
    wave_date: str | None,
    report: Mapping[str, Any],
    min_group: int,
) -> pd.DataFrame:
    """One row per employee: HR fields, age band, flags, scores, persona, and protected groups.

    ``group_<dim>`` holds the group of every broken-down dimension with the
    groups too small to show merged into :data:`anonymity.OTHER`; every
    breakdown reads these columns, so a hidden group is hidden everywhere. A
    group is too small when its active head count, its respondents or its
    (non-zero) non-respondents are fewer than ``min_group``.
    Respondents are active employees with construct scores; survey answers of
    people not active at the wave's date are left out of every figure.
    """
    labels = Labels(report)
    people = adapt_employees(employees)
    constructs = all_constructs(report)
    scores = adapt_scores(construct_scores, constructs)
    items = adapt_scores(item_scores, report["constructs"].get("barrier_items", []))
    assignments = adapt_assignments(persona_assignments)

    # Respondents of an anonymous survey are on no roster: they count as
    # respondents (their answers and personas), never as employees.
    anonymous = scores.loc[~is_in(scores["pid"], people["pid"]), ["pid"]]
    if len(anonymous):
        people = pd.concat(
            [people, anonymous.astype({"pid": people["pid"].dtype})], ignore_index=True
        )
    at = resolve_wave_date(wave, wave_date)
    people["age"] = at.year - people["birth_year"]
    band = age_bands(people["age"], report["age_bands"], labels.language)
    people["age_band"] = band.astype(object).where(band.notna(), UNKNOWN)
    people["active"] = people["employment_status"].eq("active")
    people["anonymous"] = is_in(people["pid"], anonymous["pid"])
    people["respondent"] = (people["active"] | people["anonymous"]) & is_in(
        people["pid"], scores["pid"]
    )
    base = _left_join(_left_join(people, scores), items)
    survey_columns = [c for c in [*constructs, *items.columns] if c != "pid"]
    base.loc[~base["respondent"], survey_columns] = np.nan
    base = _left_join(base, assignments)
    # Personas: from the survey for respondents, inferred for active others.
    survey_persona = base["respondent"] & base["assignment_source"].eq(SURVEY)
    inferred = base["active"] & ~base["respondent"] & base["assignment_source"].eq(INFERRED)
    base["persona_source"] = np.where(survey_persona, SURVEY, np.where(inferred, INFERRED, None))
    base.loc[base["persona_source"].isna(), "persona_id"] = None

    for dim in group_dimensions(report):
        values = (
            base[dim].astype(object).where(base[dim].notna(), UNKNOWN)
            if dim in base
            else pd.Series(UNKNOWN, index=base.index)
        )
        base[dim] = values
        active = base["active"]
        # Head counts and respondent counts are both shown per group, so the
        # non-respondents (their difference) must be a large enough group too.
        sizes = pd.DataFrame(
            {
                "active": values[active].value_counts(),
                "respondents": values[base["respondent"]].value_counts(),
                "non_respondents": values[active & ~base["respondent"]].value_counts(),
            }
        ).fillna(0)
        # an anonymous survey's respondents are in no employee group: a group with none is no small group
        # (and their own group, "unknown", has no employee)
        zero_ok = (
            ["non_respondents", "respondents", "active"]
            if base["anonymous"].any()
            else ["non_respondents"]
        )
        hidden = anon.hidden_groups(sizes, min_group, allow_zero=zero_ok)
        base[f"group_{dim}"] = anon.merge_hidden(values, hidden)
    return base.reset_index(drop=True)


# --------------------------------------------------------------------- helpers


def group_label(labels: Labels, dim: str, key: Any) -> str:
    if key == anon.OTHER:
        return labels.ui("other_group")
    if key == UNKNOWN:
        return (
            labels.value("misc", "unknown") if labels.value("misc", "unknown") != "unknown" else "?"
        )
    return labels.value(dim, key)


def ordered_groups(values: pd.Series) -> list:
    """Groups by size (largest first), ties by name, with the combined group last."""
    counts = values.value_counts()
    keys = sorted(counts.index, key=lambda g: (g == anon.OTHER, g == UNKNOWN, -counts[g], str(g)))
    return keys


def level_of(scores: pd.Series, levels: Mapping[str, Any]) -> pd.Series:
    """low / medium / high of a score by its scale's ``low_below`` and ``high_from``; missing stays missing."""
    out = np.select(
        [scores < levels["low_below"], scores >= levels["high_from"]],
        ["low", "high"],
        default="medium",
    ).astype(object)
    return pd.Series(out, index=scores.index).where(scores.notna(), None)


def _adopters(
    resp: pd.DataFrame, cons: Mapping[str, Any], adopters_params: Mapping[str, Any]
) -> dict[str, float]:
    """Put each respondent's adopter category in ``resp["adopter"]`` (none without an
    innovativeness construct) and return the scale it was read on."""
    innovativeness = (
        resp[cons["innovativeness"]]
        if cons["innovativeness"]
        else pd.Series(np.nan, index=resp.index)
    )
    scale = adopter_scale(innovativeness)
    resp["adopter"] = adopter_categories(innovativeness, adopters_params, scale)
    return scale


def split_share(flag: pd.Series, min_group: int) -> tuple[float | None, int]:
    """Share of True among known values, hidden when either side is a small group."""
    known = flag.dropna().astype(bool)
    counts = pd.Series({"yes": int(known.sum()), "no": int((~known).sum())})
    mask = anon.suppress_series(counts, min_group)
    if len(known) == 0 or mask["yes"]:
        return None, len(known)
    return counts["yes"] / len(known), len(known)


def split_by_group(
    groups: pd.Series, flag: pd.Series, order: Sequence, min_group: int
) -> dict[Any, float | None]:
    """Per group, the share of True among known values, with cell and complementary suppression."""
    known = flag.notna()
    frame = pd.DataFrame(
        {
            "g": groups[known].to_numpy(),
            "f": np.where(flag[known].astype(bool).to_numpy(), "yes", "no").astype(object),
        }
    )
    counts = anon.crosstab_counts(frame, "g", "f", rows=order, columns=["yes", "no"])
    mask = anon.suppress_cells(counts, min_group)
    shares = anon.masked_shares(counts, mask)["yes"]
    return {g: (None if pd.isna(shares[g]) else float(shares[g])) for g in order}


def _positions(groups: pd.Series, order: Sequence) -> np.ndarray:
    """Position of each value of ``groups`` in ``order`` (-1 when missing or not listed)."""
    codes, uniques = pd.factorize(groups)
    at = np.append(pd.Index(list(order)).get_indexer(uniques), -1)
    return at[codes]


def _split_by_positions(
    positions: np.ndarray, flag: pd.Series, order: Sequence, min_group: int
) -> dict[Any, float | None]:
    """:func:`split_by_group` with the groups given as positions in ``order`` (see :func:`_positions`)."""
    known = flag.notna().to_numpy()
    yes = np.zeros(len(flag), dtype=bool)
    yes[known] = flag[known].astype(bool).to_numpy()
    listed = known & (positions >= 0)
    n = len(order)
    yes_counts = np.bincount(positions[listed & yes], minlength=n)
    no_counts = np.bincount(positions[listed & ~yes], minlength=n)
    counts = pd.DataFrame(
        {"yes": yes_counts.astype(np.int64), "no": no_counts.astype(np.int64)},
        index=pd.Index(list(order), name="g"),
    )
    counts.columns.name = "f"
    mask = anon.suppress_cells(counts, min_group)
    shares = anon.masked_shares(counts, mask)["yes"]
    return {g: (None if pd.isna(shares[g]) else float(shares[g])) for g in order}


def distribution(values: pd.Series, order: Sequence, min_group: int) -> list[dict[str, Any]]:
    """Counts and shares of one group by category, with suppression (one row)."""
    counts = values.dropna().value_counts().reindex(list(order), fill_value=0)
    mask = anon.suppress_series(counts, min_group)
    total = int(counts.sum())
    cells = []
    for key in order:
        hidden = bool(mask[key]) or total < min_group
        cells.append(
            {
                "key": key,
                "count": None if hidden else int(counts[key]),
                "share": None if hidden or not total else counts[key] / total,
            }
        )
    return cells


def cohen_d(inside: pd.Series, outside: pd.Series) -> float | None:
    a, b = inside.dropna(), outside.dropna()
    if len(a) < 2 or len(b) < 2:
        return None
    pooled = np.sqrt(
        ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
    )
    if not pooled or not np.isfinite(pooled):
        return None
    return float((a.mean() - b.mean()) / pooled)


# --------------------------------------------------------------------- overview


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


# --------------------------------------------------------------------- situation


def _agree_share(known: np.ndarray, agree_from: float, min_group: int) -> tuple[float | None, int]:
    """:func:`split_share` of ``known >= agree_from`` for non-missing floats."""
    n = len(known)
    yes = np.int64(np.count_nonzero(known >= agree_from))
    mask = anon.suppress_line(np.array([yes, n - yes], dtype=float), min_group)
    if n == 0 or mask[0]:
        return None, n
    return yes / n, n


def _ranked(
    base: pd.DataFrame,
    constructs: Sequence[str],
    labels: Labels,
    report: Mapping[str, Any],
    min_group: int,
    kind: str = "constructs",
) -> list[dict]:
    """Constructs (or items) by the share that agrees with them, each on its own scale's top box(es)."""
    rows = []
    for c in constructs:
        if c not in base:
            continue
        agree_from = report["scales"][c]["agree_from"]
        values = base[c]
        if values.dtype == np.float64:
            # split_share and safe_mean on the numbers themselves (same figures, no pandas per call).
            known = values.to_numpy()
            known = known[~np.isnan(known)]
            share, n = _agree_share(known, agree_from, min_group)
            mean = float(known.mean()) if len(known) >= min_group else None
        else:
            share, n = split_share((values >= agree_from).where(values.notna()), min_group)
            mean = anon.safe_mean(values, min_group)
        rows.append(
            {
                "key": c,
                "label": labels.value(kind, c),
                "mean": on_score_axis(report, c, mean),
                "share": share,
                "n": n if n >= min_group else None,
            }
        )
    return sorted(
        rows,
        key=lambda r: (
            -(r["share"] if r["share"] is not None else -1),
            -(r["mean"] or 0),
            r["key"],
        ),
    )


def _levels(
    resp: pd.DataFrame, construct: str, report: Mapping[str, Any], labels: Labels, min_group: int
) -> dict:
    level = level_of(resp[construct], report["scales"][construct])
    cells = distribution(level, LEVELS, min_group)
    for cell in cells:
        cell["label"] = labels.ui(f"level_titles.{cell['key']}")
    mean = on_score_axis(report, construct, anon.safe_mean(resp[construct], min_group))
    return {
        "construct": construct,
        "label": labels.construct(construct),
        "cells": cells,
        "mean": mean,
    }


def _split(frame: pd.DataFrame, column: str, columns: Sequence[str]) -> dict[Any, pd.DataFrame]:
    """Rows of ``frame`` (only ``columns``) per value of ``column``, in their order: one pass."""
    sub = frame[list(dict.fromkeys(columns))]
    return {
        g: sub.iloc[positions] for g, positions in frame.groupby(column, sort=False).indices.items()
    }


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
    adopters_params = report["adopters"]
    scale = _adopters(resp, cons, adopters_params)
    band_order = [*report["age_bands"]["labels"][labels.language]]
    if (active["age_band"] == UNKNOWN).any():
        band_order.append(UNKNOWN)

    # Age mix of active employees and of respondents (one row each).
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
    age_mix = {
        "bands": [group_label(labels, "age_band", b) if b == UNKNOWN else b for b in band_order],
        "employees": [None if pd.isna(v) else float(v) for v in age_shares.loc["employees"]],
        "respondents": [None if pd.isna(v) else float(v) for v in age_shares.loc["respondents"]],
    }

    # Adopter categories, small ones merged with a neighbour (none without an innovativeness construct).
    order = list(adopters_params["order"])
    adopter_counts = resp["adopter"].value_counts().reindex(order, fill_value=0)
    adopter_cells = (
        anon.collapse_ordinal(adopter_counts, min_group) if cons["innovativeness"] else []
    )
    for cell in adopter_cells:
        cell["label"] = " + ".join(labels.value("adopters", k) for k in cell["labels"])
    innovator, _ = split_share(
        resp["adopter"]
        .isin(adopters_params["innovator_categories"])
        .where(resp["adopter"].notna()),
        min_group,
    )
    conservative, _ = split_share(
        resp["adopter"]
        .isin(adopters_params["conservative_categories"])
        .where(resp["adopter"].notna()),
        min_group,
    )

    def at_least(construct: str | None, threshold: str) -> pd.Series | None:
        """Scores at or above the construct's scale threshold (``high_from`` or ``agree_from``)."""
        return (
            None
            if not construct
            else (resp[construct] >= report["scales"][construct][threshold]).where(
                resp[construct].notna()
            )
        )

    barrier_high = (
        split_share(at_least(cons["barriers"], "high_from"), min_group)[0]
        if cons["barriers"]
        else None
    )
    gamification = (
        split_share(at_least(cons["gamification"], "agree_from"), min_group)[0]
        if cons["gamification"]
        else None
    )

    result: dict[str, Any] = {
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
        "adopters": {
            "cells": adopter_cells,
            "innovator_share": innovator,
            "conservative_share": conservative,
            **scale,
            "note": labels.ui("situation.adopters_note"),
            "definition": labels.ui(
                "situation.adopters_definition", mean=scale["mean"], sd=scale["sd"]
            ),
        }
        if cons["innovativeness"]
        else None,
        "needs": _ranked(resp, cons["needs"], labels, report, min_group),
        "barrier_items": _ranked(
            resp, cons.get("barrier_items", []), labels, report, min_group, kind="items"
        ),
        "barriers_high_share": barrier_high,
        "channels": _ranked(resp, cons["channels"], labels, report, min_group),
        "gamification": {
            "mean": on_score_axis(
                report, cons["gamification"], anon.safe_mean(resp[cons["gamification"]], min_group)
            ),
            "share": gamification,
        }
        if cons["gamification"]
        else None,
        "work_patterns": {
            wp: split_share(active["work_pattern"].eq(wp), min_group)[0]
            for wp in sorted(active["work_pattern"].dropna().unique())
            if wp != UNKNOWN
        },
        "breakdowns": [],
    }

    # Breakdowns by department, site, work pattern.
    metrics = {
        "social_media_high": at_least(cons["social_media"], "high_from"),
        "mobile_high": at_least(cons["mobile"], "high_from"),
        "innovators": resp["adopter"]
        .isin(adopters_params["innovator_categories"])
        .where(resp["adopter"].notna())
        if cons["innovativeness"]
        else None,
        "conservatives": resp["adopter"]
        .isin(adopters_params["conservative_categories"])
        .where(resp["adopter"].notna())
        if cons["innovativeness"]
        else None,
        "barriers_high": at_least(cons["barriers"], "high_from"),
    }
    metrics = {key: flags for key, flags in metrics.items() if flags is not None}
    for dim in report["breakdowns"]:
        column = f"group_{dim}"
        groups = ordered_groups(active[column])
        resp_counts = resp[column].value_counts()
        positions = _positions(resp[column], groups)
        shown = {
            key: _split_by_positions(positions, flag, groups, min_group)
            for key, flag in metrics.items()
        }
        age_table = anon.crosstab_counts(
            active.assign(_b=active["age_band"]), column, "_b", rows=groups, columns=band_order
        )
        age_mask = anon.suppress_cells(age_table, min_group)
        age_group_shares = anon.masked_shares(age_table, age_mask)
        rows = []
        by_group = _split(
            resp, column, [c for c in [*cons["needs"], *cons["channels"]] if c in resp]
        )
        for g in groups:
            n = int(resp_counts.get(g, 0))
            in_group = by_group.get(g) if n else None
            visible = n >= min_group
            needs = _ranked(in_group, cons["needs"], labels, report, min_group) if visible else []
            channels = (
                _ranked(in_group, cons["channels"], labels, report, min_group) if visible else []
            )
            rows.append(
                {
                    "key": g,
                    "label": group_label(labels, dim, g),
                    "headcount": int(age_table.loc[g].sum())
                    if age_table.loc[g].sum() >= min_group
                    else None,
                    "n": n if visible else None,
                    "metrics": {k: shown[k][g] for k in metrics},
                    "top_need": needs[0]["label"]
                    if needs and needs[0]["mean"] is not None
                    else None,
                    "top_channel": channels[0]["label"]
                    if channels and channels[0]["mean"] is not None
                    else None,
                    "age_mix": [None if pd.isna(v) else float(v) for v in age_group_shares.loc[g]],
                }
            )
        result["breakdowns"].append(
            {
                "dimension": dim,
                "title": labels.ui(
                    "situation.by_dimension", dimension=labels.ui(f"dimensions.{dim}")
                ),
                "metric_keys": list(metrics),
                "metric_labels": [labels.ui(f"metrics.{k}") for k in metrics],
                "overall": {k: split_share(v, min_group)[0] for k, v in metrics.items()},
                "bands": age_mix["bands"],
                "rows": rows,
                "combined": any(r["key"] == anon.OTHER for r in rows),
            }
        )
    return result


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


# --------------------------------------------------------------------- personas


def protected_mix(
    counts: pd.DataFrame,
    min_group: int,
    label_of: Callable[[Any], str],
    *,
    ordinal: bool,
) -> dict[Any, dict[str, Any]]:
    """Per row of ``counts``, its distribution as a card shows it, adding up to 100%.

    Small categories are merged first (:func:`anonymity.merge_small_columns`:
    into "Other (combined)", or with a neighbour when ordered), then what is
    still small is hidden with its complements (:func:`anonymity.suppress_cells`).
    Every block says what it hides and why, and its whole percentages
    (shown cells plus the hidden share) add up to 100.
    """
    merged, members = anon.merge_small_columns(counts, min_group, ordinal=ordinal)
    mask = anon.suppress_cells(merged, min_group)
    reasons = anon.hidden_reasons(merged, mask, min_group)

    def label(key: Any) -> str:
        if key == anon.OTHER:
            return label_of(key)
        return " + ".join(label_of(m) for m in members.get(key, [key]))

    combined = (
        [label_of(m) for m in members.get(anon.OTHER, []) if m != anon.OTHER] if not ordinal else []
    )
    out = {}
    for row in merged.index:
        total = float(merged.loc[row].sum())
        cells, hidden = [], []
        for key in merged.columns:
            share = float(merged.loc[row, key]) / total if total else 0.0
            if mask.loc[row, key]:
                hidden.append(
                    {
                        "key": key,
                        "label": label(key),
                        "share": share,
                        "reason": str(reasons.loc[row, key]),
                    }
                )
            elif share > 0 or ordinal:
                cells.append({"key": key, "label": label(key), "share": share})
        if not ordinal:
            cells.sort(key=lambda c: (c["key"] == anon.OTHER, -c["share"]))
        hidden_share = sum(h["share"] for h in hidden)
        percents = (
            anon.whole_percents([c["share"] for c in cells] + [hidden_share])
            if total
            else [0] * (len(cells) + 1)
        )
        for cell, percent in zip(cells, percents, strict=False):
            cell["percent"] = percent
        out[row] = {
            "cells": cells,
            "hidden": [{"label": h["label"], "reason": h["reason"]} for h in hidden],
            "hidden_share": hidden_share if hidden else 0.0,
            "hidden_percent": percents[-1] if hidden else 0,
            "combined": combined if any(c["key"] == anon.OTHER for c in cells) else [],
        }
    return out


def persona_figures(
    base: pd.DataFrame, persona_ids: Sequence[str], report: Mapping[str, Any], min_group: int
) -> dict[str, Any]:
    """Per persona: sizes, trait means, needs, channels, adopter and demographic mixes."""
    labels = Labels(report)
    cons = report["constructs"]
    # Only the columns read below, so that the row selections copy no more.
    needed = {
        "pid",
        "active",
        "anonymous",
        "respondent",
        "persona_source",
        "persona_id",
        *all_constructs(report),
        *(f"group_{dim}" for dim in report["personas"]["demographics"]),
    }
    base = base[[c for c in base.columns if c in needed]]
    # An anonymous survey's respondents are nobody on the roster: the employees a persona
    # reaches are the typed ones alone, never respondents on top of them.
    anonymous = bool(base["anonymous"].any()) if "anonymous" in base.columns else False
    resp = base[base["respondent"]].copy()
    adopters_params = report["adopters"]
    scale = _adopters(resp, cons, adopters_params)
    surveyed = resp[resp["persona_source"].eq(SURVEY) & resp["persona_id"].notna()]
    active = base[base["active"]]
    all_ids = sorted(set(persona_ids) | set(surveyed["persona_id"].unique()), key=persona_sort_key)

    survey_sizes = surveyed["persona_id"].value_counts().reindex(all_ids, fill_value=0)
    hidden = set(anon.hidden_groups(pd.DataFrame({"n": survey_sizes}), min_group))
    visible = [p for p in all_ids if p not in hidden]
    n_resp = len(resp)

    # Sizes by source; hidden personas as one combined row.
    with_persona = active[active["persona_source"].notna() & active["persona_id"].notna()]
    rows = anon.merge_hidden(with_persona["persona_id"], hidden)
    size_frame = pd.DataFrame(
        {"p": rows.to_numpy(), "s": with_persona["persona_source"].to_numpy()}
    )
    size_rows = list(dict.fromkeys([*visible, *sorted(set(rows.unique()) - set(visible), key=str)]))
    sizes = anon.crosstab_counts(size_frame, "p", "s", rows=size_rows, columns=[SURVEY, INFERRED])
    size_mask = anon.suppress_cells(sizes, min_group)

    # Adopter mix on the same merged categories as the overall chart.
    order = list(adopters_params["order"])
    merged = (
        anon.collapse_ordinal(
            resp["adopter"].value_counts().reindex(order, fill_value=0), min_group
        )
        if cons["innovativeness"]
        else []
    )
    merge_map = {k: "+".join(cell["labels"]) for cell in merged for k in cell["labels"]}
    merged_keys = ["+".join(cell["labels"]) for cell in merged]
    merged_labels = {
        "+".join(cell["labels"]): " + ".join(labels.value("adopters", k) for k in cell["labels"])
        for cell in merged
    }
    persona_rows = anon.merge_hidden(surveyed["persona_id"], hidden)
    mix_rows = list(
        dict.fromkeys([*visible, *sorted(set(persona_rows.unique()) - set(visible), key=str)])
    )
    adopter_frame = pd.DataFrame(
        {"p": persona_rows.to_numpy(), "a": surveyed["adopter"].map(merge_map).to_numpy()}
    ).dropna()
    adopter_counts = anon.crosstab_counts(
        adopter_frame, "p", "a", rows=mix_rows, columns=merged_keys
    )
    adopter_mix = protected_mix(adopter_counts, min_group, merged_labels.get, ordinal=True)

    demographics: dict[str, dict[Any, dict[str, Any]]] = {}
    for dim in report["personas"]["demographics"]:
        column = f"group_{dim}"
        groups = ordered_groups(resp[column]) if len(resp) else []
        if dim == "age_band":
            bands = list(report["age_bands"]["labels"][labels.language])
            groups = sorted(
                groups, key=lambda g: (bands.index(g) if g in bands else len(bands), str(g))
            )
        frame = pd.DataFrame({"p": persona_rows.to_numpy(), "g": surveyed[column].to_numpy()})
        counts = anon.crosstab_counts(frame, "p", "g", rows=mix_rows, columns=groups)
        demographics[dim] = protected_mix(
            counts,
            min_group,
            lambda g, dim=dim: group_label(labels, dim, g),
            ordinal=dim == "age_band",
        )

    traits = [c for c in cons.get("traits", []) if c in resp]
    out: dict[str, Any] = {
        "visible": visible,
        "hidden": sorted(hidden, key=persona_sort_key),
        "personas": {},
        "n_respondents": n_resp,
        "scale": scale,
        "trait_axis": list(report["score_axis"]["bounds"]),
    }
    everyone = {c: on_score_axis(report, c, anon.safe_mean(resp[c], min_group)) for c in traits}
    trait_frame = resp[traits]
    member_columns = list(
        dict.fromkeys(
            ["pid", *traits, *[c for c in [*cons["needs"], *cons["channels"]] if c in surveyed]]
        )
    )
    by_persona = _split(surveyed, "persona_id", member_columns)
    for p in visible:
        members = by_persona.get(p, surveyed[member_columns].iloc[:0])
        others = trait_frame[~is_in(resp["pid"], members["pid"])]
        n = int(len(members))
        inferred = None if size_mask.loc[p, INFERRED] else int(sizes.loc[p, INFERRED])
        trait_rows = []
        for c in traits:
            trait_rows.append(
                {
                    "key": c,
                    "label": labels.construct(c),
                    "mean": on_score_axis(report, c, anon.safe_mean(members[c], min_group)),
                    "everyone": everyone[c],
                    "d": cohen_d(members[c], others[c]) if len(others) >= min_group else None,
                }
            )
        needs = _ranked(members, cons["needs"], labels, report, min_group)
        channels = _ranked(members, cons["channels"], labels, report, min_group)
        mix = adopter_mix[p] if merged_keys else None
        demo = {
            dim: {"title": labels.ui(f"dimensions.{dim}"), **blocks[p]}
            for dim, blocks in demographics.items()
        }
        out["personas"][p] = {
            "size": n,
            "share": n / n_resp if n_resp else None,
            "inferred": inferred,
            "total": None if inferred is None else inferred if anonymous else n + inferred,
            "traits": trait_rows,
            "needs": needs,
            "channels": channels,
            "adopter_mix": mix,
            "demographics": demo,
        }
    return out


# --------------------------------------------------------------------- method


OUTCOMES = {
    "rule": "rule",
    "pinned": "pinned",
    "fallback: most": "fallback_reproducible",
    "fallback: smallest": "fallback_smallest",
}


def outcome_text(labels: Labels, outcome: str) -> str:
    """How the number of personas was settled, in words (the personas stage writes a short code)."""
    key = next((k for prefix, k in OUTCOMES.items() if str(outcome).startswith(prefix)), None)
    return labels.ui(f"method.outcomes.{key}") if key else str(outcome or "")


def method(summary: PersonaSummary, report: Mapping[str, Any], min_group: int) -> dict[str, Any]:
    """The k table (small persona sizes hidden), reference, alphas and typing quality."""
    labels = Labels(report)
    rows = []
    for candidate in summary.k_table:
        row = asdict(candidate)
        small = (
            row["smallest_persona_size"] is not None and row["smallest_persona_size"] < min_group
        )
        rows.append(
            {
                **row,
                "smallest_persona_size": None
                if small
                else (
                    int(row["smallest_persona_size"])
                    if row["smallest_persona_size"] is not None
                    else None
                ),
                "smallest_persona_share": None if small else row["smallest_persona_share"],
                "chosen": row["k"] == summary.chosen_k,
            }
        )
    reference = summary.structure_free_reference
    exploratory = bool(rows) and not any(row["eligible"] for row in rows)
    needed = (
        "k",
        "reproducibility",
        "reference_reproducibility",
        "reproducibility_gain",
        "silhouette",
        "reference_silhouette",
    )
    reference_text = (
        labels.ui("method.reference_text", **{k: reference[k] for k in needed})
        if all(isinstance(reference.get(k), int | float) for k in needed)
        else ""
    )
    typing_text = (
        labels.ui(
            "method.typing_text",
            accuracy=summary.typing_accuracy,
            baseline=summary.typing_baseline,
        )
        if summary.typing_accuracy is not None and summary.typing_baseline is not None
        else ""
    )
    return {
        "k_table": rows,
        "chosen_k": summary.chosen_k,
        "k_rule": summary.k_rule,
        "k_rule_outcome": summary.k_rule_outcome,
        "k_rule_outcome_text": outcome_text(labels, summary.k_rule_outcome),
        "reference_text": reference_text,
        # No k met the stability rule: the personas are exploratory, and nothing calls them better than chance.
        "exploratory": exploratory,
        "clearly_better": None if exploratory else reference.get("clearly_better_than_reference"),
        "alphas": [
            {"key": k, "label": labels.construct(k), "alpha": v} for k, v in summary.alphas.items()
        ],
        "typing_text": typing_text,
        "typing_accuracy": summary.typing_accuracy,
        "typing_baseline": summary.typing_baseline,
        "typing_calibration_error": summary.typing_calibration_error,
        "warnings": summary.warnings,
    }
