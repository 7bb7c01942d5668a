"""The HR roster: its columns mapped, its rows typed and checked, each bad row rejected with its reason."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segmentation.datasets import RawTable
from segmentation.employment import is_active
from segmentation.errors import InputFileError
from segmentation.parsing import (
    concat_rejects,
    is_in,
    locate_columns,
    rejects_frame,
    replace_control_characters,
)
from segmentation.waves import wave_date as resolve_wave_date

from .columns import (
    ID_COLUMNS,
    ROW,
    VALUE_CLEANED,
    check_single_id_column,
    clean_id_columns,
    concat_frames,
    header_of,
    marked_first,
    warn_cleaned_ids,
)
from .roster_rules import one_reason_per_row, schema_rejects, unparsed_rejects, whole_roster_rejects
from .roster_typing import AGE_SOURCE, type_roster_rows

logger = logging.getLogger(__name__)


def _roster_columns(
    header: list[str], params: Mapping[str, Any], source: str
) -> tuple[dict[str, int], bool]:
    """Where each contract column is in the roster's header; stop when a required one is missing.

    Also says whether rows are their own ids (``ids_from_row_numbers`` and no id column).
    """
    covariates = params.get("hr_covariates") or {}
    found = locate_columns(
        header,
        {**params["columns"], **{name: spec["columns"] for name, spec in covariates.items()}},
    )
    row_ids = bool(params.get("ids_from_row_numbers")) and "employee_id" not in found
    missing = [
        c
        for c in params["required_columns"]
        if c not in found and not (row_ids and c == "employee_id")
    ]
    for alternatives in (params["birth_columns"], params.get("tenure_columns") or []):
        if alternatives and not any(c in found for c in alternatives):
            missing.append(" or ".join(alternatives))
    missing += [f"{name} (roster.hr_covariates)" for name in covariates if name not in found]
    if missing:
        raise InputFileError(
            source,
            f"the roster has no column for {', '.join(missing)}.",
            "the roster columns of the data contract (employee_id, email, birth_year or age, hire_date or "
            "tenure, department, org_unit, site, job_level, work_pattern, employment_status, ...); "
            "other header names can be mapped in conf/base/parameters_ingestion.yml under roster.columns.",
        )
    return found, row_ids


def _select_roster_columns(
    body: pd.DataFrame,
    rows: np.ndarray,
    found: Mapping[str, int],
    row_ids: bool,
    params: Mapping[str, Any],
    source: str,
) -> tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]:
    """A chunk of roster rows under contract names (the unmapped ones blank), its cells cleaned.

    Control characters inside a cell (a bare CR, LF, NUL) become spaces; each
    such cell is listed (reason ``control_characters``, action
    ``value_cleaned``) and its row is kept; so are ids cleaned of invisible
    characters (the two lists returned).
    """
    table = pd.DataFrame({name: _stripped(body.iloc[:, pos]) for name, pos in found.items()})
    if row_ids:  # a roster extract without ids (for an anonymous survey): the row is the id
        table["employee_id"] = [f"row-{r}" for r in rows]
    controls = []
    for name in list(table.columns):
        table[name], changed = replace_control_characters(table[name])
        if changed.any():
            controls.append(
                rejects_frame(
                    source,
                    rows[changed],
                    name,
                    table.loc[changed, name],
                    "control_characters",
                    VALUE_CLEANED,
                )
            )
    ids_cleaned = clean_id_columns(table, [c for c in ID_COLUMNS if c in table], source, rows)
    for name in params["columns"]:
        if name not in table:
            table[name] = ""
    table[ROW] = rows
    return table, controls, ids_cleaned


def _warn_cleaned_cells(source: str, controls: list[pd.DataFrame], ids: list[pd.DataFrame]) -> None:
    if controls:
        logger.warning(
            "%s: %d cells held control characters (line breaks, NUL, ...); each became a space (listed in the rejects).",
            source,
            sum(len(c) for c in controls),
        )
    warn_cleaned_ids(source, ids)


def _stripped(cells: pd.Series) -> pd.Series:
    """A column's text without surrounding spaces; the cells themselves when none has any
    (a stripped copy of every column held the roster's text twice)."""
    text = cells.astype(str)
    stripped = text.str.strip()
    return text if stripped.equals(text) else stripped


def _allowed(column: str, reason: str, params: Mapping[str, Any]) -> str:
    """What a value of ``column`` must be, for a message."""
    if column in params["allowed_values"]:
        return f"one of {', '.join(params['allowed_values'][column])} (other spellings can be mapped under roster.value_aliases.{column})"
    if reason == "age_out_of_range":
        low, high = params["age_range"]
        return f"an age from {low} to {high} at the wave's date (roster.age_range)"
    if reason == "invalid_date":
        return "a date (yyyy-mm-dd, m/d/yyyy, or d/m/yyyy with roster.dayfirst)"
    if reason.startswith("duplicate_"):
        return "a value no other row has"
    return "a value in every row" if reason == "missing_value" else "a number"


def _check_roster_usable(
    source: str,
    typed: pd.DataFrame,
    valid: pd.DataFrame,
    rejects: pd.DataFrame,
    params: Mapping[str, Any],
) -> None:
    """Stop when the roster leaves nobody to work with: no usable row, or no active employee.

    Both used to run on to a scikit-learn traceback or to empty lists with
    exit 0; the message names the column that failed and what it allows.
    """
    if len(valid) == 0:
        if len(typed) == 0:
            raise InputFileError(
                source,
                "the roster has a header but no employee rows.",
                "one row per employee below the header.",
            )
        top = (
            rejects.groupby(["column", "reason"]).size().sort_values(ascending=False, kind="stable")
        )
        (column, reason), count = top.index[0], int(top.iloc[0])
        seen = rejects.loc[(rejects["column"] == column) & (rejects["reason"] == reason), "value"]
        examples = ", ".join(repr(v) for v in seen.drop_duplicates().head(3))
        raise InputFileError(
            source,
            f"none of the roster's {len(typed)} rows is usable: {count} were rejected for {reason} in column {column} "
            f"(values such as {examples or 'blank'}); every rejected row is listed in the rejects.",
            f"{column}: {_allowed(column, reason, params)}.",
        )
    status = valid["employment_status"]
    active_statuses = list(params["active_statuses"])
    if not is_active(status, active_statuses).any():
        found = ", ".join(f"{value} ({count})" for value, count in status.value_counts().items())
        raise InputFileError(
            source,
            f"no employee of the roster is active: employment_status is {found}. The statuses that count as "
            f"active are {', '.join(map(str, active_statuses))} (active_statuses in conf/base/globals.yml).",
            f"employment_status: {_allowed('employment_status', 'not_allowed_value', params)}, "
            f"with {' or '.join(repr(str(s)) for s in active_statuses)} for people at work; without an "
            "employment_status column everyone is active.",
        )


def parse_roster(
    roster_raw: RawTable, roster_params: Mapping[str, Any], wave: str, wave_date: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, Any]]:
    """Validate the HR roster row by row.

    Validation is an explicit node rather than the catalog's ``validator:``
    hook because a bad row must be *rejected with its reason* while the run
    goes on, and because the rules (allowed values, age range at the wave's
    date) come from parameters. Pandera collects every failure in one lazy
    pass; each failure becomes a reject.

    The rows are read and typed a chunk at a time (``roster_raw.body_chunks``),
    so the roster's text is never held whole; what needs every row (a date
    column's day/month order, and so ages; duplicate ids and emails) is done
    on the typed roster afterwards, from the date text kept for it.

    Returns the valid roster (clear identifiers; kept in memory only), the
    rejects, the ids and emails of rejected rows (so that their survey
    answers are rejected for that reason, not as unknown people), and the
    file's row count for the run summary (so the raw file is read only once).
    """
    at = resolve_wave_date(wave, wave_date)
    source = roster_raw.source
    header = header_of(roster_raw)
    found, row_ids = _roster_columns(header, roster_params, source)
    mapped = list(found)
    notes = _roster_notes(mapped, roster_params, source)
    warnings: list[str] = list(roster_raw.details.get("warnings", []))
    chunks = [
        _roster_chunk(body, rows, header, found, row_ids, roster_params, source, warnings, first)
        for first, (body, rows) in marked_first(roster_raw.body_chunks(1))
    ]
    controls = [frame for chunk in chunks for frame in chunk.controls]
    ids_cleaned = [frame for chunk in chunks for frame in chunk.ids_cleaned]
    _warn_cleaned_cells(source, controls, ids_cleaned)
    _warn_unreadable_flags(source, sum(chunk.unreadable_flags for chunk in chunks))
    candidates = [candidate for chunk in chunks for candidate in chunk.candidates]
    typed = concat_frames([chunk.typed for chunk in chunks])
    emails = concat_frames([chunk.emails for chunk in chunks])
    del chunks
    candidates.extend(
        whole_roster_rejects(source, typed, emails, mapped, at, roster_params, warnings)
    )
    rejects_all = one_reason_per_row(candidates)
    rejected = typed[ROW].isin(rejects_all["row"])
    # not filtered (a copy of every column) when every row is valid
    valid = typed[~rejected].reset_index(drop=True) if rejected.any() else typed
    _check_roster_usable(source, typed, valid, rejects_all, roster_params)
    logger.info(
        "Roster %s: %d rows read, %d valid, %d rejected.",
        source,
        len(typed),
        len(valid),
        len(rejects_all),
    )
    detected = {
        "file": source,
        "rows_read": int(len(typed)),
        "notes": notes,
        "warnings": warnings,
    }
    return (
        valid.drop(columns=["age", AGE_SOURCE]),
        concat_rejects([rejects_all, *controls, *ids_cleaned]),
        _keys_only_rejected(typed[rejected], valid),
        detected,
    )


def _roster_notes(mapped: list[str], roster_params: Mapping[str, Any], source: str) -> list[str]:
    """A roster without an employment status column counts everyone as active (the first of
    ``active_statuses``), and says so."""
    if "employment_status" in mapped:
        return []
    note = "the roster has no employment_status column: every employee is counted as active"
    logger.warning("%s: %s.", source, note)
    return [note]


@dataclass(frozen=True)
class RosterChunk:
    """What a chunk of roster rows gave: its rows typed (dates still text), their emails as written,
    the rejects of its rows' own rules (ranked), and the cells cleaned."""

    typed: pd.DataFrame
    emails: pd.DataFrame
    candidates: list[tuple[tuple, pd.DataFrame]]
    controls: list[pd.DataFrame]
    ids_cleaned: list[pd.DataFrame]
    unreadable_flags: int


def _roster_chunk(
    body: pd.DataFrame,
    rows: np.ndarray,
    header: list[str],
    found: Mapping[str, int],
    row_ids: bool,
    params: Mapping[str, Any],
    source: str,
    warnings: list[str],
    first: bool,
) -> RosterChunk:
    """A chunk of roster rows mapped, cleaned, typed and checked by the rules of one row.

    Only the ``first`` chunk warns about what every chunk shares (two id columns that agree).
    """
    check_single_id_column(
        header,
        body,
        rows,
        {c: params["columns"][c] for c in ["employee_id", "email"]},
        source,
        "roster.columns in conf/base/parameters_ingestion.yml",
        warnings,
        first,
    )
    table, controls, ids_cleaned = _select_roster_columns(
        body, rows, found, row_ids, params, source
    )
    if "employment_status" not in found:
        table["employment_status"] = str(params["active_statuses"][0])
    typed, unparsed = type_roster_rows(table, params)
    unparsed = pd.DataFrame(unparsed)
    return RosterChunk(
        typed=typed,
        emails=table[["email"]],
        candidates=[
            *unparsed_rejects(source, typed, table, unparsed, params),
            *schema_rejects(source, typed, table, unparsed, list(found), params, whole=False),
        ],
        controls=controls,
        ids_cleaned=ids_cleaned,
        unreadable_flags=int(unparsed["is_people_manager"].sum()),
    )


def _warn_unreadable_flags(source: str, count: int) -> None:
    """An unreadable people-manager flag is a warning, not a reason to drop the person."""
    if count:
        logger.warning(
            "%s: %d rows have an unreadable is_people_manager; read as 'no'.", source, count
        )


def _keys_only_rejected(rejected: pd.DataFrame, valid: pd.DataFrame) -> list[str]:
    """The ids and emails of rejected rows that no valid row also carries (few: looked up, not set-built)."""
    candidates = pd.Series(
        sorted(set(rejected["employee_id"].dropna()) | set(rejected["email_key"].dropna())),
        dtype=object,
    )
    if not len(candidates):
        return []
    in_valid = is_in(candidates, valid["employee_id"].dropna()) | is_in(
        candidates, valid["email_key"].dropna()
    )
    return candidates[~in_valid].tolist()
