"""Targeting lists as the receiving tool imports them (the export presets).

A preset (``campaign.targeting.presets``) names the file's columns and where
their values come from, the separator, whether a header row and a byte-order
mark are written, and which values a row cannot be imported without. The
text is rendered here, in memory, so the node stays pure and a rerun on the
same data gives the same bytes; the catalog only writes it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.safe_export import neutralise_formulas

BYTE_ORDER_MARK = "\ufeff"
LIST_SEPARATOR = "__"
TAGS = "tags"
LIST_CHANNEL = "list_channel"


def list_name(group: str, channel: str) -> str:
    """File name (without suffix) of one campaign list: ``<persona_id>__<channel>``."""
    return f"{group}{LIST_SEPARATOR}{channel}"


def list_channel(name: str) -> str:
    return name.split(LIST_SEPARATOR, 1)[1] if LIST_SEPARATOR in name else ""


def preset_keep(
    rows: pd.DataFrame, preset: Mapping[str, Any], channel: str
) -> tuple[pd.DataFrame, pd.Series]:
    """``rows`` with the list's channel (and tags), and which rows have every required value."""
    source = rows.assign(**{LIST_CHANNEL: channel})
    if preset.get("tags"):
        source[TAGS] = _tags(source[list(preset["tags"])]) if len(source) else ""
    keep = pd.Series(True, index=source.index)
    for column in preset.get("required", []):
        keep &= source[column].fillna("").astype(str).str.strip().ne("")
    return source, keep


def _tags(values: pd.DataFrame) -> pd.Series:
    """The values of each row as text joined by commas (in Arrow when they are Arrow text without gaps)."""
    parts = values.astype(str)
    columns = [parts.iloc[:, i] for i in range(parts.shape[1])]
    if columns and all(
        isinstance(c.dtype, pd.StringDtype) and c.dtype.storage == "pyarrow" and not c.isna().any()
        for c in columns
    ):
        text = [pa.array(c.array).cast(pa.large_string()) for c in columns]
        joined = pc.binary_join_element_wise(*text, pa.scalar(",", pa.large_string()))
        return pd.Series(pd.array(joined, dtype=columns[0].dtype), index=values.index)
    return parts.agg(",".join, axis=1)


def preset_frame(
    rows: pd.DataFrame, preset: Mapping[str, Any], channel: str = ""
) -> tuple[pd.DataFrame, int]:
    """The rows in the preset's columns, and how many were left out for lacking a required value."""
    source, keep = preset_keep(rows, preset, channel)
    table = pd.DataFrame(
        {
            header: source.loc[keep, column].to_numpy()
            for header, column in preset["columns"].items()
        },
        columns=list(preset["columns"]),
    )
    return table, int((~keep).sum())


def _cells(values: pd.Series) -> Any:
    """A column's cells for a table; Arrow text stays Arrow text.

    Arrow text and the same text as Python strings (what ``to_numpy`` gives)
    make the same CSV and the same formula-safe cells, and Arrow's are made
    safe in C instead of one cell at a time.
    """
    if isinstance(values.dtype, pd.StringDtype):
        return values.array
    return values.to_numpy()


def preset_lines(
    rows: pd.DataFrame, preset: Mapping[str, Any], channel: str = ""
) -> tuple[str, Any, np.ndarray] | None:
    """``rows`` rendered once: the file's head (BOM, header), each row's CSV line, and which rows are kept.

    A list of any of these rows is the head followed by their kept lines, the
    same text ``render_table(preset_frame(...))`` gives, since every row's
    line depends on that row alone. ``None`` when a cell holds a line break
    (a row's text is then not one line).
    """
    source, keep = preset_keep(rows, preset, channel)
    table = pd.DataFrame(
        {header: _cells(source[column]) for header, column in preset["columns"].items()},
        columns=list(preset["columns"]),
    )
    head = render_table(table.iloc[0:0], preset)
    rows = render_rows(table, preset)
    if rows is not None:
        return head, rows, keep.to_numpy(dtype=bool)
    body = neutralise_formulas(table).to_csv(
        sep=preset["separator"], index=False, header=False, lineterminator="\n"
    )
    lines = body.split("\n")
    if len(lines) != len(table) + 1:
        return None
    return (
        head,
        np.array([line + "\n" for line in lines[:-1]], dtype=object),
        keep.to_numpy(dtype=bool),
    )


def join_lines(head: str, lines: Any, at: np.ndarray | None = None) -> str:
    """The file text of ``head`` and the lines at ``at`` (every line when ``None``), each
    with its line end; ``lines`` are Arrow text (joined in Arrow) or Python strings."""
    return "".join(
        piece if isinstance(piece, str) else piece.to_pybytes().decode("utf-8")
        for piece in line_pieces(head, lines, at)
    )


def line_pieces(head: str, lines: Any, at: np.ndarray | None = None) -> list[str | pa.Buffer]:
    """:func:`join_lines` as pieces to write one after the other: ``head``, then the lines'
    UTF-8 bytes as one Arrow buffer (Arrow text), not made into one Python string.

    The lines of an Arrow text array without gaps lie one after the other in its data
    buffer: their text is that buffer's slice, not a copy (a list of a million
    employees as one Python string cost its size two to four times over).
    """
    if isinstance(lines, np.ndarray):
        return [head + "".join((lines if at is None else lines[at]).tolist())]
    chosen = lines if at is None else lines.take(pa.array(at, type=pa.int64()))
    if not len(chosen):
        return [head]
    if chosen.null_count or not pa.types.is_large_string(chosen.type):
        one_list = pa.LargeListArray.from_arrays(pa.array([0, len(chosen)], pa.int64()), chosen)
        return [head, pc.binary_join(one_list, pa.scalar("", pa.large_string()))[0].as_buffer()]
    _, offsets, data = chosen.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[chosen.offset :: len(chosen)][:2]
    return [head, data.slice(int(bounds[0]), int(bounds[1] - bounds[0]))]


def render_table(table: pd.DataFrame, preset: Mapping[str, Any]) -> str:
    """CSV text in the preset's dialect, every cell safe to open in a spreadsheet."""
    rows = render_rows(table, preset)
    if rows is not None:
        return join_lines(render_table(table.iloc[0:0], preset), rows)
    text = neutralise_formulas(table).to_csv(
        sep=preset["separator"],
        index=False,
        header=bool(preset.get("header", True)),
        lineterminator="\n",
    )
    # A preamble is lines some import templates want above the header (Entra's "version:v1.0").
    preamble = "".join(f"{line}\n" for line in preset.get("preamble") or [])
    return (BYTE_ORDER_MARK if preset.get("byte_order_mark") else "") + preamble + text


def render_rows(table: pd.DataFrame, preset: Mapping[str, Any]) -> pa.Array | None:
    """Each row's CSV text (line end included, as Arrow text), formula-safe, as ``render_table`` writes it.

    Cells are joined in Arrow; a row with a cell the CSV writer would quote
    (separator, quote, line break; an empty only cell) is written by pandas.
    ``None`` for an empty table or columns other than Arrow text and floats.
    """
    if table.empty or not table.columns.is_unique:
        return None
    separator = preset["separator"]
    safe = neutralise_formulas(table)
    cells = []
    quoted = np.zeros(len(safe), dtype=bool)
    quoting = _any_of({separator, '"', "\r", "\n"})  # what the CSV writer quotes
    for column in safe.columns:
        values = safe[column]
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            text = pc.fill_null(pa.array(values.array), "")
            quoted |= np.asarray(
                pc.match_substring_regex(text, quoting).to_numpy(zero_copy_only=False), dtype=bool
            )
        elif values.dtype == np.float64:
            text = _float_cells(values.to_numpy())
        else:
            return None
        cells.append(text.cast(pa.large_string()))
    if len(cells) == 1:
        quoted |= np.asarray(
            pc.equal(pc.binary_length(cells[0]), 0).to_numpy(zero_copy_only=False), dtype=bool
        )
    empty = pa.scalar("", pa.large_string())
    rows = (
        pc.binary_join_element_wise(*cells, pa.scalar(separator, pa.large_string()))
        if len(cells) > 1
        else cells[0]
    )
    rows = pc.binary_join_element_wise(rows, empty, pa.scalar("\n", pa.large_string()))
    if isinstance(rows, pa.ChunkedArray):
        rows = rows.combine_chunks()
    special = np.flatnonzero(quoted)
    if len(special):
        written = pa.array(_pandas_rows(safe.iloc[special], separator), type=pa.large_string())
        rows = pc.replace_with_mask(rows, pa.array(quoted), written)
    return rows


def _any_of(characters: set[str]) -> str:
    """A regular expression matching any of ``characters`` (one pass instead of one per character)."""
    return "[" + "".join(f"\\{c}" if c in "\\]^-[" else c for c in sorted(characters)) + "]"


def _float_cells(numbers: np.ndarray) -> pa.Array:
    """Numbers as the CSV writer shows them (Python's repr; missing as nothing), as Arrow text.

    Each distinct number is written once (a list's confidences have a few
    hundred values); a negative zero, which a look-up would merge with zero,
    is written one by one.
    """
    if np.any((numbers == 0) & np.signbit(numbers)):
        shown = numbers.astype(str).astype(object)
        shown[np.isnan(numbers)] = ""
        return pa.array(shown, type=pa.large_string())
    codes, uniques = pd.factorize(numbers)
    distinct = pa.array([*uniques.astype(str).tolist(), ""], type=pa.large_string())
    return distinct.take(pa.array(np.where(codes < 0, len(uniques), codes)))


def _pandas_rows(safe: pd.DataFrame, separator: str) -> list[str]:
    """Each row's CSV text as pandas writes it (for the rows with quoted cells)."""

    def write(frame: pd.DataFrame) -> str:
        return frame.to_csv(sep=separator, index=False, header=False, lineterminator="\n")

    lines = write(safe).split("\n")
    if len(lines) == len(safe) + 1:
        return [line + "\n" for line in lines[:-1]]
    return [write(safe.iloc[[i]]) for i in range(len(safe))]
