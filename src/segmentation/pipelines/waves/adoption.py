"""Adoption: who is measured, who counts for each measure, and the figures by group.

Every figure goes through the small-group rules of :mod:`segmentation.anonymity`:
no count or share of fewer than ``anonymity.min_group_size`` people, and none
that could be recovered from the totals shown.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.anonymity import (
    OTHER,
    check_min_group,
    hidden_groups,
    shown_split,
    suppress_cells,
)
from segmentation.demographics import stored_band_language
from segmentation.employment import is_active
from segmentation.handoff import language_key, persona_names
from segmentation.jsonable import to_plain
from segmentation.parsing import (
    positions_in,
)
from segmentation.persona_ids import persona_sort_key
from segmentation.text_keys import same_text
from segmentation.waves import wave_end, wave_sort_key

from .measures import DAY, in_window, metric_names, window_start

logger = logging.getLogger(__name__)

SURVEY, INFERRED = "survey", "inferred"
# Employee columns adoption can be broken down by (besides persona and age band).
GROUP_COLUMNS = ["org_unit", "work_pattern", "department", "site", "job_level"]


def flag_adoption(
    activity: pd.DataFrame,
    employees: pd.DataFrame,
    hr_features: pd.DataFrame,
    persona_assignments: pd.DataFrame,
    wave: str,
    adoption: Mapping[str, Any],
    hr_params: Mapping[str, Any],
    naming: Mapping[str, Any],
) -> pd.DataFrame:
    """One row per person adoption is measured on, with their groups and a flag per measure.

    The population: employees with a status in ``population_statuses`` hired
    by the wave's end. Persona: the survey's or, for non-respondents, the one
    inferred from HR data (``assignment_source``); ``unassigned`` otherwise.
    """
    end = wave_end(wave, adoption.get("wave_end"))
    hire = pd.to_datetime(employees["hire_date"], errors="coerce")
    keep = is_active(employees["employment_status"], adoption["population_statuses"]) & (
        hire.isna() | (hire < end + DAY)
    )
    people = employees.loc[keep, ["pid", *GROUP_COLUMNS]].reset_index(drop=True)
    bands = list(hr_params["age_bands"]["labels"][stored_band_language(hr_params["age_bands"])])
    # hr_features is usually keyed as employees (same pids, same order): the kept rows then
    # are the positions, without hashing a million pids
    band_rows = (
        np.flatnonzero(keep.to_numpy())
        if same_text(employees["pid"], hr_features["pid"])
        else positions_in(people["pid"], hr_features["pid"])
    )
    band = _looked_up(hr_features["age_band"], band_rows)
    codes, values = pd.factorize(band)
    band_at = np.append(pd.Index(bands).get_indexer(np.asarray(values, dtype=object)), -1)
    people["age_band"] = pd.Categorical.from_codes(  # any other value: missing
        band_at[codes], categories=bands, ordered=True
    )
    at = positions_in(people["pid"], persona_assignments["pid"])
    unassigned, languages = naming["unassigned"], list(naming["languages"])
    for column, fill in (
        ("persona_id", unassigned["id"]),
        *(
            (language_key(lang, languages, "persona_name"), unassigned.get(lang, unassigned["id"]))
            for lang in languages
        ),
        ("assignment_source", "none"),
    ):
        people[column] = _looked_up(persona_assignments[column], at).fillna(fill)
    position = positions_in(activity["pid"], people["pid"])  # each log row's person, -1 outside
    for metric, spec in adoption["metrics"].items():
        rows = in_window(activity, spec["actions"], end, spec.get("window_days")).to_numpy() & (
            position >= 0
        )
        flags = np.zeros(len(people), dtype=bool)
        flags[position[rows]] = True
        people[metric] = flags
    return people


def _looked_up(values: pd.Series, at: np.ndarray) -> pd.Series:
    """``values`` at positions ``at`` (missing where ``at`` is -1), in their own dtype: no
    Python object made per person."""
    return pd.Series(values.array.take(at, allow_fill=True), name=values.name)


def _group_order(values: pd.Series) -> list:
    """Groups in display order: categories in their order, personas by id, others by name; 'other' last."""
    present = [
        v for v in pd.unique(values) if v is not None and not (isinstance(v, float) and np.isnan(v))
    ]
    if isinstance(values.dtype, pd.CategoricalDtype):
        # 'other' is a category once small groups are merged; it goes last, once
        order = [c for c in values.cat.categories if c in set(present) and c != OTHER]
    else:
        order = sorted((v for v in present if v != OTHER), key=lambda v: persona_sort_key(str(v)))
    return order + ([OTHER] if OTHER in set(present) else [])


def _metric_cells(counts: pd.DataFrame, populations: pd.Series, min_group: int) -> pd.DataFrame:
    """Which counts of a groups x measures table may be shown (a mask per measure).

    Each measure is a table of groups x (counted, not counted), whose row
    totals (the groups' sizes) and column totals (the overall count) are
    shown; :func:`suppress_cells` hides small cells and their complements.
    """
    hidden = pd.DataFrame(False, index=counts.index, columns=counts.columns)
    for metric in counts.columns:
        table = pd.DataFrame({"yes": counts[metric], "no": populations - counts[metric]})
        hidden[metric] = suppress_cells(table, min_group).any(axis=1)
    return hidden


def _first_rows(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """The first row of each code (``len(codes)`` for a code with no row)."""
    first = np.full(n_codes, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def _groups(values: pd.Series, min_group: int) -> tuple[np.ndarray, np.ndarray, list]:
    """Each person's group of one dimension, small groups merged into 'other' (:func:`hidden_groups`).

    Returns each person's code, the groups' labels (missing values are
    'unknown') and the groups in display order (:func:`_group_order`).
    Worked on the distinct values, never one Python object per person.
    """
    codes, uniques = pd.factorize(values)  # -1: missing
    raw = np.empty(len(uniques) + 1, dtype=object)
    raw[:-1] = np.asarray(uniques, dtype=object)
    raw[-1] = "unknown"
    label_codes, labels = pd.factorize(raw)
    person = label_codes[codes]
    n = np.bincount(person, minlength=len(labels))
    first = _first_rows(person, len(labels))
    seen = np.flatnonzero(n > 0)
    seen = seen[np.argsort(first[seen], kind="stable")]  # in order of appearance, as value_counts
    sizes = pd.Series(n[seen], index=pd.Index(labels[seen], dtype=object)).sort_values(
        ascending=False
    )
    hidden = set(hidden_groups(sizes.to_frame("population"), min_group))
    merged_of = np.array([OTHER if v in hidden else v for v in labels], dtype=object)
    group_codes, group_labels = pd.factorize(merged_of)
    person = group_codes[person]
    first = _first_rows(person, len(group_labels))
    present = np.asarray(group_labels, dtype=object)[np.argsort(first, kind="stable")]
    present = present[np.sort(first) < len(person)]
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = [*values.cat.categories, "unknown", OTHER]
        present = pd.Series(pd.Categorical(present, categories=categories, ordered=True))
    else:
        present = pd.Series(present, dtype=object)
    return person, np.asarray(group_labels, dtype=object), _group_order(present)


def _persona_columns(
    people: pd.DataFrame, person: np.ndarray, labels: np.ndarray, order: list, min_group: int
) -> dict[str, dict]:
    """Per persona group: its names and its respondents and inferred people (small ones hidden)."""
    source = people["assignment_source"]
    kind = np.where(source.eq(SURVEY).to_numpy(), 0, np.where(source.eq(INFERRED).to_numpy(), 1, 2))
    table = np.bincount(person * 3 + kind, minlength=len(labels) * 3).reshape(len(labels), 3)
    sources = pd.DataFrame(table[:, :2], index=labels, columns=[SURVEY, INFERRED]).reindex(order)
    mask = suppress_cells(sources, min_group)
    first = _first_rows(person, len(labels))
    at = dict(zip(labels, first, strict=True))
    firsts = people.iloc[[at[group] for group in order]].set_axis(order)  # a row of each group
    return {
        group: {
            **{
                key: None if group == OTHER else name
                for key, name in persona_names(firsts, group).items()
            },
            "respondents": None if mask.at[group, SURVEY] else int(sources.at[group, SURVEY]),
            "inferred": None if mask.at[group, INFERRED] else int(sources.at[group, INFERRED]),
        }
        for group in order
    }


def _breakdown(
    people: pd.DataFrame,
    dimension: str,
    metrics: list[str],
    targets: Mapping[str, float | None],
    measured: bool,
    min_group: int,
) -> list[dict[str, Any]]:
    """One row per group of ``dimension`` (small groups combined as 'other')."""
    person, labels, order = _groups(people[dimension], min_group)
    populations = pd.Series(np.bincount(person, minlength=len(labels)), index=labels)
    populations = populations.reindex(order).fillna(0).astype(int)
    counts = pd.DataFrame(
        {
            m: np.bincount(person, weights=people[m].to_numpy(dtype=float), minlength=len(labels))
            for m in metrics
        },
        index=labels,
        columns=metrics,
    )
    counts = counts.reindex(order).fillna(0).astype(int)
    hidden_cells = _metric_cells(counts, populations, min_group)
    personas = (
        _persona_columns(people, person, labels, order, min_group)
        if dimension == "persona_id"
        else {}
    )
    out = []
    for group in order:
        size = int(populations[group])
        row: dict[str, Any] = {"key": str(group), "population": size if size >= min_group else None}
        row.update(personas.get(group, {}))
        for metric in metrics:
            shown = measured and size >= min_group and not hidden_cells.at[group, metric]
            count = int(counts.at[group, metric])
            row[metric] = count if shown else None
            row[f"{metric}_share"] = count / size if shown else None
            target = targets.get(metric)
            row[f"{metric}_on_track"] = (
                (count / size >= target) if shown and target is not None else None
            )
        out.append(row)
    return out


def _overall(
    people: pd.DataFrame,
    metrics: list[str],
    targets: Mapping[str, Any],
    measured: bool,
    min_group: int,
) -> dict[str, Any]:
    """Everyone measured: each measure's count and share, shown when neither it nor the rest is small."""
    total = len(people)
    overall: dict[str, Any] = {"population": total if total >= min_group else None}
    for metric in metrics:
        count = int(people[metric].sum())
        shown = measured and shown_split(count, total, min_group)
        overall[metric] = count if shown else None
        overall[f"{metric}_share"] = count / total if shown else None
        overall[f"{metric}_on_track"] = (
            (count / total >= targets[metric]) if shown and targets[metric] is not None else None
        )
    return overall


def _persona_sizes(persona_assignments: pd.DataFrame, min_group: int) -> tuple[list[dict], int]:
    """Each persona's survey respondents and share of them (small ones hidden); and how many there are."""
    respondents = persona_assignments[persona_assignments["assignment_source"] == SURVEY]
    sizes = respondents.groupby("persona_id").size()
    order = sorted(sizes.index, key=lambda p: persona_sort_key(str(p)))
    sizes = sizes.reindex(order)
    hidden = suppress_cells(sizes.to_frame("n").T, min_group, protect_columns=False).iloc[0]
    names = respondents.drop_duplicates("persona_id").set_index("persona_id")
    return [
        {
            "persona_id": str(p),
            **persona_names(names, p),
            "respondents": None if hidden[p] else int(sizes[p]),
            "share": None if hidden[p] else float(sizes[p] / sizes.sum()),
        }
        for p in order
    ], int(len(respondents))


def _metric_definition(key: str, spec: Mapping[str, Any], end: pd.Timestamp) -> dict[str, Any]:
    """A measure as the summary states it: labels, actions, window and target."""
    return {
        "key": key,
        "label": dict(spec["label"]),
        "definition": dict(spec["definition"]),
        "actions": list(spec["actions"]),
        "window_days": spec.get("window_days"),
        "window_start": window_start(end, spec["window_days"]).date().isoformat()
        if spec.get("window_days")
        else None,
        "target": spec.get("target"),
        "benchmark": spec.get("benchmark"),
    }


def summarise_adoption(
    adoption_people: pd.DataFrame,
    persona_assignments: pd.DataFrame,
    activity_accounting: Mapping[str, Any],
    wave: str,
    adoption: Mapping[str, Any],
    anonymity: Mapping[str, Any],
) -> dict[str, Any]:
    """The wave's adoption, overall and by group, against the targets; and its persona sizes.

    Saved per wave (``adoption_summary.json``) and read back by later waves
    for the trend, so it holds only figures that may be shown. Without an
    activity log every adoption figure is None and ``activity_log`` false.
    """
    min_group = check_min_group(anonymity)
    measured = bool(activity_accounting.get("present"))
    metrics = metric_names(adoption)
    specs = adoption["metrics"]
    targets = {m: specs[m].get("target") for m in metrics}
    end = wave_end(wave, adoption.get("wave_end"))
    groups = {
        name: _breakdown(
            adoption_people,
            "persona_id" if name == "persona" else name,
            metrics,
            targets,
            measured,
            min_group,
        )
        for name in adoption["breakdowns"]
    }
    persona_sizes, respondents = _persona_sizes(persona_assignments, min_group)
    return to_plain(
        {
            "wave": str(wave),
            "activity_log": measured,
            "wave_end": end.date().isoformat(),
            "min_group_size": min_group,
            "metrics": [_metric_definition(m, specs[m], end) for m in metrics],
            "population_statuses": list(adoption["population_statuses"]),
            "overall": _overall(adoption_people, metrics, targets, measured, min_group),
            "groups": groups,
            "persona_sizes": persona_sizes,
            "respondents": respondents,
            "activity": dict(activity_accounting),
        }
    )


def track_adoption(
    adoption_summary: Mapping[str, Any], wave_history: Mapping[str, Any], wave: str
) -> list[dict[str, Any]]:
    """Every wave run so far up to this one, in time order, from the saved adoption summaries.

    This wave's entry is the summary just made: a rerun replaces its wave,
    never adds it twice. Waves after this one are left out (a report is as
    of its wave).
    """
    summaries = {
        w: entry["adoption"]
        for w, entry in wave_history.items()
        if entry.get("adoption") and wave_sort_key(w) < wave_sort_key(wave)
    }
    summaries[str(wave)] = adoption_summary
    trend = []
    for w in sorted(summaries, key=wave_sort_key):
        s = summaries[w]
        metrics = [m["key"] for m in s.get("metrics", [])]
        trend.append(
            {
                "wave": w,
                "activity_log": bool(s.get("activity_log")),
                "population": s.get("overall", {}).get("population"),
                "shares": {m: s.get("overall", {}).get(f"{m}_share") for m in metrics},
                "persona_sizes": list(s.get("persona_sizes", [])),
                "groups": {
                    dim: {row["key"]: {m: row.get(f"{m}_share") for m in metrics} for row in rows}
                    for dim, rows in s.get("groups", {}).items()
                },
            }
        )
    return trend
