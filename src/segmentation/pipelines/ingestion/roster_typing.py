"""The roster's text cells as typed values: allowed categories, dates, ages, tenure, flags."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.codebook import normalise_text
from segmentation.contacts import email_key
from segmentation.parsing import (
    TEXT,
    date_order,
    map_unique,
    map_unique_text,
    parse_dates,
)

logger = logging.getLogger(__name__)


def _canonical_values(
    values: pd.Series, allowed: list[str], aliases: Mapping[str, str]
) -> pd.Series:
    """Fold spelling and case onto the allowed values; others become missing."""
    lookup = {normalise_text(v): v for v in allowed}
    lookup.update({normalise_text(k): v for k, v in (aliases or {}).items()})
    return map_unique_text(values, lambda v: lookup.get(normalise_text(v)))


def type_roster_rows(
    table: pd.DataFrame, params: Mapping[str, Any]
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The columns each row types on its own (ids, names, units, categories, covariates, flags),
    and what could not be parsed; dates, ages and tenure stay text for :func:`type_roster_dates`.

    A roster read in chunks is typed here a chunk at a time.
    """
    typed = table.copy(deep=False)  # every typed column replaces its text one
    unparsed: dict[str, pd.Series] = {}
    _type_identities(typed, table)
    _type_categories(typed, table, params, unparsed)
    for name, spec in (params.get("hr_covariates") or {}).items():
        if spec.get("kind", "categorical") == "numeric":
            typed[name], unparsed[name] = _numbers(table[name])
        else:
            typed[name] = _blank_is_none(table[name])
    flags = _people_manager_flags(table["is_people_manager"], params["booleans"])
    unparsed["is_people_manager"] = flags.isna()
    typed["is_people_manager"] = flags.fillna(False).astype(bool)
    return typed, unparsed


DATE_TEXT_COLUMNS = [
    "hire_date",
    "birth_date",
    "birth_year",
    "age",
    "tenure_years",
    "tenure_months",
]


def type_roster_dates(
    typed: pd.DataFrame,
    params: Mapping[str, Any],
    at: pd.Timestamp,
    mapped: list[str],
    source: str = "roster",
    warnings: list[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Hire and birth dates, age and birth year from the whole roster's text (a date column's
    day/month order is decided from all its cells); the text as written, and what could not be parsed.

    Date-order warnings go to ``warnings``.
    """
    text = typed[DATE_TEXT_COLUMNS].copy(deep=False)
    unparsed: dict[str, pd.Series] = {}
    _type_dates(typed, text, params, source, warnings if warnings is not None else [], unparsed)
    _type_age(typed, text, at, mapped, unparsed)
    typed["hire_date"] = _hire_dates(typed["hire_date"], text, unparsed, at)
    return text, unparsed


def unparsed_order(params: Mapping[str, Any]) -> list[str]:
    """The order in which a row's unreadable cells are looked at: the first names its reject."""
    numeric = [
        name
        for name, spec in (params.get("hr_covariates") or {}).items()
        if spec.get("kind", "categorical") == "numeric"
    ]
    return [*params["allowed_values"], *DATE_TEXT_COLUMNS, *numeric, "is_people_manager"]


IDENTITY_COLUMNS = [
    "employee_id",
    "email",
    "first_name",
    "last_name",
    "department",
    "org_unit",
    "site",
    "manager_id",
    "gender",
]


def _blank_is_none(values: pd.Series) -> pd.Series:
    """Arrow text, missing for a blank cell (Python strings cost a million objects a column)."""
    text = values.astype(TEXT)
    return text.where(text != "")


def _type_identities(typed: pd.DataFrame, table: pd.DataFrame) -> None:
    """Ids, names and units as text (None when blank); the email as its matching key."""
    for name in IDENTITY_COLUMNS:
        typed[name] = _blank_is_none(table[name])
    typed["email_key"] = _roster_email_keys(typed["email"])
    typed["email"] = typed["email_key"]


def _type_categories(
    typed: pd.DataFrame,
    table: pd.DataFrame,
    params: Mapping[str, Any],
    unparsed: dict[str, pd.Series],
) -> None:
    """Allowed values (aliases folded onto them); a blank language is the default one."""
    for name, allowed in params["allowed_values"].items():
        typed[name] = _canonical_values(table[name], allowed, params["value_aliases"].get(name))
        unparsed[name] = typed[name].isna() & table[name].ne("")
    typed["language"] = typed["language"].where(
        table["language"].ne(""), params["default_language"]
    )


def _type_dates(
    typed: pd.DataFrame,
    table: pd.DataFrame,
    params: Mapping[str, Any],
    source: str,
    warnings: list[str],
    unparsed: dict[str, pd.Series],
) -> None:
    """Hire and birth dates, in the day/month order each column shows (or the configured one)."""
    for name in ["hire_date", "birth_date"]:
        dayfirst, warning = date_order(
            table[name], params["dayfirst"], f"{source} column {name} (roster.dayfirst)"
        )
        if warning:
            logger.warning(warning)
            warnings.append(warning)
        typed[name], unparsed[name] = parse_dates(
            table[name], dayfirst, params["two_digit_year_pivot"]
        )


def _type_age(
    typed: pd.DataFrame,
    table: pd.DataFrame,
    at: pd.Timestamp,
    mapped: list[str],
    unparsed: dict[str, pd.Series],
) -> None:
    """Age at the wave's date and birth year, from a birth date, else a birth year, else an age.

    ``AGE_SOURCE`` names the column each age came from, so that a rejected
    age is listed under the column the user wrote.
    """
    given_year = map_unique(
        table["birth_year"],
        lambda v: pd.to_numeric(re.sub(r"\.0$", "", v), errors="coerce"),
    ).astype(float)
    unparsed["birth_year"] = given_year.isna() & table["birth_year"].ne("")
    given_age, unparsed["age"] = _numbers(table["age"])
    born = typed["birth_date"]
    typed["age"] = pd.Series(
        np.select(
            [born.notna(), given_year.notna()],
            [(at - born).dt.days / 365.25, at.year - given_year.astype(float)],
            default=given_age.to_numpy(dtype=float),
        ),
        index=typed.index,
        dtype=float,
    )
    unknown = next(
        c for c in ["age", "birth_year", "birth_date"] if c in mapped
    )  # blamed for a row without any
    typed[AGE_SOURCE] = np.select(
        [born.notna(), given_year.notna(), given_age.notna()],
        ["birth_date", "birth_year", "age"],
        default=unknown,
    )
    # the birth year of the source the age came from; an age in years stands for
    # the birth year that gives it at the wave's date (completed years)
    year = born.dt.year.astype(float)
    year = year.where(year.notna(), given_year).where(
        lambda y: y.notna(), at.year - np.floor(given_age)
    )
    typed["birth_year"] = year.round().astype("Int64")


def _people_manager_flags(values: pd.Series, booleans: Mapping[str, list[str]]) -> pd.Series:
    """True/False from the configured spellings of yes and no; None where unreadable."""
    truthy = {
        normalise_text(v): flag == "true" for flag, spellings in booleans.items() for v in spellings
    }
    return map_unique(values, lambda v: truthy.get(normalise_text(v)))


def _roster_email_keys(emails: pd.Series) -> pd.Series:
    """Roster emails folded by :func:`~segmentation.contacts.email_key` (the one rule); None where blank."""
    keys = email_key(emails).astype(TEXT)
    return keys.where(keys != "")


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
