"""Vectorised text, date and header parsing shared by the ingestion nodes.

Every function works on the *unique* values of a column and maps the result
back, so a million-row export costs a few thousand parses, not a million.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.codebook import normalise_text

REJECT_COLUMNS = ["file", "row", "column", "value", "reason", "action"]
ROW_REJECTED = "row_rejected"
# Excel's day 0 for serial dates (1900 date system, with its leap-year bug).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_SERIAL = re.compile(r"^\d{4,6}(\.\d+)?$")
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?$")


def map_unique(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``values.map(func)``, calling ``func`` once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.array([func(u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes] if len(codes) else [], index=values.index, dtype=object)


def fold(values: pd.Series) -> pd.Series:
    """Header-style folding (case, spaces, quotes, trailing punctuation)."""
    return map_unique(values, normalise_text)


def locate_columns(header: Iterable[Any], aliases: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Position of each canonical column whose alias appears in ``header``."""
    positions = {normalise_text(h): i for i, h in reversed(list(enumerate(header)))}
    found = {}
    for canonical, names in aliases.items():
        for name in [canonical, *names]:
            if normalise_text(name) in positions:
                found[canonical] = positions[normalise_text(name)]
                break
    return found


def _parse_one_date(text: str, dayfirst: bool, pivot: int) -> pd.Timestamp | None:
    text = text.strip()
    if not text:
        return None
    if _EXCEL_SERIAL.match(text):
        serial = float(text)
        # Serials 10000-120000 are the years 1927-2228; a bare year (1985)
        # is not a date and is left unparsed rather than guessed.
        if 10_000 <= serial <= 120_000:
            return (_EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")).round("s")
        return None
    match = _SLASHED.match(text)
    if match:
        a, b, year, hour, minute, second, ampm = match.groups()
        month, day = (int(b), int(a)) if dayfirst else (int(a), int(b))
        year_num = int(year)
        if len(year) == 2:
            year_num += 2000 if year_num < pivot else 1900
        hour_num = int(hour or 0)
        if ampm:
            hour_num = hour_num % 12 + (12 if ampm.lower() == "pm" else 0)
        try:
            return pd.Timestamp(year_num, month, day, hour_num, int(minute or 0), int(second or 0))
        except ValueError:
            return None
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, OverflowError):
        return None
    if stamp is pd.NaT:
        return None
    return stamp.tz_convert(None) if stamp.tzinfo else stamp


def parse_dates(values: pd.Series, dayfirst: bool = False, pivot: int = 30) -> tuple[pd.Series, pd.Series]:
    """Parse dates as exports write them; return the dates and a mask of unparseable text.

    Accepts ISO dates and date-times, ``m/d/yyyy`` (or ``d/m/yyyy`` with
    ``dayfirst``), two-digit years (below ``pivot`` -> 20xx), AM/PM times and
    Excel serial day numbers.
    """
    parsed = map_unique(values, lambda v: _parse_one_date(str(v), dayfirst, pivot))
    dates = pd.to_datetime(parsed, errors="coerce").astype("datetime64[ns]")
    bad = dates.isna() & values.astype(str).str.strip().ne("")
    return dates, bad


def rejects_frame(
    source: str,
    rows: Iterable[int],
    column: str,
    values: Iterable[Any],
    reason: str,
    action: str = ROW_REJECTED,
) -> pd.DataFrame:
    """Reject records in the shape of ``rejects.csv``."""
    rows = list(rows)
    return pd.DataFrame(
        {
            "file": [source] * len(rows),
            "row": pd.array(rows, dtype="int64"),
            "column": [column] * len(rows),
            "value": [("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)) for v in values],
            "reason": [reason] * len(rows),
            "action": [action] * len(rows),
        },
        columns=REJECT_COLUMNS,
    )


def empty_rejects() -> pd.DataFrame:
    return rejects_frame("", [], "", [], "")


def concat_rejects(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_rejects()
    return pd.concat(frames, ignore_index=True)[REJECT_COLUMNS]
