"""The roster's rules: each failure a reject naming the column the user wrote, one reason per row.

The rules of one row run on each chunk of the roster as it is read; those
that need every row (duplicate ids and emails) or the whole roster's dates
(a date column's day/month order decides every date and age) run on the
typed roster afterwards. Each reject is ranked so that a row's first reason
is the one it would have had with the whole roster checked at once:
unreadable cells first (in :func:`unparsed_order`), then the rules, then
impossible hire dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from segmentation.parsing import concat_rejects, rejects_frame

from .columns import ROW
from .roster_typing import AGE_SOURCE, type_roster_dates, unparsed_order

Ranked = tuple[tuple, pd.DataFrame]  # (rank, rejects): the lower rank is a row's first reason


def _roster_schema(params: Mapping[str, Any], whole: bool) -> pa.DataFrameSchema:
    """The typed roster's rules. Checks are named after the reject reason they give.

    The rules of one row run on each chunk (``whole=False``); uniqueness, and
    the hire date and age (typed once the whole roster's dates are seen), on
    the whole roster.
    """
    if whole:
        low, high = params["age_range"]
        required = set(params["required_values"])
        return pa.DataFrameSchema(
            {
                # nulls are not duplicates (pandera), and are checked in the chunks
                "employee_id": pa.Column(
                    None, nullable=True, unique=True, report_duplicates="exclude_first"
                ),
                "email": pa.Column(
                    None, nullable=True, unique=True, report_duplicates="exclude_first"
                ),
                "hire_date": pa.Column("datetime64[ns]", nullable="hire_date" not in required),
                "age": pa.Column(
                    float,
                    nullable=False,
                    checks=pa.Check.in_range(
                        low, high, name="age_out_of_range", error="age_out_of_range"
                    ),
                ),
            },
            strict=False,
            coerce=False,
        )
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
        checks=pa.Check.str_length(min_value=1, name="missing_value", error="missing_value"),
    )
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


_REASON_BY_CHECK = {
    "not_nullable": "missing_value",
    "field_uniqueness": "duplicate_value",
    "not_allowed_value": "not_allowed_value",
    "age_out_of_range": "age_out_of_range",
    "missing_value": "missing_value",
}


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


def unparsed_rejects(
    source: str,
    typed: pd.DataFrame,
    table: pd.DataFrame,
    unparsed: pd.DataFrame,
    params: Mapping[str, Any],
) -> list[Ranked]:
    """A reject per cell that could not be read (a date, an allowed value, a number).

    An unreadable people-manager flag is not a reason to drop the person (the node warns).
    """
    order = unparsed_order(params)
    rejects = []
    for name in unparsed:
        bad = unparsed[name]
        if name == "is_people_manager":
            continue
        reason = (
            "invalid_date"
            if name.endswith("_date")
            else "not_allowed_value"
            if name in params["allowed_values"]
            else "invalid_value"
        )
        rejects.append(
            ((0, order.index(name)), _cell_rejects(source, typed, table, bad, name, reason))
        )
    return rejects


def schema_rejects(
    source: str,
    typed: pd.DataFrame,
    table: pd.DataFrame,
    unparsed: pd.DataFrame,
    mapped: list[str],
    params: Mapping[str, Any],
    whole: bool,
) -> list[Ranked]:
    """A reject per failure of the roster's rules (pandera), named after the column the user wrote.

    An age is blamed on the column it came from; a hire date on the tenure
    column when the roster gives tenure; a value that could not be parsed is
    already rejected with a sharper reason.
    """
    try:
        schema = _roster_schema(params, whole)
        # only the checked columns, not copied (pandera copies the frame unless inplace)
        schema.validate(typed[list(schema.columns)], lazy=True, inplace=True)
        failures = pd.DataFrame(columns=["column", "check", "index"])
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases.dropna(subset=["index"])
    rejects = []
    for (column, check), group in failures.groupby(["column", "check"], sort=True):
        rank = (1, str(column), str(check))
        index = group["index"].astype(int).unique()
        reason = _REASON_BY_CHECK.get(str(check), str(check))
        if reason == "duplicate_value":
            reason = f"duplicate_{column}"
        if column == "age":  # named after the column the age came from
            rejects.extend(
                (rank, frame)
                for frame in _age_rejects(source, typed, table, unparsed, index, reason)
            )
            continue
        if column == "hire_date" and "hire_date" not in mapped:
            column = next(c for c in params["tenure_columns"] if c in mapped)
        if column in unparsed:
            index = [i for i in index if not unparsed.at[i, column]]
        rejects.append((rank, _cell_rejects(source, typed, table, index, column, reason)))
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


def whole_roster_rejects(
    source: str,
    typed: pd.DataFrame,
    emails: pd.DataFrame,
    mapped: list[str],
    at: pd.Timestamp,
    params: Mapping[str, Any],
    warnings: list[str],
) -> list[Ranked]:
    """Dates and ages typed from the whole roster's text (into ``typed``), and the rules that need
    every row: unreadable dates, ages and tenure, duplicate ids and emails, ages out of range,
    impossible hire dates. ``emails`` are the email cells as written (for the rejects)."""
    text, unparsed = type_roster_dates(typed, params, at, mapped, source, warnings)
    written = text.assign(employee_id=typed["employee_id"], email=emails["email"])
    unparsed = pd.DataFrame(unparsed)
    return [
        *unparsed_rejects(source, typed, written, unparsed, params),
        *schema_rejects(source, typed, written, unparsed, mapped, params, whole=True),
        *(
            ((2, order), _cell_rejects(source, typed, written, bad, "hire_date", why))
            for order, (why, bad) in enumerate(_impossible_hire_dates(typed, at, params).items())
        ),
    ]


def one_reason_per_row(candidates: list[Ranked]) -> pd.DataFrame:
    """A row's first reason by rank (parsing problems before rule checks), the rows in order."""
    ordered = [frame for _, frame in sorted(candidates, key=lambda c: c[0])]  # stable
    return (
        concat_rejects(ordered)
        .drop_duplicates(subset=["file", "row"], keep="first")
        .sort_values("row", kind="stable")
        .reset_index(drop=True)
    )
