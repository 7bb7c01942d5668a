"""The HR roster: its columns mapped, its rows typed and checked, each bad row rejected with its reason."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

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
    header_and_body,
    warn_cleaned_ids,
)
from .roster_typing import AGE_SOURCE, type_roster

logger = logging.getLogger(__name__)


def _select_roster_columns(
    raw: RawTable, params: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Map the roster's headers to contract names; stop when a required one is missing.

    Also returns the names that the roster's headers mapped (the others are blank).

    Control characters inside a cell (a bare CR, LF, NUL) become spaces; each
    such cell is listed (reason ``control_characters``, action
    ``value_cleaned``) and its row is kept.
    """
    header, body, rows = header_and_body(raw)
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
            raw.source,
            f"the roster has no column for {', '.join(missing)}.",
            "the roster columns of the data contract (employee_id, email, birth_year or age, hire_date or "
            "tenure, department, org_unit, site, job_level, work_pattern, employment_status, ...); "
            "other header names can be mapped in conf/base/parameters_ingestion.yml under roster.columns.",
        )
    table = pd.DataFrame({name: _stripped(body.iloc[:, pos]) for name, pos in found.items()})
    if row_ids:  # a roster extract without ids (for an anonymous survey): the row is the id
        table["employee_id"] = [f"row-{r}" for r in rows]
    cleaned = []
    for name in list(table.columns):
        table[name], changed = replace_control_characters(table[name])
        if changed.any():
            cleaned.append(
                rejects_frame(
                    raw.source,
                    rows[changed],
                    name,
                    table.loc[changed, name],
                    "control_characters",
                    VALUE_CLEANED,
                )
            )
    if cleaned:
        logger.warning(
            "%s: %d cells held control characters (line breaks, NUL, ...); each became a space (listed in the rejects).",
            raw.source,
            sum(len(c) for c in cleaned),
        )
    ids_cleaned = clean_id_columns(table, [c for c in ID_COLUMNS if c in table], raw.source, rows)
    warn_cleaned_ids(raw.source, ids_cleaned)
    cleaned.extend(ids_cleaned)
    for name in params["columns"]:
        if name not in table:
            table[name] = ""
    table[ROW] = rows
    return table, concat_rejects(cleaned), list(found)


def _stripped(cells: pd.Series) -> pd.Series:
    """A column's text without surrounding spaces; the cells themselves when none has any
    (a stripped copy of every column held the roster's text twice)."""
    text = cells.astype(str)
    stripped = text.str.strip()
    return text if stripped.equals(text) else stripped


def _roster_schema(params: Mapping[str, Any]) -> pa.DataFrameSchema:
    """The typed roster's rules. Checks are named after the reject reason they give."""
    low, high = params["age_range"]
    allowed = params["allowed_values"]
    required = set(params["required_values"])

    def text(name: str) -> pa.Column:
        checks = (
            [pa.Check.isin(allowed[name], name="not_allowed_value", error="not_allowed_value")]
            if name in allowed
            else []
        )
        return pa.Column(None, checks=checks, nullable=name not in required)

    columns = {name: text(name) for name in ["department", "org_unit", "site", *allowed]}
    # text columns are Arrow text (roster_typing): their type is not checked here
    columns["employee_id"] = pa.Column(
        None,
        nullable=False,
        unique=True,
        report_duplicates="exclude_first",
        checks=pa.Check.str_length(min_value=1, name="missing_value", error="missing_value"),
    )
    columns["email"] = pa.Column(
        None, nullable=True, unique=True, report_duplicates="exclude_first"
    )
    columns["hire_date"] = pa.Column("datetime64[ns]", nullable="hire_date" not in required)
    columns["age"] = pa.Column(
        float,
        nullable=False,
        checks=pa.Check.in_range(low, high, name="age_out_of_range", error="age_out_of_range"),
    )
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


_REASON_BY_CHECK = {
    "not_nullable": "missing_value",
    "field_uniqueness": "duplicate_value",
    "not_allowed_value": "not_allowed_value",
    "age_out_of_range": "age_out_of_range",
    "missing_value": "missing_value",
}


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


def _impossible_hire_dates(
    typed: pd.DataFrame, at: pd.Timestamp, params: Mapping[str, Any]
) -> dict[str, pd.Series]:
    """Hire dates no one can have: after the wave's date by more than the allowed lead, or before birth."""
    hire = typed["hire_date"]
    latest = at + pd.Timedelta(days=int(params["hire_date_latest_after_wave_days"]))
    birth_year = pd.to_numeric(typed["birth_year"], errors="coerce")
    # a year no timestamp can hold (03118 from a row shifted by a stray CR) is rejected by the age check
    birth_year = birth_year.where(
        birth_year.between(pd.Timestamp.min.year + 1, pd.Timestamp.max.year - 1)
    )
    born = typed["birth_date"].where(
        typed["birth_date"].notna(),
        pd.to_datetime(birth_year.astype("Int64").astype(str) + "-01-01", errors="coerce"),
    )
    return {
        "hire_date_in_future": hire.notna() & (hire > latest),
        "hire_before_birth": hire.notna() & born.notna() & (hire < born),
    }


def parse_roster(
    roster_raw: RawTable, roster_params: Mapping[str, Any], wave: str, wave_date: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, Any]]:
    """Validate the HR roster row by row.

    Validation is an explicit node rather than the catalog's ``validator:``
    hook because a bad row must be *rejected with its reason* while the run
    goes on, and because the rules (allowed values, age range at the wave's
    date) come from parameters. Pandera collects every failure in one lazy
    pass; each failure becomes a reject.

    Returns the valid roster (clear identifiers; kept in memory only), the
    rejects, the ids and emails of rejected rows (so that their survey
    answers are rejected for that reason, not as unknown people), and the
    file's row count for the run summary (so the raw file is read only once).
    """
    at = resolve_wave_date(wave, wave_date)
    source = roster_raw.source
    table, cleaned, mapped, notes, warnings = _roster_table(roster_raw, roster_params)
    typed, unparsed = type_roster(table, roster_params, at, mapped, source, warnings)
    rejects = [
        *_unparsed_rejects(source, typed, table, unparsed, roster_params),
        *_schema_rejects(source, typed, table, unparsed, mapped, roster_params),
        *(
            _cell_rejects(source, typed, table, bad, "hire_date", why)
            for why, bad in _impossible_hire_dates(typed, at, roster_params).items()
        ),
    ]
    # One reason per row: the first found (parsing problems before rule checks).
    rejects_all = (
        concat_rejects(rejects)
        .drop_duplicates(subset=["file", "row"], keep="first")
        .sort_values("row", kind="stable")
        .reset_index(drop=True)
    )
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
        "rows_read": int(len(roster_raw.cells) - 1),
        "notes": notes,
        "warnings": warnings,
    }
    return (
        valid.drop(columns=["age", AGE_SOURCE]),
        concat_rejects([rejects_all, cleaned]),
        _keys_only_rejected(typed[rejected], valid),
        detected,
    )


def _roster_table(
    roster_raw: RawTable, roster_params: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str], list[str]]:
    """The roster's columns under contract names, the cells cleaned, and the notes and warnings so far.

    A roster without an employment status column counts everyone as active
    (the first of ``active_statuses``), and says so.
    """
    table, cleaned, mapped = _select_roster_columns(roster_raw, roster_params)
    notes = []
    if "employment_status" not in mapped:
        table["employment_status"] = str(roster_params["active_statuses"][0])
        notes.append(
            "the roster has no employment_status column: every employee is counted as active"
        )
        logger.warning("%s: %s.", roster_raw.source, notes[-1])
    warnings: list[str] = list(roster_raw.details.get("warnings", []))
    header, body, rows = header_and_body(roster_raw)
    check_single_id_column(
        header,
        body,
        rows,
        {c: roster_params["columns"][c] for c in ["employee_id", "email"]},
        roster_raw.source,
        "roster.columns in conf/base/parameters_ingestion.yml",
        warnings,
    )
    return table, cleaned, mapped, notes, warnings


def _unparsed_rejects(
    source: str,
    typed: pd.DataFrame,
    table: pd.DataFrame,
    unparsed: pd.DataFrame,
    params: Mapping[str, Any],
) -> list[pd.DataFrame]:
    """A reject per cell that could not be read (a date, an allowed value, a number).

    An unreadable people-manager flag is a warning, not a reason to drop the person.
    """
    rejects = []
    for name in unparsed:
        bad = unparsed[name]
        if name == "is_people_manager":
            if bad.any():
                logger.warning(
                    "%s: %d rows have an unreadable is_people_manager; read as 'no'.",
                    source,
                    int(bad.sum()),
                )
            continue
        reason = (
            "invalid_date"
            if name.endswith("_date")
            else "not_allowed_value"
            if name in params["allowed_values"]
            else "invalid_value"
        )
        rejects.append(_cell_rejects(source, typed, table, bad, name, reason))
    return rejects


def _schema_rejects(
    source: str,
    typed: pd.DataFrame,
    table: pd.DataFrame,
    unparsed: pd.DataFrame,
    mapped: list[str],
    params: Mapping[str, Any],
) -> list[pd.DataFrame]:
    """A reject per failure of the roster's rules (pandera), named after the column the user wrote.

    An age is blamed on the column it came from; a hire date on the tenure
    column when the roster gives tenure; a value that could not be parsed is
    already rejected with a sharper reason.
    """
    try:
        schema = _roster_schema(params)
        # only the checked columns, not copied (pandera copies the frame unless inplace)
        schema.validate(typed[list(schema.columns)], lazy=True, inplace=True)
        failures = pd.DataFrame(columns=["column", "check", "index"])
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases.dropna(subset=["index"])
    rejects = []
    for (column, check), group in failures.groupby(["column", "check"], sort=True):
        index = group["index"].astype(int).unique()
        reason = _REASON_BY_CHECK.get(str(check), str(check))
        if reason == "duplicate_value":
            reason = f"duplicate_{column}"
        if column == "age":  # named after the column the age came from
            rejects.extend(_age_rejects(source, typed, table, unparsed, index, reason))
            continue
        if column == "hire_date" and "hire_date" not in mapped:
            column = next(c for c in params["tenure_columns"] if c in mapped)
        if column in unparsed:
            index = [i for i in index if not unparsed.at[i, column]]
        rejects.append(_cell_rejects(source, typed, table, index, column, reason))
    return rejects


def _age_rejects(
    source: str,
    typed: pd.DataFrame,
    table: pd.DataFrame,
    unparsed: pd.DataFrame,
    index: np.ndarray,
    reason: str,
) -> list[pd.DataFrame]:
    """Age failures, each listed under the column its age came from (birth date, birth year or age)."""
    sources = typed.loc[index, AGE_SOURCE]
    rejects = []
    for source_column in sorted(set(sources)):
        mine = index[(sources == source_column).to_numpy()]
        if source_column == "age":
            mine = [i for i in mine if not unparsed.at[i, "age"]]
        rejects.append(_cell_rejects(source, typed, table, mine, source_column, reason))
    return rejects


def _cell_rejects(
    source: str, typed: pd.DataFrame, table: pd.DataFrame, at: Any, column: str, reason: str
) -> pd.DataFrame:
    """Rejects of the rows ``at`` (a mask or labels), showing the cell of ``column`` as the roster wrote it."""
    return rejects_frame(source, typed.loc[at, ROW], column, table.loc[at, column], reason)


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
