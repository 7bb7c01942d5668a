"""Nodes of the waves stage: activity, adoption, movement between personas, the summary.

Pure functions: the activity log arrives as a :class:`~segmentation.datasets.RawTable`,
earlier waves through the read-only datasets of :mod:`.datasets`. Every
figure that leaves this module for a report goes through the report's
small-group rules (:mod:`segmentation.anonymity`): no count
or share of fewer than ``anonymity.min_group_size`` people, and none that
could be recovered from the totals shown.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segmentation.anonymity import (
    OTHER,
    check_min_group,
    crosstab_counts,
    hidden_groups,
    merge_hidden,
    shown_count,
    shown_split,
    suppress_cells,
)
from segmentation.codebook import normalise_text
from segmentation.contacts import email_key
from segmentation.datasets import RawTable
from segmentation.employment import is_active
from segmentation.errors import InputFileError
from segmentation.jsonable import to_plain
from segmentation.parsing import (
    clean_ids,
    concat_rejects,
    empty_rejects,
    fold,
    locate_columns,
    parse_dates,
    rejects_frame,
)
from segmentation.persona_ids import persona_sort_key
from segmentation.waves import wave_end, wave_sort_key

logger = logging.getLogger(__name__)

ACTIVITY_COLUMNS = ["pid", "timestamp", "action"]
SURVEY, INFERRED = "survey", "inferred"
# Employee columns adoption can be broken down by (besides persona and age band).
GROUP_COLUMNS = ["org_unit", "work_pattern", "department", "site", "job_level"]
DAY = pd.Timedelta(days=1)


# ------------------------------------------------------------------ helpers
def metric_names(adoption: Mapping[str, Any]) -> list[str]:
    """The adoption measures, in the configured order (registered, active, engaged)."""
    return list(adoption["metrics"])


def window_start(end: pd.Timestamp, window_days: int | None) -> pd.Timestamp | None:
    """First day of the last ``window_days`` days up to the wave's end day (None: no start)."""
    return None if window_days in (None, 0) else end - (int(window_days) - 1) * DAY


def in_window(
    activity: pd.DataFrame, actions: Sequence[str], end: pd.Timestamp, window_days: int | None
) -> pd.Series:
    """Rows with one of ``actions`` in the window ending with the wave's end day."""
    keep = activity["action"].isin(list(actions)) & (activity["timestamp"] < end + DAY)
    start = window_start(end, window_days)
    if start is not None:
        keep &= activity["timestamp"] >= start
    return keep


def empty_activity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pid": pd.Series([], dtype=object),
            "timestamp": pd.Series([], dtype="datetime64[ns]"),
            "action": pd.Series([], dtype=object),
        }
    )


# ------------------------------------------------------------------ activity
def _email_keys(emails: pd.Series) -> pd.Series:
    """Emails folded for matching by the one rule every stage uses (:func:`email_key`), as text."""
    text = emails.astype(object).where(emails.notna(), "").astype("string[pyarrow]")
    return pd.Series(email_key(text).to_numpy(dtype=object), index=emails.index, dtype=object)


def _parse_timestamps(text: pd.Series, dayfirst: bool) -> pd.Series:
    """ISO timestamps the fast way, every other export shape through the shared date parser."""
    stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True).dt.tz_convert(None)
    stamps = stamps.astype("datetime64[ns]")
    retry = stamps.isna() & text.ne("")
    if retry.any():
        parsed, _ = parse_dates(text[retry], dayfirst)
        stamps[retry] = parsed
    return stamps


def parse_activity(
    activity_raw: RawTable,
    contacts: pd.DataFrame,
    roster_rejected_keys: list[str],
    wave: str,
    adoption: Mapping[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The wave's activity log as ``pid, timestamp, action``, its rejects and its accounting.

    A row is matched by employee id, else by email. A row is rejected with
    its file, line, column, value and reason: ``missing_value`` (no id and
    no email, no timestamp or no action), ``invalid_date``,
    ``not_allowed_value`` (an action not in ``adoption.actions``),
    ``unknown_employee``, ``employee_rejected_in_roster`` or
    ``after_wave_end``. One reason per row, in that order. An absent log
    gives an empty table and ``present: false``.
    """
    end = wave_end(wave, adoption.get("wave_end"))
    accounting: dict[str, Any] = {
        "file": activity_raw.source,
        "present": bool(activity_raw.present and not activity_raw.cells.empty),
        "wave_end": end.date().isoformat(),
        "rows_read": 0,
        "rows_used": 0,
        "rows_rejected": 0,
        "rejected_by_reason": {},
    }
    if not accounting["present"]:
        logger.info("No activity log for wave %s: adoption is not measured.", wave)
        return empty_activity(), empty_rejects(), accounting
    header = [str(h) for h in activity_raw.cells.iloc[0].tolist()]
    found = locate_columns(header, adoption["columns"])
    missing = [c for c in ("timestamp", "action") if c not in found]
    if missing or not ({"employee_id", "email"} & set(found)):
        need = missing + ([] if {"employee_id", "email"} & set(found) else ["employee_id or email"])
        raise InputFileError(
            activity_raw.source,
            f"the activity log has no column for {', '.join(need)}.",
            "a header row with employee_id (or email), timestamp and action; other header names can be "
            "mapped in conf/base/parameters_waves.yml under waves.adoption.columns.",
        )
    body = activity_raw.cells.iloc[1:].reset_index(drop=True)
    rows = activity_raw.row_numbers[1:]
    blank = pd.Series("", index=body.index, dtype=object)
    ids = clean_ids(body[found["employee_id"]])[0] if "employee_id" in found else blank
    emails = _email_keys(clean_ids(body[found["email"]])[0]) if "email" in found else blank
    stamp_text = body[found["timestamp"]].astype(str).str.strip()
    action_text = body[found["action"]].astype(str).str.strip()
    stamps = _parse_timestamps(stamp_text, bool(adoption.get("dayfirst", False)))
    allowed = {normalise_text(a): a for a in adoption["actions"]}
    allowed.update(
        {normalise_text(k): v for k, v in (adoption.get("action_aliases") or {}).items()}
    )
    actions = fold(action_text).map(allowed.get)

    employee_ids = pd.Index(contacts["employee_id"].astype(object))
    known_emails = pd.DataFrame(
        {"email": _email_keys(contacts["email"]), "pid": contacts["pid"].to_numpy(dtype=object)}
    )
    known_emails = known_emails[known_emails["email"].ne("")].drop_duplicates("email")
    by_id = employee_ids.get_indexer(ids.astype(object))
    by_email = pd.Index(known_emails["email"].astype(object)).get_indexer(emails.astype(object))
    pid = np.where(
        (by_id >= 0) & ids.ne("").to_numpy(),
        contacts["pid"].to_numpy(dtype=object)[np.maximum(by_id, 0)],
        np.where(
            (by_email >= 0) & emails.ne("").to_numpy(),
            known_emails["pid"].to_numpy(dtype=object)[np.maximum(by_email, 0)],
            None,
        ),
    )
    key_column = np.where(
        ids.ne(""),
        header[found["employee_id"]] if "employee_id" in found else "",
        header[found["email"]] if "email" in found else "",
    )
    key_value = ids.where(ids.ne(""), emails)
    rejected_keys = pd.Series(list(roster_rejected_keys), dtype=object)

    reason = pd.Series("", index=body.index, dtype=object)
    column = pd.Series("", index=body.index, dtype=object)
    value = pd.Series("", index=body.index, dtype=object)

    def flag(mask: pd.Series | np.ndarray, why: str, col: Any, val: pd.Series) -> None:
        mask = pd.Series(np.asarray(mask, dtype=bool), index=body.index) & reason.eq("")
        reason[mask] = why
        column[mask] = col[mask.to_numpy()] if isinstance(col, np.ndarray) else col
        value[mask] = val[mask]

    no_key = ids.eq("") & emails.eq("")
    flag(
        no_key,
        "missing_value",
        header[found["employee_id"]] if "employee_id" in found else header[found["email"]],
        key_value,
    )
    flag(stamp_text.eq(""), "missing_value", header[found["timestamp"]], stamp_text)
    flag(stamps.isna(), "invalid_date", header[found["timestamp"]], stamp_text)
    flag(action_text.eq(""), "missing_value", header[found["action"]], action_text)
    flag(actions.isna(), "not_allowed_value", header[found["action"]], action_text)
    unmatched = pd.Series(pd.isna(pid), index=body.index)
    # ids as written, emails folded alike on both sides
    in_rejected = (ids.ne("") & ids.isin(set(rejected_keys))) | (
        ids.eq("") & emails.isin(set(_email_keys(rejected_keys)) - {""})
    )
    flag(unmatched & in_rejected, "employee_rejected_in_roster", key_column, key_value)
    flag(unmatched, "unknown_employee", key_column, key_value)
    flag(stamps >= end + DAY, "after_wave_end", header[found["timestamp"]], stamp_text)

    bad = reason.ne("")
    rejects = (
        concat_rejects(
            rejects_frame(
                activity_raw.source,
                rows[(bad & reason.eq(why) & column.eq(col)).to_numpy()],
                col,
                value[bad & reason.eq(why) & column.eq(col)],
                why,
            )
            for why, col in sorted(set(zip(reason[bad], column[bad], strict=True)))
        )
        .sort_values(["row", "column"], kind="stable")
        .reset_index(drop=True)
        if bad.any()
        else empty_rejects()
    )
    good = ~bad
    activity = (
        pd.DataFrame(
            {
                "pid": pd.Series(pid[good.to_numpy()], dtype=object),
                "timestamp": stamps[good].to_numpy(dtype="datetime64[ns]"),
                "action": actions[good].to_numpy(dtype=object),
            }
        )
        .sort_values(ACTIVITY_COLUMNS, kind="stable")
        .reset_index(drop=True)
    )
    by_reason = {str(k): int(v) for k, v in reason[bad].value_counts().sort_index().items()}
    accounting.update(
        {
            "rows_read": int(len(body)),
            "rows_used": int(good.sum()),
            "rows_rejected": int(bad.sum()),
            "rejected_by_reason": by_reason,
        }
    )
    if accounting["rows_read"] != accounting["rows_used"] + accounting["rows_rejected"]:
        raise AssertionError(
            f"row accounting for {activity_raw.source} does not add up: {accounting}"
        )
    logger.info(
        "Activity %s: %d rows read, %d used, %d rejected.",
        activity_raw.source,
        len(body),
        int(good.sum()),
        int(bad.sum()),
    )
    return activity, rejects, accounting


# ------------------------------------------------------------------ adoption
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
    bands = list(hr_params["age_bands"]["labels"]["en"])
    age_band = (
        hr_features.set_index("pid")["age_band"].reindex(people["pid"]).to_numpy(dtype=object)
    )
    people["age_band"] = pd.Categorical(
        age_band, categories=bands, ordered=True
    )  # any other value: missing
    assigned = persona_assignments.set_index("pid").reindex(people["pid"])
    unassigned = naming["unassigned"]
    people["persona_id"] = assigned["persona_id"].fillna(unassigned["id"]).to_numpy(dtype=object)
    people["persona_name"] = (
        assigned["persona_name"].fillna(unassigned["en"]).to_numpy(dtype=object)
    )
    people["persona_name_he"] = (
        assigned["persona_name_he"].fillna(unassigned["he"]).to_numpy(dtype=object)
    )
    people["assignment_source"] = (
        assigned["assignment_source"].fillna("none").to_numpy(dtype=object)
    )
    position = pd.Index(people["pid"]).get_indexer(
        activity["pid"]
    )  # each log row's person, -1 outside
    for metric, spec in adoption["metrics"].items():
        rows = in_window(activity, spec["actions"], end, spec.get("window_days")).to_numpy() & (
            position >= 0
        )
        flags = np.zeros(len(people), dtype=bool)
        flags[position[rows]] = True
        people[metric] = flags
    for column in GROUP_COLUMNS:
        people[column] = people[column].astype(object)
    return people


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


def _breakdown(
    people: pd.DataFrame,
    dimension: str,
    metrics: list[str],
    targets: Mapping[str, float | None],
    measured: bool,
    min_group: int,
) -> list[dict[str, Any]]:
    """One row per group of ``dimension`` (small groups combined as 'other')."""
    labels = (
        people[dimension].astype(object).where(people[dimension].notna(), None).fillna("unknown")
    )
    if isinstance(people[dimension].dtype, pd.CategoricalDtype):
        categories = [*people[dimension].cat.categories, "unknown"]
        labels = pd.Series(
            pd.Categorical(labels, categories=categories, ordered=True), index=people.index
        )
    sizes = labels.astype(object).value_counts()
    hidden = hidden_groups(sizes.to_frame("population"), min_group)
    merged = merge_hidden(labels.astype(object), hidden) if hidden else labels.astype(object)
    if isinstance(labels.dtype, pd.CategoricalDtype):
        merged = pd.Series(
            pd.Categorical(merged, categories=[*labels.cat.categories, OTHER], ordered=True),
            index=people.index,
        )
    frame = people.assign(_group=merged.to_numpy())
    order = _group_order(merged)
    grouped = frame.groupby("_group", observed=True, sort=False)
    populations = grouped.size().reindex(order).fillna(0).astype(int)
    counts = grouped[metrics].sum().reindex(order).fillna(0).astype(int)
    hidden_cells = _metric_cells(counts, populations, min_group)
    persona_counts = None
    if dimension == "persona_id":
        sources = crosstab_counts(
            frame, "_group", "assignment_source", rows=order, columns=[SURVEY, INFERRED]
        )
        persona_counts = (sources, suppress_cells(sources, min_group))
        names = frame.drop_duplicates("_group").set_index("_group")
    out = []
    for group in order:
        size = int(populations[group])
        row: dict[str, Any] = {"key": str(group), "population": size if size >= min_group else None}
        if persona_counts is not None:
            sources, mask = persona_counts
            row["name"] = None if group == OTHER else str(names.at[group, "persona_name"])
            row["name_he"] = None if group == OTHER else str(names.at[group, "persona_name_he"])
            row["respondents"] = None if mask.at[group, SURVEY] else int(sources.at[group, SURVEY])
            row["inferred"] = None if mask.at[group, INFERRED] else int(sources.at[group, INFERRED])
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
    people = adoption_people
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
    groups = {
        name: _breakdown(
            people,
            "persona_id" if name == "persona" else name,
            metrics,
            targets,
            measured,
            min_group,
        )
        for name in adoption["breakdowns"]
    }
    respondents = persona_assignments[persona_assignments["assignment_source"] == SURVEY]
    sizes = respondents.groupby("persona_id").size()
    order = sorted(sizes.index, key=lambda p: persona_sort_key(str(p)))
    sizes = sizes.reindex(order)
    hidden = suppress_cells(sizes.to_frame("n").T, min_group, protect_columns=False).iloc[0]
    names = respondents.drop_duplicates("persona_id").set_index("persona_id")
    persona_sizes = [
        {
            "persona_id": str(p),
            "name": str(names.at[p, "persona_name"]),
            "name_he": str(names.at[p, "persona_name_he"]),
            "respondents": None if hidden[p] else int(sizes[p]),
            "share": None if hidden[p] else float(sizes[p] / sizes.sum()),
        }
        for p in order
    ]
    return to_plain(
        {
            "wave": str(wave),
            "activity_log": measured,
            "wave_end": end.date().isoformat(),
            "min_group_size": min_group,
            "metrics": [
                {
                    "key": m,
                    "label": dict(specs[m]["label"]),
                    "definition": dict(specs[m]["definition"]),
                    "actions": list(specs[m]["actions"]),
                    "window_days": specs[m].get("window_days"),
                    "window_start": window_start(end, specs[m]["window_days"]).date().isoformat()
                    if specs[m].get("window_days")
                    else None,
                    "target": specs[m].get("target"),
                    "benchmark": specs[m].get("benchmark"),
                }
                for m in metrics
            ],
            "population_statuses": list(adoption["population_statuses"]),
            "overall": overall,
            "groups": groups,
            "persona_sizes": persona_sizes,
            "respondents": int(len(respondents)),
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


# ------------------------------------------------------------------ movement
def migrate_personas(
    persona_assignments: pd.DataFrame,
    previous_wave_outputs: Mapping[str, Any],
    migration: Mapping[str, Any],
    anonymity: Mapping[str, Any],
    persona_identities: Mapping[str, Any],
) -> dict[str, Any]:
    """Who moved between personas: the panel (respondents of both waves) by persona then and now.

    Not measured when the two waves asked different questionnaires: their
    personas were not matched, so a move would only mean the survey changed.

    Persona ids are stable across waves, so the diagonal holds the people who
    stayed. Only people clearly in a persona in both waves (confidence at
    least ``migration.min_confidence``) are counted; the others are
    ``uncertain``. Cells under the anonymity threshold are hidden with
    complementary suppression (row totals, the previous personas' counted
    panel, and column totals, the current ones, are shown). Net flow =
    people in the persona now minus people in it then.
    """
    min_group = check_min_group(anonymity)
    previous = previous_wave_outputs.get("assignments")
    threshold = float(migration.get("min_confidence") or 0.0)
    base = {
        "from_wave": previous_wave_outputs.get("wave"),
        "min_group_size": min_group,
        "min_confidence": threshold,
    }
    if previous is None or previous_wave_outputs.get("wave") is None:
        return {
            **base,
            "available": False,
            "reason": "no_previous_wave"
            if previous_wave_outputs.get("wave") is None
            else "no_previous_assignments",
        }
    if persona_identities.get("comparable") is False:
        return {**base, "available": False, "reason": persona_identities.get("not_matched_reason")}
    columns = ["pid", "persona_id", "persona_name", "persona_name_he", "confidence"]
    before = previous[previous["assignment_source"] == SURVEY][columns]
    after = persona_assignments[persona_assignments["assignment_source"] == SURVEY][columns]
    both = before.merge(after, on="pid", suffixes=("_from", "_to"))
    clear = (both["confidence_from"] >= threshold) & (both["confidence_to"] >= threshold)
    panel = both[clear]
    rows = sorted(set(before["persona_id"]), key=persona_sort_key)
    cols = sorted(set(after["persona_id"]), key=persona_sort_key)
    counts = crosstab_counts(panel, "persona_id_from", "persona_id_to", rows, cols)
    n = int(counts.to_numpy().sum())
    everyone = len(both)
    moved_any = int((both["persona_id_from"] != both["persona_id_to"]).sum())
    base.update(
        {
            "panel": everyone if everyone >= min_group else None,
            "uncertain": int((~clear).sum())
            if shown_split(int((~clear).sum()), everyone, min_group)
            else None,
            "movers_share_including_uncertain": moved_any / everyone
            if shown_split(moved_any, everyone, min_group)
            else None,
        }
    )
    if n < min_group:
        return to_plain({**base, "available": False, "reason": "panel_too_small", "counted": None})
    mask = suppress_cells(counts, min_group)
    row_total, col_total = counts.sum(axis=1), counts.sum(axis=0)

    names = {
        "from": before.drop_duplicates("persona_id").set_index("persona_id"),
        "to": after.drop_duplicates("persona_id").set_index("persona_id"),
    }
    stay = {p: int(counts.at[p, p]) for p in rows if p in cols}
    flows = []
    for p in sorted(set(rows) | set(cols), key=persona_sort_key):
        then = int(row_total.get(p, 0))
        now = int(col_total.get(p, 0))
        source = names["to"] if p in names["to"].index else names["from"]
        diagonal_shown = p in stay and not mask.at[p, p]
        inflow, outflow = now - stay.get(p, 0), then - stay.get(p, 0)
        flows.append(
            {
                "persona_id": p,
                "name": str(source.at[p, "persona_name"]),
                "name_he": str(source.at[p, "persona_name_he"]),
                "then": shown_count(then, min_group),
                "now": shown_count(now, min_group),
                "stayed": stay[p] if diagonal_shown else None,
                "moved_in": shown_count(inflow, min_group)
                if diagonal_shown or p not in rows
                else None,
                "moved_out": shown_count(outflow, min_group)
                if diagonal_shown or p not in cols
                else None,
                "net": None
                if None in (shown_count(then, min_group), shown_count(now, min_group))
                else now - then,
                "retired": p not in cols,
                "new": p not in rows,
            }
        )
    stayers = sum(stay.values())
    movers = n - stayers
    movers_shown = shown_split(movers, n, min_group)
    moves = [
        (int(counts.at[a, b]), a, b)
        for a in rows
        for b in cols
        if a != b and not mask.at[a, b] and counts.at[a, b] > 0
    ]
    moves.sort(key=lambda t: (-t[0], persona_sort_key(t[1]), persona_sort_key(t[2])))
    top = moves[0] if moves else None
    return to_plain(
        {
            **base,
            "available": True,
            "counted": n,
            "from": [
                {
                    "persona_id": p,
                    "name": str(names["from"].at[p, "persona_name"]),
                    "name_he": str(names["from"].at[p, "persona_name_he"]),
                    "total": shown_count(int(row_total[p]), min_group),
                }
                for p in rows
            ],
            "to": [
                {
                    "persona_id": p,
                    "name": str(names["to"].at[p, "persona_name"]),
                    "name_he": str(names["to"].at[p, "persona_name_he"]),
                    "total": shown_count(int(col_total[p]), min_group),
                }
                for p in cols
            ],
            "counts": [
                [None if mask.at[a, b] else int(counts.at[a, b]) for b in cols] for a in rows
            ],
            "hidden_cells": int(mask.to_numpy().sum()),
            "stayers": stayers if movers_shown else None,
            "movers": movers if movers_shown else None,
            "movers_share": movers / n if movers_shown else None,
            "most_common_move": {"from": top[1], "to": top[2], "count": top[0]} if top else None,
            "net_flows": flows,
        }
    )


# ------------------------------------------------------------------ summary
def summarise_waves(
    persona_identities: Mapping[str, Any],
    persona_migration: Mapping[str, Any],
    adoption_summary: Mapping[str, Any],
    adoption_trend: list[dict[str, Any]],
    badges: Mapping[str, Any],
) -> dict[str, Any]:
    """The waves part of the run summary: the previous wave used, matched, new and retired
    personas, who moved, the adoption headline, the activity log's rows and the badges."""
    personas = persona_identities.get("personas", [])

    def brief(p: Mapping[str, Any], *keys: str) -> dict[str, Any]:
        return {
            "persona_id": p["persona_id"],
            "name": p.get("name"),
            "name_he": p.get("name_he"),
            **{k: p.get(k) for k in keys},
        }

    first_wave = persona_identities.get("previous_wave") is None
    overall = adoption_summary.get("overall", {})
    metrics = [m["key"] for m in adoption_summary.get("metrics", [])]
    return to_plain(
        {
            "wave": adoption_summary.get("wave"),
            "previous_wave": persona_identities.get("previous_wave"),
            "previous_wave_source": persona_identities.get("previous_wave_source"),
            "first_wave": first_wave,
            "refit": persona_identities.get("refit", True),
            "model_from_wave": persona_identities.get("model_from_wave"),
            "max_distance": persona_identities.get("max_distance"),
            "comparable": persona_identities.get("comparable", True),
            "not_matched_reason": persona_identities.get("not_matched_reason"),
            "personas": {
                "matched": [brief(p, "distance") for p in personas if p.get("status") == "matched"],
                "new": [
                    brief(p, "nearest_previous", "nearest_distance")
                    for p in personas
                    if p.get("status") == "new"
                ],
                "retired": [
                    brief(p, "nearest_current", "nearest_distance")
                    for p in persona_identities.get("retired", [])
                ],
            },
            "migration": {
                k: persona_migration.get(k)
                for k in (
                    "available",
                    "reason",
                    "from_wave",
                    "panel",
                    "min_confidence",
                    "uncertain",
                    "counted",
                    "movers",
                    "movers_share",
                    "movers_share_including_uncertain",
                    "most_common_move",
                )
            },
            "adoption": {
                "activity_log": adoption_summary.get("activity_log"),
                "wave_end": adoption_summary.get("wave_end"),
                "population": overall.get("population"),
                **{f"{m}_share": overall.get(f"{m}_share") for m in metrics},
                "targets": {m["key"]: m.get("target") for m in adoption_summary.get("metrics", [])},
                "on_track": {m: overall.get(f"{m}_on_track") for m in metrics},
            },
            "activity": {
                k: adoption_summary.get("activity", {}).get(k)
                for k in (
                    "file",
                    "present",
                    "rows_read",
                    "rows_used",
                    "rows_rejected",
                    "rejected_by_reason",
                )
            },
            "trend": [
                {
                    "wave": t["wave"],
                    "activity_log": t["activity_log"],
                    **{f"{m}_share": v for m, v in t["shares"].items()},
                    "persona_shares": [
                        {k: p.get(k) for k in ("persona_id", "name", "name_he", "share")}
                        for p in t.get("persona_sizes", [])
                    ],
                }
                for t in adoption_trend
            ],
            "badges": [
                {
                    k: a.get(k)
                    for k in (
                        "badge_id",
                        "rule",
                        "metric",
                        "name",
                        "description",
                        "status",
                        "units",
                        "value",
                        "since",
                        "reason",
                    )
                }
                for a in badges.get("awards", [])
            ],
        }
    )
