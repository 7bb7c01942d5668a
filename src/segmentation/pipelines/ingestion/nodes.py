"""Ingestion: from raw exports to validated, pseudonymous tables.

Every data row of the roster and the survey ends up either used or in
``rejects`` with the file, the row the user sees, the column, the value and a
reason. Whole-file problems raise :class:`~segmentation.errors.InputFileError`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from segmentation.codebook import Codebook, normalise_text
from segmentation.contacts import email_key
from segmentation.datasets import RawTable
from segmentation.employment import is_active
from segmentation.errors import InputFileError
from segmentation.parsing import (
    INVISIBLE_CHARACTERS_REASON,
    ROW_REJECTED,
    clean_ids,
    column_positions,
    concat_rejects,
    date_order,
    fold,
    is_in,
    locate_columns,
    map_unique,
    parse_dates,
    positions_in,
    rejects_frame,
    replace_control_characters,
    show_invisible,
)
from segmentation.tables import CONTACT_COLUMNS, EMPLOYEE_COLUMNS
from segmentation.waves import wave_date as resolve_wave_date

logger = logging.getLogger(__name__)

ROW = "_row"  # the row number the user sees (Excel row or CSV line)
LINKED_PREFIX = (
    "linked_"  # a demographic the survey asked, in the roster's terms (survey.roster_link)
)
PID_LENGTH = 16
ANSWER_SET_MISSING = "answer_set_missing"
VALUE_SET_MISSING = "value_set_missing"
VALUE_CLEANED = "value_cleaned"


# --------------------------------------------------------------------- roster
def _header_and_body(
    raw: RawTable, header_rows: int = 1
) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    header = [str(h) for h in raw.cells.iloc[0].tolist()]
    body = raw.cells.iloc[header_rows:].reset_index(drop=True)
    return header, body, raw.row_numbers[header_rows:]


def _select_roster_columns(
    raw: RawTable, params: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Map the roster's headers to contract names; stop when a required one is missing.

    Also returns the names that the roster's headers mapped (the others are blank).

    Control characters inside a cell (a bare CR, LF, NUL) become spaces; each
    such cell is listed (reason ``control_characters``, action
    ``value_cleaned``) and its row is kept.
    """
    header, body, rows = _header_and_body(raw)
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
    table = pd.DataFrame(
        {name: body.iloc[:, pos].astype(str).str.strip() for name, pos in found.items()}
    )
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
    cleaned.extend(clean_id_columns(table, [c for c in ID_COLUMNS if c in table], raw.source, rows))
    for name in params["columns"]:
        if name not in table:
            table[name] = ""
    table[ROW] = rows
    return table, concat_rejects(cleaned), list(found)


ID_COLUMNS = ["employee_id", "email", "manager_id"]


def check_single_id_column(
    header: list[str],
    body: pd.DataFrame,
    rows: np.ndarray,
    aliases: Mapping[str, list[str]],
    source: str,
    setting: str,
    warnings: list[str],
) -> None:
    """One column per identity: two that agree on every row are a warning, two that differ stop the run.

    Which of two differing id columns names the person cannot be guessed.
    """
    for canonical, names in aliases.items():
        positions = column_positions(header, [canonical, *names])
        if len(positions) < 2:
            continue
        shown = " and ".join(f"'{header[p]}' (column {p + 1})" for p in positions)
        values = [clean_ids(body.iloc[:, p])[0] for p in positions]
        differ = np.zeros(len(body), dtype=bool)
        for other in values[1:]:
            differ |= (values[0] != other).to_numpy()
        if differ.any():
            at = int(np.argmax(differ))
            raise InputFileError(
                source,
                f"{len(positions)} columns could be the {canonical}: {shown}, and they differ (line {rows[at]}: "
                f"{' / '.join(str(v.iat[at]) for v in values)}).",
                f"one {canonical} column: remove or rename the others, or name the right one under {setting}.",
            )
        warning = f"{source}: {len(positions)} columns hold the {canonical}: {shown}; they agree on every row, the first is used."
        logger.warning(warning)
        warnings.append(warning)


def clean_id_columns(
    frame: pd.DataFrame,
    columns: list[str],
    source: str,
    rows: np.ndarray,
    labels: Mapping[str, str] | None = None,
) -> list[pd.DataFrame]:
    """Clean the id and email columns of ``frame`` in place (:func:`clean_ids`); each changed cell listed.

    The row is kept; the cell is listed with reason ``invisible_characters``
    and action ``value_cleaned``, the invisible characters shown as ``<U+200F>``.
    """
    listed = []
    for name in columns:
        original = frame[name]
        frame[name], changed = clean_ids(original)
        if changed.any():
            shown = original[changed].map(show_invisible)
            listed.append(
                rejects_frame(
                    source,
                    rows[changed],
                    (labels or {}).get(name, name),
                    shown,
                    INVISIBLE_CHARACTERS_REASON,
                    VALUE_CLEANED,
                )
            )
            logger.warning(
                "%s: %d %s values held invisible characters (direction marks, zero-width spaces, BOM); removed "
                "(listed in the rejects).",
                source,
                int(changed.sum()),
                (labels or {}).get(name, name),
            )
    return listed


def _canonical_values(
    values: pd.Series, allowed: list[str], aliases: Mapping[str, str]
) -> pd.Series:
    """Fold spelling and case onto the allowed values; others become missing."""
    lookup = {normalise_text(v): v for v in allowed}
    lookup.update({normalise_text(k): v for k, v in (aliases or {}).items()})
    return map_unique(values, lambda v: lookup.get(normalise_text(v))).astype(object)


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
        return pa.Column(object, checks=checks, nullable=name not in required)

    columns = {name: text(name) for name in ["department", "org_unit", "site", *allowed]}
    columns["employee_id"] = pa.Column(
        object,
        nullable=False,
        unique=True,
        report_duplicates="exclude_first",
        checks=pa.Check.str_length(min_value=1, name="missing_value", error="missing_value"),
    )
    columns["email"] = pa.Column(
        object, nullable=True, unique=True, report_duplicates="exclude_first"
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


def _type_roster(
    table: pd.DataFrame,
    params: Mapping[str, Any],
    at: pd.Timestamp,
    mapped: list[str],
    source: str = "roster",
    warnings: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed roster columns plus a frame of what could not be parsed; date-order warnings go to ``warnings``."""
    typed = table.copy()
    unparsed: dict[str, pd.Series] = {}
    for name in [
        "employee_id",
        "email",
        "first_name",
        "last_name",
        "department",
        "org_unit",
        "site",
        "manager_id",
        "gender",
    ]:
        typed[name] = table[name].where(table[name] != "", None).astype(object)
    typed["email_key"] = _roster_email_keys(typed["email"])
    typed["email"] = typed["email_key"]
    for name, allowed in params["allowed_values"].items():
        typed[name] = _canonical_values(table[name], allowed, params["value_aliases"].get(name))
        unparsed[name] = typed[name].isna() & table[name].ne("")
    typed["language"] = typed["language"].where(
        table["language"].ne(""), params["default_language"]
    )
    for name in ["hire_date", "birth_date"]:
        dayfirst, warning = date_order(
            table[name], params["dayfirst"], f"{source} column {name} (roster.dayfirst)"
        )
        if warning:
            logger.warning(warning)
            (warnings if warnings is not None else []).append(warning)
        typed[name], unparsed[name] = parse_dates(
            table[name], dayfirst, params["two_digit_year_pivot"]
        )
    given_year = map_unique(
        table["birth_year"],
        lambda v: pd.to_numeric(re.sub(r"\.0$", "", v), errors="coerce"),
    ).astype(float)
    unparsed["birth_year"] = given_year.isna() & table["birth_year"].ne("")
    given_age, unparsed["age"] = _numbers(table["age"])
    typed["age"] = pd.Series(
        np.select(
            [typed["birth_date"].notna(), given_year.notna()],
            [(at - typed["birth_date"]).dt.days / 365.25, at.year - given_year.astype(float)],
            default=given_age.to_numpy(dtype=float),
        ),
        index=typed.index,
        dtype=float,
    )
    unknown = next(
        c for c in ["age", "birth_year", "birth_date"] if c in mapped
    )  # blamed for a row without any
    typed[AGE_SOURCE] = np.select(
        [typed["birth_date"].notna(), given_year.notna(), given_age.notna()],
        ["birth_date", "birth_year", "age"],
        default=unknown,
    )
    # the birth year of the source the age came from; an age in years stands for
    # the birth year that gives it at the wave's date (completed years)
    year = typed["birth_date"].dt.year.astype(float)
    year = year.where(year.notna(), given_year).where(
        lambda y: y.notna(), at.year - np.floor(given_age)
    )
    typed["birth_year"] = year.round().astype("Int64")
    typed["hire_date"] = _hire_dates(typed["hire_date"], table, unparsed, at)
    for name, spec in (params.get("hr_covariates") or {}).items():
        if spec.get("kind", "categorical") == "numeric":
            typed[name], unparsed[name] = _numbers(table[name])
        else:
            typed[name] = table[name].where(table[name] != "", None).astype(object)
    truthy = {
        normalise_text(v): flag == "true"
        for flag, values in params["booleans"].items()
        for v in values
    }
    flags = map_unique(table["is_people_manager"], lambda v: truthy.get(normalise_text(v)))
    unparsed["is_people_manager"] = flags.isna()
    typed["is_people_manager"] = flags.fillna(False).astype(bool)
    return typed, pd.DataFrame(unparsed)


def _roster_email_keys(emails: pd.Series) -> pd.Series:
    """Roster emails folded by :func:`~segmentation.contacts.email_key` (the one rule); None where blank."""
    keys = email_key(emails)
    return keys.where(keys != "", None).astype(object)


AGE_SOURCE = "_age_source"  # which column a row's age came from (birth_date, birth_year or age)
TENURE_COLUMNS = {"tenure_years": 1.0, "tenure_months": 1 / 12}  # column -> years per unit


def _numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers (a decimal comma allowed) and a mask of text that is not a non-negative number."""
    numbers = map_unique(
        values, lambda v: pd.to_numeric(v.replace(",", "."), errors="coerce")
    ).astype(float)
    return numbers.where(numbers >= 0), (numbers.isna() | (numbers < 0)) & values.ne("")


def _hire_dates(
    hire_dates: pd.Series, table: pd.DataFrame, unparsed: dict[str, pd.Series], at: pd.Timestamp
) -> pd.Series:
    """Hire dates, else the date a tenure in years or months points back to from the wave's date."""
    for column, years_per_unit in TENURE_COLUMNS.items():
        tenure, unparsed[column] = _numbers(table[column])
        implied = at - pd.to_timedelta((tenure * years_per_unit * 365.25).round(), unit="D")
        hire_dates = hire_dates.where(hire_dates.notna(), implied)
    return hire_dates.astype("datetime64[ns]")


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
    table, cleaned, mapped = _select_roster_columns(roster_raw, roster_params)
    notes = []
    if "employment_status" not in mapped:
        table["employment_status"] = str(roster_params["active_statuses"][0])
        notes.append(
            "the roster has no employment_status column: every employee is counted as active"
        )
        logger.warning("%s: %s.", roster_raw.source, notes[-1])
    warnings: list[str] = list(roster_raw.details.get("warnings", []))
    header, body, rows = _header_and_body(roster_raw)
    check_single_id_column(
        header,
        body,
        rows,
        {c: roster_params["columns"][c] for c in ["employee_id", "email"]},
        roster_raw.source,
        "roster.columns in conf/base/parameters_ingestion.yml",
        warnings,
    )
    typed, unparsed = _type_roster(table, roster_params, at, mapped, roster_raw.source, warnings)
    rejects = []
    for name in unparsed:
        bad = unparsed[name]
        if name == "is_people_manager":
            if bad.any():  # an unreadable flag is a warning, not a reason to drop the person
                logger.warning(
                    "%s: %d rows have an unreadable is_people_manager; read as 'no'.",
                    roster_raw.source,
                    int(bad.sum()),
                )
            continue
        reason = (
            "invalid_date"
            if name.endswith("_date")
            else "not_allowed_value"
            if name in roster_params["allowed_values"]
            else "invalid_value"
        )
        rejects.append(
            rejects_frame(
                roster_raw.source, typed.loc[bad, ROW], name, table.loc[bad, name], reason
            )
        )

    try:
        schema = _roster_schema(roster_params)
        # only the checked columns, not copied (pandera copies the frame unless inplace)
        schema.validate(typed[list(schema.columns)], lazy=True, inplace=True)
        failures = pd.DataFrame(columns=["column", "check", "index"])
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases.dropna(subset=["index"])
    for (column, check), group in failures.groupby(["column", "check"], sort=True):
        index = group["index"].astype(int).unique()
        reason = _REASON_BY_CHECK.get(str(check), str(check))
        if reason == "duplicate_value":
            reason = f"duplicate_{column}"
        if column == "age":  # named after the column the age came from
            sources = typed.loc[index, AGE_SOURCE]
            for source_column in sorted(set(sources)):
                mine = index[(sources == source_column).to_numpy()]
                if source_column == "age":
                    mine = [i for i in mine if not unparsed.at[i, "age"]]
                rejects.append(
                    rejects_frame(
                        roster_raw.source,
                        typed.loc[mine, ROW],
                        source_column,
                        table.loc[mine, source_column],
                        reason,
                    )
                )
            continue
        if column == "hire_date" and "hire_date" not in mapped:
            column = next(c for c in roster_params["tenure_columns"] if c in mapped)
            index = [i for i in index if not unparsed.at[i, column]]
        # A value we could not parse is already rejected with a sharper reason.
        if column in unparsed:
            index = [i for i in index if not unparsed.at[i, column]]
        rejects.append(
            rejects_frame(
                roster_raw.source, typed.loc[index, ROW], column, table.loc[index, column], reason
            )
        )

    for reason, bad in _impossible_hire_dates(typed, at, roster_params).items():
        rejects.append(
            rejects_frame(
                roster_raw.source,
                typed.loc[bad, ROW],
                "hire_date",
                table.loc[bad, "hire_date"],
                reason,
            )
        )

    # One reason per row: the first found (parsing problems before rule checks).
    rejects_all = (
        concat_rejects(rejects)
        .drop_duplicates(subset=["file", "row"], keep="first")
        .sort_values("row", kind="stable")
        .reset_index(drop=True)
    )
    rejected = typed[ROW].isin(rejects_all["row"])
    valid = typed[~rejected].reset_index(drop=True)
    _check_roster_usable(roster_raw.source, typed, valid, rejects_all, roster_params)
    # the keys of rejected rows that no valid row also carries (few: looked up, not set-built)
    candidates = pd.Series(
        sorted(
            set(typed.loc[rejected, "employee_id"].dropna())
            | set(typed.loc[rejected, "email_key"].dropna())
        ),
        dtype=object,
    )
    in_valid = (
        is_in(candidates, valid["employee_id"].dropna())
        | is_in(candidates, valid["email_key"].dropna())
        if len(candidates)
        else np.zeros(0, dtype=bool)
    )
    rejected_keys = candidates[~in_valid].tolist()
    logger.info(
        "Roster %s: %d rows read, %d valid, %d rejected.",
        roster_raw.source,
        len(typed),
        len(valid),
        len(rejects_all),
    )
    detected = {
        "file": roster_raw.source,
        "rows_read": int(len(roster_raw.cells) - 1),
        "notes": notes,
        "warnings": warnings,
    }
    return (
        valid.drop(columns=["age", AGE_SOURCE]),
        concat_rejects([rejects_all, cleaned]),
        rejected_keys,
        detected,
    )


# --------------------------------------------------------------------- survey
def detect_shape(raw: RawTable, shapes: Mapping[str, Any]) -> str | None:
    """The first configured export shape whose every ``detect`` group matches a header, or None."""
    header = {normalise_text(h) for h in raw.cells.iloc[0].tolist()}
    for name, shape in shapes.items():
        if all(
            any(normalise_text(alias) in header for alias in group) for group in shape["detect"]
        ):
            return name
    return None


def _detect_shape(raw: RawTable, shapes: Mapping[str, Any]) -> str:
    found = detect_shape(raw, shapes)
    if found is not None:
        return found
    known = ", ".join(
        f"{name} ({' + '.join(str(group[0]) for group in shape['detect'])})"
        for name, shape in shapes.items()
    )
    raise InputFileError(
        raw.source,
        "the file is not a survey export this pipeline knows: its header matches none of the "
        f"export shapes in the survey.shapes setting: {known}.",
        "an export of one of these tools, or describe this one: run `segmentation inspect "
        f"{raw.source} --env NAME` to write a configuration for it, or add its header columns "
        "under survey.shapes in conf/<env>/parameters_ingestion.yml.",
    )


def survey_header_rows(raw: RawTable, shape: Mapping[str, Any]) -> int:
    """How many header rows the export has: the shape's ``header_rows`` (default 1).

    ``auto`` is the Qualtrics rule: 3 header rows (ids, texts, ImportId JSON),
    older exports 2 (ids, texts) or 1.
    """
    rows = shape.get("header_rows", 1)
    if rows != "auto":
        return int(rows)
    if len(raw.cells) > 2 and str(raw.cells.iat[2, 0]).lstrip().startswith('{"ImportId"'):
        return 3
    if len(raw.cells) > 1 and normalise_text(raw.cells.iat[1, 0]) in {"start date", "startdate"}:
        return 2
    return 1


def _locate_headers(raw: RawTable, header_rows: int, lookup: Mapping[str, str]) -> dict[str, int]:
    """Column of each key of ``lookup`` (folded header -> key), looked for in every header row.

    Headers are folded as everywhere (case, spaces, quotes, trailing
    punctuation); the first column that matches a key wins.
    """
    found: dict[str, int] = {}
    for position in range(raw.cells.shape[1]):
        for row in range(header_rows):
            key = lookup.get(normalise_text(raw.cells.iat[row, position]))
            if key and key not in found:
                found[key] = position
                break
    return found


def _locate_items(raw: RawTable, header_rows: int, codebook: Codebook) -> dict[str, int]:
    """Column of each questionnaire item, by id or by its text in any language."""
    return _locate_headers(raw, header_rows, codebook.header_lookup)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _locate_consent(
    raw: RawTable, header_rows: int, survey_params: Mapping[str, Any]
) -> int | None:
    """Column of the consent question, or None when the survey asks none.

    ``survey.consent_column`` names this survey's consent question: an export
    without it stops the run (a respondent who said no must never be used
    because a header was spelled differently). Otherwise the spellings of
    ``survey.consent_column_if_present`` are used when the export has one.
    """
    required = [str(s) for s in survey_params.get("consent_column") or []]
    spellings = required or [str(s) for s in survey_params.get("consent_column_if_present") or []]
    found = _locate_headers(raw, header_rows, {normalise_text(s): "consent" for s in spellings})
    if required and not found:
        raise InputFileError(
            raw.source,
            f"the consent column set in survey.consent_column ({'; '.join(_shorten(s) for s in required)}) "
            "is not in the export's headers, so consent cannot be checked.",
            "the consent question's header as the export writes it (case, spaces and punctuation do not matter), "
            "or an empty survey.consent_column when the survey asks no consent question.",
        )
    return found.get("consent")


def _read_answers(column: pd.Series, item: str, codebook: Codebook) -> tuple[pd.Series, pd.Series]:
    """Values on the item's scale from labels (any language) or numbers in its range; a mask of unreadable answers."""
    lookup = codebook.answer_lookup(codebook.items[item].scale)
    values = map_unique(column, lambda v: lookup.get(normalise_text(v), np.inf))
    values = values.astype(float)
    bad = np.isinf(values)
    return values.where(~bad, np.nan), pd.Series(bad, index=column.index)


def _finished_rows(
    body: pd.DataFrame, meta: Mapping[str, int], shape: Mapping[str, Any]
) -> np.ndarray | None:
    """Which responses the tool marks as finished, or None when the export does not say.

    A ``finished`` column (Qualtrics) says it with true/1/yes; a shape with
    ``unsubmitted_is_incomplete: true`` (LimeSurvey) says it with a blank
    submission date.
    """
    if "finished" in meta:
        return fold(body.iloc[:, meta["finished"]]).isin(["true", "1", "yes"]).to_numpy()
    if shape.get("unsubmitted_is_incomplete") and "submitted_at" in meta:
        return body.iloc[:, meta["submitted_at"]].astype(str).str.strip().ne("").to_numpy()
    return None


STRAIGHT_LINING = "straight_lining"
FLAGGED = "flagged"


def _straight_liners(
    responses: pd.DataFrame,
    candidates: np.ndarray,
    items: list[str],
    source: str,
    rule: Mapping[str, Any],
    warnings: list[str],
) -> pd.DataFrame:
    """Responses with the same answer to every scored item: listed, and left out of the personas unless kept by the rule.

    Such a response says nothing about the person's attitudes; kept, it
    forms a persona of its own. Its person is then placed from HR data like
    a non-respondent.
    """
    if not rule.get("check", True):
        return concat_rejects([])
    answers = responses[items].to_numpy(dtype=float)
    finite = np.isfinite(answers)
    answered = finite.sum(axis=1)
    high = np.where(finite, answers, -np.inf).max(axis=1, initial=-np.inf)
    low = np.where(finite, answers, np.inf).min(axis=1, initial=np.inf)
    same = candidates & (answered >= int(rule["min_items"])) & (high == low)
    if not same.any():
        return concat_rejects([])
    values = [
        f"{v:g} to all {n} items answered" for v, n in zip(high[same], answered[same], strict=True)
    ]
    exclude = bool(rule["exclude"])
    warning = (
        f"{source}: {int(same.sum())} responses give the same answer to every item (straight-lining); "
        + (
            "left out of the personas and placed from HR data (survey.straight_lining.exclude)."
            if exclude
            else "kept in the personas as survey.straight_lining.exclude is false."
        )
    )
    logger.warning(warning)
    warnings.append(warning)
    return rejects_frame(
        source,
        responses.loc[same, ROW],
        "(items)",
        values,
        STRAIGHT_LINING,
        ROW_REJECTED if exclude else FLAGGED,
    )


def parse_survey(
    survey_raw: RawTable, questionnaire: Mapping[str, Any], survey_params: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read a survey export of any known shape into one row per response.

    Returns the responses (respondent keys, submission time, raw answers on each item's scale
    before reverse-coding, free text), the rejects (``incomplete`` rows and
    unreadable answers, which are set missing) and what was detected.
    """
    codebook = Codebook.from_params(questionnaire)
    shape_name = _detect_shape(survey_raw, survey_params["shapes"])
    shape = survey_params["shapes"][shape_name]
    header_rows = survey_header_rows(survey_raw, shape)
    items = _locate_items(survey_raw, header_rows, codebook)
    scored = [i for i in codebook.scored_items if i in items]
    if len(scored) < survey_params["min_item_share"] * len(codebook.scored_items):
        raise InputFileError(
            survey_raw.source,
            f"only {len(scored)} of the questionnaire's {len(codebook.scored_items)} items were found in the "
            f"headers (detected shape: {shape_name}); this is not the adoption-readiness survey.",
            "one column per questionnaire item headed by its id (SM1), its English or its Hebrew text "
            "(conf/base/parameters_questionnaire.yml).",
        )
    missing_items = [i for i in codebook.scored_items if i not in items]
    if missing_items:
        logger.warning(
            "%s: items %s are not in the export; they count as unanswered.",
            survey_raw.source,
            missing_items,
        )

    header = [str(h) for h in survey_raw.cells.iloc[0].tolist()]
    body = survey_raw.cells.iloc[header_rows:].reset_index(drop=True)
    rows = survey_raw.row_numbers[header_rows:]
    meta = locate_columns(
        header,
        {
            k: shape.get(k, [])
            for k in ["respondent_id", "email", "submitted_at", "finished", "progress"]
        },
    )
    anonymous = "respondent_id" not in meta and "email" not in meta
    link = survey_params.get("roster_link") or {}
    if anonymous:
        logger.warning(
            "%s: the %s export names nobody (no employee id or email column): an anonymous survey. Personas come "
            "from the answers; employees are typed on %s.",
            survey_raw.source,
            shape_name,
            ", ".join(link)
            if link
            else "nothing (no survey.roster_link: run `segmentation inspect` to write one)",
        )

    responses = pd.DataFrame({ROW: rows})
    for key in ["respondent_id", "email"]:
        responses[key] = body.iloc[:, meta[key]].astype(str) if key in meta else ""
    keys = [k for k in ["respondent_id", "email"] if k in meta]
    rejects = clean_id_columns(
        responses, keys, survey_raw.source, rows, {k: header[meta[k]] for k in keys}
    )
    responses["email"] = email_key(responses["email"])
    warnings: list[str] = list(survey_raw.details.get("warnings", []))
    check_single_id_column(
        header,
        body,
        rows,
        {k: shape.get(k, []) for k in keys},
        survey_raw.source,
        f"survey.shapes.{shape_name} in conf/base/parameters_ingestion.yml",
        warnings,
    )
    responses["submitted_at"] = pd.NaT
    if "submitted_at" in meta:
        stamps = body.iloc[:, meta["submitted_at"]]
        where = f"{survey_raw.source} column {header[meta['submitted_at']]} (survey.shapes.{shape_name}.dayfirst)"
        dayfirst, warning = date_order(stamps, shape.get("dayfirst", False), where)
        if warning:
            logger.warning(warning)
            warnings.append(warning)
        responses["submitted_at"], unread = parse_dates(stamps, dayfirst)
        # kept, but its time is unknown: an older submission of the same person may then be the one kept
        rejects.append(
            rejects_frame(
                survey_raw.source,
                rows[unread.to_numpy()],
                header[meta["submitted_at"]],
                stamps[unread],
                "invalid_date",
                VALUE_SET_MISSING,
            )
        )
    if anonymous:
        for field_name, linked in _linked_answers(header, body, link, survey_raw.source).items():
            responses[f"{LINKED_PREFIX}{field_name}"] = linked.to_numpy()
    for item in scored:
        column = body.iloc[:, items[item]]
        values, bad = _read_answers(column, item, codebook)
        responses[item] = values.to_numpy()
        if bad.any():
            rejects.append(
                rejects_frame(
                    survey_raw.source,
                    rows[bad.to_numpy()],
                    header[items[item]] or item,
                    column[bad],
                    "answer_not_in_scale",
                    ANSWER_SET_MISSING,
                )
            )
    for item in missing_items:
        responses[item] = np.nan
    for item in codebook.text_items:
        responses[item] = body.iloc[:, items[item]].astype(str).to_numpy() if item in items else ""

    answered = responses[codebook.scored_items].notna().sum(axis=1)
    incomplete = answered < survey_params["min_answered_share"] * len(codebook.scored_items)
    finished = _finished_rows(body, meta, shape)
    if finished is not None:
        unfinished = ~finished
        flag = meta["finished"] if "finished" in meta else meta["submitted_at"]
        values = (
            body.iloc[:, flag][unfinished].astype(str)
            if "finished" in meta
            else pd.Series(["not submitted"] * int(unfinished.sum()))
        )
        if (
            "progress" in meta
        ):  # how far they got: "False (progress 40)", "not submitted (last page 3)"
            where = header[meta["progress"]].strip().lower()
            values = [
                f"{f} ({where} {p})"
                for f, p in zip(values, body.iloc[:, meta["progress"]][unfinished], strict=True)
            ]
        rejects.append(
            rejects_frame(survey_raw.source, rows[unfinished], header[flag], values, "incomplete")
        )
        incomplete = incomplete & finished
    rejects.append(
        rejects_frame(
            survey_raw.source,
            rows[incomplete.to_numpy()],
            "(items)",
            [f"{n} of {len(codebook.scored_items)} items answered" for n in answered[incomplete]],
            "incomplete",
        )
    )
    consent = _locate_consent(survey_raw, header_rows, survey_params)
    if consent is not None:
        column = body.iloc[:, consent]
        yes = {normalise_text(v) for v in survey_params["consent_yes"]}
        refused = ~fold(column).isin(yes).to_numpy() & ~incomplete.to_numpy()
        if finished is not None:
            refused &= finished
        rejects.append(
            rejects_frame(
                survey_raw.source,
                rows[refused],
                header[consent] or "(consent)",
                column[refused],
                "no_consent",
            )
        )
    rejected_so_far = concat_rejects(rejects)
    still_in = (
        ~responses[ROW]
        .isin(rejected_so_far.loc[rejected_so_far["action"] == ROW_REJECTED, "row"])
        .to_numpy()
    )
    rejects.append(
        _straight_liners(
            responses,
            still_in,
            scored,
            survey_raw.source,
            survey_params["straight_lining"],
            warnings,
        )
    )
    all_rejects = concat_rejects(rejects)
    rejected_rows = all_rejects.loc[all_rejects["action"] == ROW_REJECTED, "row"]
    used = responses[~responses[ROW].isin(rejected_rows)].reset_index(drop=True)
    detected = {
        "warnings": warnings,
        "file": survey_raw.source,
        "shape": shape_name,
        "header_rows": header_rows,
        "rows_read": len(responses),
        "items_found": len(scored),
        "items_missing": missing_items,
        "consent_column": header[consent] if consent is not None else None,
        "anonymous": anonymous,
    }
    logger.info(
        "Survey %s: %s export, %d responses, %d items found.",
        survey_raw.source,
        shape_name,
        len(responses),
        len(scored),
    )
    return used, all_rejects, detected


def _linked_answers(
    header: list[str], body: pd.DataFrame, link: Mapping[str, Any], source: str
) -> dict[str, pd.Series]:
    """Each linked demographic's answers as the roster category they stand for (None: not typed on).

    ``survey.roster_link.<field>`` names the question (``column``, header
    spellings) and either ``bands`` (age: answer -> [from, below) years) or
    ``values`` (answer -> the roster's value). A linked question missing from
    the export stops the run: typing on it silently would be wrong.
    """
    out = {}
    for field_name, spec in link.items():
        found = locate_columns(header, {field_name: spec.get("column", [])})
        if field_name not in found:
            raise InputFileError(
                source,
                f"survey.roster_link.{field_name} names a question that is not in the export ({spec.get('column')}).",
                "the question's header as the export writes it, or remove the link (conf: survey.roster_link).",
            )
        keys = spec.get("bands") if "bands" in spec else spec.get("values") or {}
        lookup = {
            normalise_text(answer): (answer if "bands" in spec else str(value))
            for answer, value in keys.items()
        }
        out[field_name] = map_unique(
            body.iloc[:, found[field_name]], lambda v, lookup=lookup: lookup.get(normalise_text(v))
        )
    return out


def anonymous_pids(respondent_keys: pd.Series, key: str) -> pd.Series:
    """Pseudonymous ids of anonymous responses: a keyed hash of the file and row, never an employee's."""
    return pseudonymous_ids(respondent_keys, key)


def match_respondents(
    responses: pd.DataFrame,
    roster: pd.DataFrame,
    roster_rejected_keys: list[str],
    survey_detected: Mapping[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join responses to the roster by employee id, else by email; keep each employee's latest.

    Rejects ``id_email_conflict`` (the id is one employee's, the email
    another's), ``unknown_employee`` (no roster match), ``employee_rejected_in_roster``
    (the match is a roster row that was itself rejected) and
    ``duplicate_response`` (an older submission by the same employee).
    An anonymous export is joined to nobody: every response is kept, keyed by
    its file and row (``respondent_key``), with no employee id.
    """
    source = survey_detected["file"]
    if survey_detected.get("anonymous"):
        used = responses.assign(
            employee_id=None, respondent_key=[f"anonymous:{source}:{r}" for r in responses[ROW]]
        )
        return used.reset_index(drop=True), concat_rejects([])
    by_id = pd.Series(
        is_in(responses["respondent_id"], roster["employee_id"].dropna()), index=responses.index
    )
    with_email = roster[roster["email_key"].notna()]
    # the last roster row of an email wins, as building a dict from them did
    with_email = with_email[~with_email["email_key"].duplicated(keep="last")]
    position = positions_in(responses["email"], with_email["email_key"])
    by_email = pd.Series(
        np.append(with_email["employee_id"].to_numpy(dtype=object), np.nan)[position],
        index=responses.index,
        dtype=object,
    )
    employee_id = responses["respondent_id"].where(by_id, by_email)
    # decided on the key columns; the wide answers are taken once, at the end
    matched = pd.DataFrame(
        {"employee_id": employee_id, "submitted_at": responses["submitted_at"], ROW: responses[ROW]}
    )
    rejects = []
    # an id naming one employee and an email naming another: which one answered is unknown
    conflict = (by_id & by_email.notna() & (by_email != responses["respondent_id"])).to_numpy()
    if conflict.any():
        rejects.append(
            rejects_frame(
                source,
                matched.loc[conflict, ROW],
                "respondent_id",
                [
                    f"{i} (the email {e} is employee {o}'s)"
                    for i, e, o in zip(
                        responses.loc[conflict, "respondent_id"],
                        responses.loc[conflict, "email"],
                        by_email[conflict],
                        strict=True,
                    )
                ],
                "id_email_conflict",
            )
        )
        matched = matched[~conflict]
    unmatched = matched["employee_id"].isna()
    if unmatched.any():
        named = responses.loc[matched.index[unmatched], ["respondent_id", "email"]]
        keys = named["respondent_id"].where(named["respondent_id"] != "", named["email"])
        rejected_roster = set(roster_rejected_keys)
        reason = keys.map(
            lambda k: "employee_rejected_in_roster" if k in rejected_roster else "unknown_employee"
        )
        column = np.where(named["respondent_id"] != "", "respondent_id", "email")
        for why in sorted(reason.unique()):
            pick = (reason == why).to_numpy()
            for col in sorted(set(column[pick])):
                sel = pick & (column == col)
                rejects.append(
                    rejects_frame(source, matched.loc[unmatched, ROW][sel], col, keys[sel], why)
                )
    matched = matched[~unmatched]
    order = matched.sort_values(["employee_id", "submitted_at", ROW], na_position="first")
    older = order.duplicated("employee_id", keep="last")
    rejects.append(
        rejects_frame(
            source,
            order.loc[older, ROW],
            "employee_id",
            order.loc[older, "employee_id"],
            "duplicate_response",
        )
    )
    kept = order[~older].sort_values(ROW)
    used = responses.loc[kept.index].assign(employee_id=kept["employee_id"]).reset_index(drop=True)
    return used, concat_rejects(rejects)


# --------------------------------------------------------------- pseudonymise
def _hmac_sha256_pads(secret: bytes) -> tuple[Any, Any]:
    """SHA-256 states after HMAC's inner and outer key blocks (RFC 2104), to copy for each message.

    ``hmac.digest`` hashes both 64-byte key blocks again for every id;
    copying the two states once hashed halves the work per id.
    """
    block = hashlib.sha256().block_size
    if len(secret) > block:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in secret))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in secret))
    return inner, outer


def pseudonymous_ids(employee_ids: pd.Series, key: str) -> pd.Series:
    """HMAC-SHA256 of the employee id under the secret key, shortened to 16 hex digits.

    Stable across waves for the same key, so panel members can be followed
    without their identity; irreversible without the key.
    """
    inner, outer = _hmac_sha256_pads(key.encode("utf-8"))
    size = PID_LENGTH // 2

    def pid(employee_id: str) -> str:
        message = inner.copy()
        message.update(employee_id.encode("utf-8"))
        keyed = outer.copy()
        keyed.update(message.digest())
        return keyed.digest()[:size].hex()

    # ids are (nearly) all distinct, so each is hashed as it comes
    values = employee_ids.astype(str).to_numpy(dtype=object)
    return pd.Series([pid(e) for e in values], index=employee_ids.index, dtype=object)


def _sorted_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame.sort_values(column).reset_index(drop=True)`` for a column of distinct texts.

    Arrow sorts the text in C (UTF-8 byte order is code-point order, as
    Python's); sorting Python strings through numpy took seconds per million.
    Pseudonymous ids (16 lower-case hex digits) sort as the 64-bit numbers
    they spell, in the same order; a column already in order is not moved.
    """
    try:
        text = pyarrow.array(frame[column], from_pandas=True)
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, pyarrow.ArrowNotImplementedError):
        text = None
    if text is None or text.null_count or not (
        pyarrow.types.is_string(text.type) or pyarrow.types.is_large_string(text.type)
    ):
        return frame.sort_values(column).reset_index(drop=True)
    if len(text) < 2 or pc.all(pc.less(text[:-1], text[1:])).as_py():
        return frame.reset_index(drop=True)  # distinct and in order already
    order = _hex_order(text, frame[column])
    if order is None:
        order = pc.sort_indices(text).to_numpy()
        in_order = text.take(order)
        if pc.any(pc.equal(in_order[:-1], in_order[1:])).as_py():  # ties: pandas' own order
            return frame.sort_values(column).reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)


def _hex_order(text: pyarrow.Array, values: pd.Series) -> np.ndarray | None:
    """Sorting order of distinct 16-digit lower-case hex texts, from the numbers they spell; None for other text."""
    lengths = pc.min_max(pc.binary_length(text)).as_py()
    if lengths["min"] != PID_LENGTH or lengths["max"] != PID_LENGTH:
        return None
    digits = "".join(values.to_numpy(dtype=object))
    if digits != digits.lower():
        return None
    try:
        numbers = np.frombuffer(bytes.fromhex(digits), dtype=">u8")
    except ValueError:
        return None
    if len(numbers) != len(text):
        return None
    order = np.argsort(numbers, kind="stable")
    if (np.diff(numbers[order]) == 0).any():
        return None  # not distinct
    return order


def _pids_of(values: pd.Series, employee_ids: pd.Series, pids: pd.Series) -> np.ndarray:
    """The pid of each value's employee (the first row of a repeated id), None where it names nobody."""
    found = np.append(pids.to_numpy(dtype=object), None)
    return found[positions_in(values, employee_ids.astype(str))]


def pseudonymise(
    roster: pd.DataFrame,
    matched_responses: pd.DataFrame,
    questionnaire: Mapping[str, Any],
    pseudonym_key: str,
    roster_params: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Replace ids, emails and names by a keyed hash from here on.

    Returns ``employees`` (HR fields, with the roster's declared
    ``hr_covariates`` after them), ``responses`` (raw answers) and
    ``open_text``, all keyed by ``pid`` only, and ``contacts``: the one table
    with clear identifiers, kept in memory for the nodes that write
    targeting lists.
    """
    codebook = Codebook.from_params(questionnaire)
    pid = pseudonymous_ids(roster["employee_id"], pseudonym_key)
    # a manager id is usually an employee id: reuse its pid rather than hashing it again
    managers = roster["manager_id"].fillna("").astype(str)
    manager_pid = pd.Series(
        _pids_of(managers, roster["employee_id"], pid), index=roster.index, dtype=object
    )
    unknown = (manager_pid.isna() & roster["manager_id"].notna()).to_numpy()
    if unknown.any():
        manager_pid[unknown] = pseudonymous_ids(managers[unknown], pseudonym_key).to_numpy()
    manager_pid = manager_pid.where(roster["manager_id"].notna(), None)
    employees = roster.assign(
        pid=pid,
        manager_pid=manager_pid,
        responded=is_in(roster["employee_id"], matched_responses["employee_id"]),
    )
    covariates = list((roster_params or {}).get("hr_covariates") or {})
    employees = _sorted_by(employees[[*EMPLOYEE_COLUMNS, *covariates]], "pid")
    answer_pids = _pids_of(matched_responses["employee_id"], roster["employee_id"], pid)
    anonymous = matched_responses["employee_id"].isna().to_numpy()
    if anonymous.any():
        answer_pids[anonymous] = anonymous_pids(
            matched_responses.loc[anonymous, "respondent_key"], pseudonym_key
        ).to_numpy()
    answers = matched_responses.assign(pid=answer_pids)
    responses = _sorted_by(answers[["pid", "submitted_at", *codebook.scored_items]], "pid")
    open_text = _sorted_by(answers[["pid", *codebook.text_items]], "pid")
    contacts = _sorted_by(
        roster.assign(pid=pid, manager_pid=manager_pid)[CONTACT_COLUMNS], "employee_id"
    )
    return employees, responses, open_text, contacts


def score_items(responses: pd.DataFrame, questionnaire: Mapping[str, Any]) -> pd.DataFrame:
    """Score answers for analysis: a reverse-coded item becomes ``min + max - answer`` on its scale."""
    codebook = Codebook.from_params(questionnaire)
    scored = responses.copy()
    for item in codebook.reverse_items:
        scored[item] = codebook.item_scale(item).reverse(scored[item])
    return scored


def link_demographics(
    employees: pd.DataFrame,
    matched_responses: pd.DataFrame,
    survey_params: Mapping[str, Any],
    wave: str,
    wave_date: str | None,
    pseudonym_key: str,
) -> pd.DataFrame:
    """Employees and anonymous respondents on the demographics the survey asked and the roster holds.

    One row per employee (their roster value, or age band for ``age``) and
    one per anonymous respondent (their answer's category), in columns
    ``linked_<field>``: the common ground on which the roster is typed when
    the survey names nobody. Empty (only ``pid``) for a named survey.
    """
    anonymous = (
        matched_responses["employee_id"].isna().to_numpy()
        if len(matched_responses)
        else np.zeros(0, dtype=bool)
    )
    link = survey_params.get("roster_link") or {}
    if not anonymous.any() or not link:
        return pd.DataFrame({"pid": pd.Series([], dtype=object)})
    at = resolve_wave_date(wave, wave_date)
    staff = pd.DataFrame({"pid": employees["pid"].to_numpy(dtype=object)})
    for field_name, spec in link.items():
        if "bands" in spec:
            age = (
                pd.to_numeric(employees["age"], errors="coerce").astype(float)
                if "age" in employees
                else at.year - pd.to_numeric(employees["birth_year"], errors="coerce").astype(float)
            )
            band = pd.Series([None] * len(employees), dtype=object)
            for label, (low, below) in spec["bands"].items():
                inside = (age >= float(low)) & (
                    age < (float("inf") if below is None else float(below))
                )
                band[inside.to_numpy() & band.isna().to_numpy()] = str(label)
            staff[f"{LINKED_PREFIX}{field_name}"] = band.to_numpy()
        else:
            allowed = {normalise_text(v): str(v) for v in (spec.get("values") or {}).values()}
            column = (
                employees[field_name]
                if field_name in employees
                else pd.Series([None] * len(employees))
            )
            staff[f"{LINKED_PREFIX}{field_name}"] = map_unique(
                column.astype(object),
                lambda v, a=allowed: a.get(normalise_text(v)) if v is not None else None,
            ).to_numpy()
    answers = matched_responses.loc[anonymous]
    respondents = pd.DataFrame(
        {"pid": anonymous_pids(answers["respondent_key"], pseudonym_key).to_numpy(dtype=object)}
    )
    for field_name in link:
        column = f"{LINKED_PREFIX}{field_name}"
        respondents[column] = answers[column].to_numpy(dtype=object) if column in answers else None
    return _sorted_by(pd.concat([staff, respondents], ignore_index=True), "pid")


# ----------------------------------------------------------------- accounting
def collect_rejects(
    roster_rejects: pd.DataFrame, survey_rejects: pd.DataFrame, match_rejects: pd.DataFrame
) -> pd.DataFrame:
    """All rejects in one table, in file and row order."""
    return (
        concat_rejects([roster_rejects, survey_rejects, match_rejects])
        .sort_values(["file", "row", "column"], kind="stable")
        .reset_index(drop=True)
    )


def summarise_ingestion(
    roster_detected: Mapping[str, Any],
    roster: pd.DataFrame,
    responses: pd.DataFrame,
    rejects: pd.DataFrame,
    survey_detected: Mapping[str, Any],
    active_statuses: Iterable[str],
) -> dict[str, Any]:
    """Rows read, used and rejected per file, and rejects by reason. The counts add up.

    The response rate's denominator is the roster's active employees
    (``active_statuses``, from ``globals.yml``).
    """
    row_rejects = rejects[rejects["action"] == "row_rejected"]
    cell_issues = rejects[rejects["action"] == ANSWER_SET_MISSING]
    cleaned = rejects[rejects["action"] == VALUE_CLEANED]

    def account(source: str, read: int, used: int) -> dict[str, Any]:
        mine = row_rejects[row_rejects["file"] == source]
        by_reason = {str(k): int(v) for k, v in mine["reason"].value_counts().sort_index().items()}
        rejected = int(len(mine))
        if read != used + rejected:
            raise AssertionError(
                f"row accounting for {source} does not add up: {read} read, {used} used, {rejected} rejected"
            )
        return {
            "file": source,
            "rows_read": read,
            "rows_used": used,
            "rows_rejected": rejected,
            "rejected_by_reason": by_reason,
        }

    files = {
        "roster": account(roster_detected["file"], int(roster_detected["rows_read"]), len(roster)),
        "survey": account(
            survey_detected["file"], int(survey_detected["rows_read"]), len(responses)
        ),
    }
    files["survey"].update(
        {
            "shape": survey_detected["shape"],
            "items_found": survey_detected["items_found"],
            "items_missing": survey_detected["items_missing"],
            "anonymous": bool(survey_detected.get("anonymous", False)),
        }
    )
    active = is_active(roster["employment_status"], active_statuses)
    if survey_detected.get("anonymous"):
        # nobody is named: the share of active employees that answered, if the survey went to this roster
        rate = len(responses) / max(1, int(active.sum()))
    else:
        rate = float(
            is_in(responses["employee_id"], roster.loc[active, "employee_id"]).sum()
        ) / max(1, int(active.sum()))
    if roster_detected.get("notes"):
        files["roster"]["notes"] = list(roster_detected["notes"])
    return {
        "files": files,
        "warnings": [*roster_detected.get("warnings", []), *survey_detected.get("warnings", [])],
        "rejects_by_reason": {
            str(k): int(v) for k, v in row_rejects["reason"].value_counts().sort_index().items()
        },
        "answers_set_missing": int(len(cell_issues)),
        "values_cleaned": int(len(cleaned)),
        "respondents": int(len(responses)),
        "employees": int(len(roster)),
        "response_rate_active": round(rate, 4),
    }
