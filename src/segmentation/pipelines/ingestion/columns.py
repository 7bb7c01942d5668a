"""Where a raw export's columns are, and its identity columns cleaned: shared by the roster and the survey."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.datasets import RawTable
from segmentation.errors import InputFileError
from segmentation.parsing import (
    INVISIBLE_CHARACTERS_REASON,
    clean_ids,
    column_positions,
    rejects_frame,
    show_invisible,
)

logger = logging.getLogger(__name__)


ROW = "_row"  # the row number the user sees (Excel row or CSV line)
# a demographic the survey asked, in the roster's terms (survey.roster_link)
LINKED_PREFIX = "linked_"
ANSWER_SET_MISSING = "answer_set_missing"
VALUE_SET_MISSING = "value_set_missing"
VALUE_CLEANED = "value_cleaned"


def header_of(raw: RawTable) -> list[str]:
    """The first row's cells: the header."""
    return [str(h) for h in raw.head(1).iloc[0].tolist()]


def header_and_body(
    raw: RawTable, header_rows: int = 1
) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    header = header_of(raw)
    body = raw.cells.iloc[header_rows:].reset_index(drop=True)
    return header, body, raw.row_numbers[header_rows:]


def marked_first(chunks: Iterable[Any]) -> Iterator[tuple[bool, Any]]:
    """Each chunk with whether it is the first (which alone warns about what every chunk shares)."""
    for index, chunk in enumerate(chunks):
        yield index == 0, chunk


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks' frames as one, numbered from 0 (the one frame itself when there is one)."""
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


ID_COLUMNS = ["employee_id", "email", "manager_id"]


def check_single_id_column(
    header: list[str],
    body: pd.DataFrame,
    rows: np.ndarray,
    aliases: Mapping[str, list[str]],
    source: str,
    setting: str,
    warnings: list[str],
    warn: bool = True,
) -> None:
    """One column per identity: two that agree on every row are a warning, two that differ stop the run.

    Which of two differing id columns names the person cannot be guessed.
    A file read in chunks is checked chunk by chunk and warned about once
    (``warn`` for its first chunk only).
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
        if not warn:
            continue
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
    :func:`warn_cleaned_ids` says how many, once per file.
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
    return listed


def warn_cleaned_ids(source: str, listed: list[pd.DataFrame]) -> None:
    """One warning per id column whose values :func:`clean_id_columns` cleaned, with how many."""
    counts: dict[str, int] = {}
    for frame in listed:
        for column, count in frame["column"].value_counts(sort=False).items():
            counts[str(column)] = counts.get(str(column), 0) + int(count)
    for column, count in counts.items():
        logger.warning(
            "%s: %d %s values held invisible characters (direction marks, zero-width spaces, BOM); removed "
            "(listed in the rejects).",
            source,
            count,
            column,
        )
