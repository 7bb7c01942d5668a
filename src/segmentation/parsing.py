"""Vectorised text, date and header parsing shared by the ingestion nodes.

Every function works on the *unique* values of a column and maps the result
back, so a million-row export costs a few thousand parses, not a million.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.codebook import normalise_text
from segmentation.safe_export import CONTROL_CHARACTERS

REJECT_COLUMNS = ["file", "row", "column", "value", "reason", "action"]
# Text held by Arrow (pandas' ``str``): a million ids cost their bytes, not a
# million Python strings (about 60 bytes each more).
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
ROW_REJECTED = "row_rejected"
# Excel's day 0 for serial dates (1900 date system, with its leap-year bug).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_SERIAL = re.compile(r"^\d{4,6}(\.\d+)?$")
# No date an export writes is longer ("Tuesday, 29 September 2026 11:45:23.123456 PM +05:30" is
# 53); longer text is left unparsed without asking dateutil, whose reading takes time that grows
# with the square of the length (a 1 MB cell in a date column: 15 s).
_LONGEST_DATE = 80
_SLASHED = re.compile(
    r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?$"
)


def map_unique(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``values.map(func)``, calling ``func`` once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.array([func(u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes] if len(codes) else [], index=values.index, dtype=object)


def map_unique_text(values: pd.Series, func: Callable[[Any], str | None]) -> pd.Series:
    """:func:`map_unique` for a ``func`` that gives text (or None): the result is Arrow text
    (:data:`TEXT`, missing where ``func`` gives None), taken in Arrow from the distinct results."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = pa.array([func(u) for u in uniques], type=pa.large_string())
    return pd.Series(pd.array(mapped.take(codes), dtype=TEXT), index=values.index)


def _arrow_strings(values: Any) -> pa.Array | pa.ChunkedArray | None:
    """``values`` as an Arrow string array, or None when they are not all text (or missing)."""
    if isinstance(values, (set, frozenset)):
        values = list(values)
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    if pa.types.is_null(array.type):
        return array.cast(pa.large_string())
    return array if pa.types.is_string(array.type) or pa.types.is_large_string(array.type) else None


def large_text(values: pd.Series) -> pa.Array:
    """A column's cells as one Arrow ``large_string`` array, blank where missing.

    Arrow-backed text (what the raw readers give) goes across without being
    turned into a million Python strings and back.
    """
    values = values.fillna("") if values.hasnans else values
    array = _arrow_strings(values)
    if array is None:
        array = pa.array(values.astype(str).to_numpy(dtype=object), type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def is_in(values: Any, pool: Any) -> np.ndarray:
    """``values.isin(pool)`` as a boolean array.

    Text goes through Arrow's hash lookup: pandas' ``isin`` on Arrow-backed
    strings converts every pool value in Python, which made a lookup in a
    million ids cost seconds. Anything else falls back to pandas.
    """
    left, right = _arrow_strings(values), _arrow_strings(pool)
    if left is None or right is None:
        pool = list(pool) if isinstance(pool, (set, frozenset)) else pool
        return (
            pd.Series(
                np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values
            )
            .isin(pool)
            .to_numpy(dtype=bool)
        )
    if isinstance(right, pa.ChunkedArray):
        right = right.combine_chunks()
    found = pc.is_in(left, value_set=right.cast(left.type))
    return np.asarray(
        found.to_numpy(zero_copy_only=False) if isinstance(found, pa.Array) else found.to_numpy(),
        dtype=bool,
    )


def positions_in(values: Any, pool: Any) -> np.ndarray:
    """Position in ``pool`` of each value (of its first occurrence), -1 where it is not there.

    ``pd.Index(pool).get_indexer(values)`` for text, through Arrow's hash
    lookup rather than a hash table of a million Python strings.
    """
    left, right = _arrow_strings(values), _arrow_strings(pool)
    if left is None or right is None:
        pool = pd.Index(np.asarray(pool, dtype=object))
        first = ~pool.duplicated(keep="first")
        found = pool[first].get_indexer(np.asarray(values, dtype=object))
        return np.where(found >= 0, np.flatnonzero(first)[found], -1)
    if isinstance(right, pa.ChunkedArray):
        right = right.combine_chunks()
    found = pc.fill_null(pc.index_in(left, value_set=right.cast(left.type)), -1)
    return np.asarray(
        found.to_numpy(zero_copy_only=False) if isinstance(found, pa.Array) else found.to_numpy(),
        dtype=np.int64,
    )


def replace_control_characters(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``values`` with every control character (CR, LF, NUL, ...) made a space, and which cells changed.

    A line break inside an identity or a label is never meant: it is what a
    hostile or broken export uses to start a row of its own downstream.
    """
    text = large_text(values)
    changed = np.asarray(
        pc.match_substring_regex(text, CONTROL_CHARACTERS.pattern).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    if not changed.any():
        return values, changed
    cleaned = values.copy()
    cleaned[changed] = values[changed].map(lambda v: CONTROL_CHARACTERS.sub(" ", v).strip())
    return cleaned, changed


_TRAILING_ZERO_DECIMALS = re.compile(r"^([0-9]+)\.0+$")


def _id_key(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(c for c in text if not (c.isspace() or unicodedata.category(c) in ("Cf", "Cc")))
    text = _TRAILING_ZERO_DECIMALS.sub(r"\1", text)
    if text.isascii() and text.isdigit():
        text = text.lstrip("0") or "0"
    return text


def id_key(values: pd.Series) -> pd.Series:
    """Employee ids as a spreadsheet may have mangled them, folded to compare.

    Ids are text and ``00123`` is not ``123`` (the data contract); this key is
    for a second look when an exact match fails, on a file a person may have
    opened and saved in Excel: spaces and invisible characters dropped,
    full-width digits made ASCII (NFKC), ``123.0`` read as ``123`` and an
    all-digit id without its leading zeros.
    """
    text = values.fillna("").astype(str)
    arrow = pa.array(text.to_numpy(dtype=object), type=pa.large_string())
    # Printable ASCII without spaces (nearly every id) is folded in Arrow: NFKC and
    # the dropped characters leave it as it is; any other text goes through _id_key.
    plain = np.asarray(
        pc.match_substring_regex(arrow, r"^[!-~]*$").to_numpy(zero_copy_only=False), dtype=bool
    )
    keys = pc.replace_substring_regex(arrow, _TRAILING_ZERO_DECIMALS.pattern, r"\1")
    unpadded = pc.utf8_ltrim(keys, "0")
    keys = pc.if_else(
        pc.match_substring_regex(keys, r"^[0-9]+$"),
        pc.if_else(pc.equal(unpadded, ""), "0", unpadded),
        keys,
    )
    folded = np.asarray(keys.to_numpy(zero_copy_only=False), dtype=object)
    others = np.flatnonzero(~plain)
    if len(others):
        folded[others] = map_unique(text.iloc[others], _id_key).to_numpy()
    return pd.Series(folded, index=values.index, dtype=object)


# Characters a person cannot see but a computer compares: bidirectional marks
# (LRM, RLM, ALM, embeddings, isolates), zero-width spaces and joiners, the
# word joiner, the BOM and the soft hyphen. Hebrew spreadsheets carry them.
INVISIBLE_CHARACTERS = (
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
INVISIBLE_CHARACTERS_REASON = "invisible_characters"


def show_invisible(value: str) -> str:
    """``value`` with each invisible character written as ``<U+200F>``, so a listing shows what was removed."""
    return re.sub(INVISIBLE_CHARACTERS, lambda m: f"<U+{ord(m.group()):04X}>", str(value))


def clean_ids(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Ids and emails as a person reads them, and which cells changed.

    The one normaliser for every file an id or email is read from (roster,
    survey, activity log, opt-outs): invisible characters removed, Unicode
    compatibility forms folded (full-width digits become digits, NFKC) and
    surrounding spaces stripped, so that ``\u200f00017`` matches ``00017``.
    Leading zeros and case are kept (emails are folded where they are compared).
    """
    text = large_text(values)
    cleaned = pc.utf8_trim_whitespace(
        pc.utf8_normalize(pc.replace_substring_regex(text, INVISIBLE_CHARACTERS, ""), "NFKC")
    )
    changed = np.asarray(
        pc.not_equal(cleaned, pc.utf8_trim_whitespace(text)).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    return pd.Series(pd.array(cleaned, dtype=TEXT), index=values.index), changed


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


def column_positions(header: Iterable[Any], aliases: Iterable[str]) -> list[int]:
    """Every position of ``header`` whose folded text is one of ``aliases``."""
    wanted = {normalise_text(a) for a in aliases}
    return [i for i, h in enumerate(header) if normalise_text(h) in wanted]


def _parse_one_date(text: str, dayfirst: bool, pivot: int) -> pd.Timestamp | None:
    text = text.strip()
    if not text or len(text) > _LONGEST_DATE:
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


# Shapes that a strict format parses exactly as _parse_one_date does; the
# rest (two-digit years, AM/PM, serials, time zones, ...) go one by one.
# Groups: year, month and day (ISO) or first and second (d/m or m/d), time.
_TIME = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})"
_COMMON_DATE_SHAPES = (
    (r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$", "%Y-%m-%d", "%Y-%m-%d"),
    (
        r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}) (?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})$",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ),
    (r"^(?P<first>\d{1,2})/(?P<second_part>\d{1,2})/(?P<year>\d{4})$", "%m/%d/%Y", "%d/%m/%Y"),
    (
        r"^(?P<first>\d{1,2})/(?P<second_part>\d{1,2})/(?P<year>\d{4}) "
        + _TIME
        + r":(?P<second>\d{2})$",
        "%m/%d/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
    ),
    (
        r"^(?P<first>\d{1,2})/(?P<second_part>\d{1,2})/(?P<year>\d{4}) " + _TIME + "$",
        "%m/%d/%Y %H:%M",
        "%d/%m/%Y %H:%M",
    ),
)
# Parts inside these bounds make the same date from the parts as the format
# does (or none for both: 30 February); others go through the format.
_PART_RANGES = {
    "year": (1700, 2200),
    "month": (1, 12),
    "day": (1, 31),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}


def _date_parts(parts: pa.StructArray, dayfirst: bool) -> dict[str, np.ndarray]:
    """Year, month, day, hour, minute and second of matched dates as numbers (0 for a time not given)."""
    found = {
        name: pc.cast(parts.field(name), pa.int64()).to_numpy(zero_copy_only=False)
        for name in (parts.type.field(i).name for i in range(parts.type.num_fields))
    }
    if "first" in found:
        first, second = found.pop("first"), found.pop("second_part")
        found["month"], found["day"] = (second, first) if dayfirst else (first, second)
    zeros = np.zeros(len(parts), dtype=np.int64)
    return {name: found.get(name, zeros) for name in _PART_RANGES}


def _as_nanoseconds(stamps: pd.Series) -> np.ndarray:
    """Parsed dates as datetime64[ns]; one that nanoseconds cannot hold (before 1677 or after
    2262, e.g. a hire date typed as 1650) becomes NaT, so it is rejected as unparseable
    instead of stopping the run."""
    stamps = pd.Series(stamps)
    inside = (stamps >= pd.Timestamp.min) & (stamps <= pd.Timestamp.max)
    return stamps.where(inside).astype("datetime64[ns]").to_numpy()


def _parse_common_dates(values: pd.Series, dayfirst: bool) -> pd.Series:
    """Dates of the common export shapes, parsed in bulk; NaT elsewhere.

    The parts are cut out by Arrow and put together by pandas; the rare date
    with a part out of the usual range (a leap second, year 0001) is read by
    the strict format, as all were before.
    """
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    try:
        text = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return pd.Series(out, index=values.index)
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        return pd.Series(out, index=values.index)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = pc.utf8_trim_whitespace(text)
    # the shapes exclude each other: each is looked for among the cells no earlier one matched
    todo = np.flatnonzero(np.asarray(pc.fill_null(pc.binary_length(text), 0)) > 0)
    text = text.take(pa.array(todo))
    for pattern, monthfirst, dayfirst_format in _COMMON_DATE_SHAPES:
        if not len(todo):
            break
        parts = pc.extract_regex(text, pattern)
        mask = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        if not mask.any():
            continue
        numbers = _date_parts(parts.filter(pa.array(mask)), dayfirst)
        usual = np.logical_and.reduce(
            [(numbers[n] >= low) & (numbers[n] <= high) for n, (low, high) in _PART_RANGES.items()]
        )
        parsed = np.full(len(usual), np.datetime64("NaT"), dtype="datetime64[ns]")
        parsed[usual] = pd.to_datetime(
            pd.DataFrame({n: v[usual] for n, v in numbers.items()}), errors="coerce"
        ).to_numpy(dtype="datetime64[ns]")
        if not usual.all():
            rare = pd.Series(text.filter(pa.array(mask)).filter(pa.array(~usual)).to_pylist())
            parsed[~usual] = _as_nanoseconds(
                pd.to_datetime(
                    rare, format=dayfirst_format if dayfirst else monthfirst, errors="coerce"
                )
            )
        out[todo[mask]] = parsed
        todo, text = todo[~mask], text.filter(pa.array(~mask))
    return pd.Series(out, index=values.index)


_SLASHED_PARTS = r"^\s*(?P<first>\d{1,2})[/.](?P<second>\d{1,2})[/.]\d{2,4}"


def date_order(values: pd.Series, configured_dayfirst: bool, where: str) -> tuple[bool, str | None]:
    """Whether a column's ``a/b/yyyy`` dates are day-first, decided from the column itself; and a warning to show.

    A first part above 12 can only be a day, a second part above 12 only a
    day: the column's dates then tell their order. When every such date could
    be read either way (no part above 12), the configured order is used and
    the warning says so; when the column mixes both orders, the more common
    one wins and the others become invalid dates.
    """
    text = large_text(values)
    parts = pc.extract_regex(text, _SLASHED_PARTS)
    valid = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if not valid.any():
        return configured_dayfirst, None
    parts = parts.filter(pa.array(valid))
    first = pc.cast(parts.field("first"), pa.int32()).to_numpy(zero_copy_only=False)
    second = pc.cast(parts.field("second"), pa.int32()).to_numpy(zero_copy_only=False)
    day_first, month_first = (
        int(((first > 12) & (second <= 12)).sum()),
        int(((second > 12) & (first <= 12)).sum()),
    )
    configured = "day-first (dd/mm/yyyy)" if configured_dayfirst else "month-first (mm/dd/yyyy)"
    if day_first and month_first:
        dayfirst = day_first >= month_first
        return dayfirst, (
            f"{where}: dates are written both day-first ({day_first}) and month-first ({month_first}); read "
            f"{'day' if dayfirst else 'month'}-first, the others are rejected as invalid_date."
        )
    if day_first or month_first:
        return bool(day_first), None
    if (first != second).any():
        return configured_dayfirst, (
            f"{where}: every d/m date could be read day-first or month-first (none has a part above 12); "
            f"read {configured} as configured (dayfirst: {str(configured_dayfirst).lower()})."
        )
    return configured_dayfirst, None


def parse_dates(
    values: pd.Series, dayfirst: bool = False, pivot: int = 30
) -> tuple[pd.Series, pd.Series]:
    """Parse dates as exports write them; return the dates and a mask of unparseable text.

    Accepts ISO dates and date-times, ``m/d/yyyy`` (or ``d/m/yyyy`` with
    ``dayfirst``), two-digit years (below ``pivot`` -> 20xx), AM/PM times and
    Excel serial day numbers.
    """
    dates = _parse_common_dates(values, dayfirst)
    todo = dates.isna().to_numpy()
    if todo.any():
        rest = values[todo]
        parsed = map_unique(rest, lambda v: _parse_one_date(str(v), dayfirst, pivot))
        dates[todo] = _as_nanoseconds(pd.to_datetime(parsed, errors="coerce"))
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
            "value": [
                ("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
                for v in values
            ],
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
