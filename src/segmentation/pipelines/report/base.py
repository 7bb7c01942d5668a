"""The report's base table: one row per employee with what every breakdown needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation import anonymity as anon
from segmentation.demographics import age_bands
from segmentation.employment import is_active
from segmentation.parsing import is_in
from segmentation.waves import wave_date as resolve_wave_date

from .adapters import adapt_assignments, adapt_employees, adapt_scores
from .groups import (
    INFERRED,
    SURVEY,
    UNKNOWN,
)
from .labels import Labels
from .survey import (
    all_constructs,
    group_dimensions,
)

_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _pid_positions(keys: pd.Series, pool: pd.Series) -> np.ndarray | None:
    """Where each of ``keys`` is in ``pool`` (-1 where absent), by one Arrow hash lookup; None
    unless both are text pids without gaps (then callers fall back to pandas)."""
    plain = keys.dtype == _STR and pool.dtype == _STR and keys.notna().all() and pool.notna().all()
    if not plain:
        return None
    keys, pool = pa.array(keys, from_pandas=True), pa.array(pool, from_pandas=True)
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    pool = pool.combine_chunks() if isinstance(pool, pa.ChunkedArray) else pool
    return (
        pc.index_in(keys, value_set=pool.cast(keys.type))
        .fill_null(-1)
        .to_numpy(zero_copy_only=False)
        .astype(np.intp)
    )


def _same_pids(a: pd.Series, b: pd.Series) -> bool:
    """Whether two pid columns hold the same pids in the same order (compared, not hashed)."""
    if len(a) != len(b) or a.dtype != _STR or b.dtype != _STR:
        return False
    return bool(
        pc.all(pc.equal(pa.array(a, from_pandas=True), pa.array(b, from_pandas=True))).as_py()
    )


def _left_join(
    left: pd.DataFrame, right: pd.DataFrame, at: np.ndarray | None = None
) -> pd.DataFrame:
    """``left.merge(right, on="pid", how="left")`` for a ``right`` with unique pids (the adapters
    keep one row per pid).

    A take per ``right`` column at ``at`` (:func:`_pid_positions` of left's
    pids in right's, computed here unless given), instead of re-taking every
    ``left`` column; falls back to ``merge`` for anything but text pids and
    float or text columns.
    """
    columns = [c for c in right.columns if c != "pid"]
    plain = (
        not set(columns) & set(left.columns)
        and isinstance(left.index, pd.RangeIndex)
        and left.index.start == 0
        and left.index.step == 1
        and all(right[c].dtype == np.float64 or right[c].dtype == _STR for c in columns)
    )
    if plain and at is None:
        at = _pid_positions(left["pid"], right["pid"])
    if not plain or at is None:
        return left.merge(right, on="pid", how="left")
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


def _protect_groups(base: pd.DataFrame, dim: str, min_group: int) -> None:
    """Put ``dim`` (unknown where missing) and ``group_<dim>`` (its small groups merged) in ``base``.

    Head counts and respondent counts are both shown per group, so the
    non-respondents (their difference) must be a large enough group too.
    """
    # Arrow text: as Python strings, each dimension cost a new string per employee
    values = (
        base[dim].astype(_STR).fillna(UNKNOWN)
        if dim in base
        else pd.Series(UNKNOWN, index=base.index, dtype=_STR)
    )
    base[dim] = values
    active = base["active"]
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
    people["age_band"] = band.astype(_STR).fillna(UNKNOWN)
    people["active"] = is_active(people["employment_status"], report["active_statuses"])
    people["anonymous"] = is_in(people["pid"], anonymous["pid"])
    # One hash lookup of the respondents' pids serves both the respondent flag and the join;
    # the item scores, written in the same pid order as the construct scores, reuse it.
    at_scores = _pid_positions(people["pid"], scores["pid"])
    scored = at_scores >= 0 if at_scores is not None else is_in(people["pid"], scores["pid"])
    people["respondent"] = (people["active"] | people["anonymous"]) & scored
    base = _left_join(people, scores, at_scores)
    at_items = at_scores if _same_pids(items["pid"], scores["pid"]) else None
    base = _left_join(base, items, at_items)
    survey_columns = [c for c in [*constructs, *items.columns] if c != "pid"]
    base.loc[~base["respondent"], survey_columns] = np.nan
    base = _left_join(base, assignments)
    # Personas: from the survey for respondents, inferred for active others.
    survey_persona = base["respondent"] & base["assignment_source"].eq(SURVEY)
    inferred = base["active"] & ~base["respondent"] & base["assignment_source"].eq(INFERRED)
    base["persona_source"] = np.where(survey_persona, SURVEY, np.where(inferred, INFERRED, None))
    base.loc[base["persona_source"].isna(), "persona_id"] = None

    for dim in group_dimensions(report):
        _protect_groups(base, dim, min_group)
    return base.reset_index(drop=True)
