"""Kedro datasets for the raw exports that HR and survey tools write.

:class:`TabularExportDataset` reads a roster, survey, activity or opt-out
file *as the user sees it*: every cell as text, no header interpretation, and
the row number the user would look up (the Excel row, or the CSV line). Shape
detection and column mapping happen in pure nodes, so they are testable on
in-memory tables, and the dataset only opens files.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import logging
import pickle
import re
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from segmentation.errors import InputFileError
from segmentation.memory import release_free_memory

logger = logging.getLogger(__name__)

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class RawTable:
    """A file's cells as text, with the row numbers the user sees.

    ``cells`` has default integer column labels (header rows included, not
    interpreted) and ``''`` for empty cells; ``row_numbers[i]`` is the Excel
    row or CSV line on which ``cells`` row ``i`` starts.

    Nodes that go through a file once read it with :meth:`head` (the header
    rows) and :meth:`body_chunks` (the rows below, a chunk at a time), so that
    a table read in chunks (:class:`StreamedCsvTable`) is never held whole.
    """

    def __init__(
        self,
        source: str,
        file_format: str,
        cells: pd.DataFrame,
        row_numbers: np.ndarray,
        present: bool = True,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.source = source
        self.file_format = file_format
        self._cells = cells
        self.row_numbers = row_numbers
        self.present = present
        self.details = details if details is not None else {}

    @property
    def cells(self) -> pd.DataFrame:
        return self._cells

    @cells.setter
    def cells(self, value: pd.DataFrame) -> None:
        self._cells = value

    @classmethod
    def absent(cls, source: str) -> RawTable:
        """Stands for an optional file that is not there."""
        return cls(source, "none", pd.DataFrame(), np.array([], dtype=np.int64), present=False)

    def head(self, rows: int) -> pd.DataFrame:
        """The first ``rows`` rows of cells (the header rows and a few below)."""
        return self.cells.iloc[:rows]

    def body_chunks(self, header_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        """The rows below the ``header_rows`` header rows, with their row numbers; here in one chunk."""
        yield self.cells.iloc[header_rows:].reset_index(drop=True), self.row_numbers[header_rows:]


def excel_cell_text(value: Any) -> str:
    """Text of an Excel cell as the user reads it (``3`` not ``3.0``, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return (
            value.isoformat(sep=" ")
            if (value.hour, value.minute, value.second) != (0, 0, 0)
            else value.date().isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _excel_column_text(values: np.ndarray) -> np.ndarray:
    """``excel_cell_text`` of every cell of a column, calling it once per distinct value of each type.

    Values are grouped by type first, so that ``True``, ``1`` and ``1.0`` (equal
    in Python) never share a text; text cells are already what the user sees.
    """
    kinds = np.fromiter(map(type, values), dtype=object, count=len(values))
    distinct = set(kinds)
    if distinct == {str}:
        return values
    out = np.empty(len(values), dtype=object)
    for kind in distinct:
        mask = kinds == kind
        part = values[mask]
        if kind is str:
            out[mask] = part
            continue
        codes, uniques = pd.factorize(part, use_na_sentinel=False)
        out[mask] = np.array([excel_cell_text(u) for u in uniques], dtype=object)[codes]
    return out


def _excel_cells_text(rows: list[list[Any]]) -> pd.DataFrame:
    """A sheet's rows as a frame of text cells, short rows padded with ``''``."""
    width = max(len(r) for r in rows)
    grid = np.empty((len(rows), width), dtype=object)
    if all(len(r) == width for r in rows):
        grid[:] = rows  # one C-level copy; calamine gives rectangular sheets
    else:
        grid.fill("")
        for i, row in enumerate(rows):
            grid[i, : len(row)] = row
    columns = {j: _excel_column_text(grid[:, j]) for j in range(width)}
    cells = pd.DataFrame(columns, dtype=str)
    cells.columns = pd.RangeIndex(width)
    return cells


def _as_user_sees(path: Path) -> Path:
    """The path relative to the project folder when inside it, as a user would type it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


_CHUNK = 1 << 24  # bytes of a file read at a time where the whole file is not needed at once


def _newlines_before_end(raw: bytes | Path) -> int:
    """Line feeds in a file's text (bytes, or a path read in chunks), its trailing line breaks left out."""
    if isinstance(raw, bytes):
        end = len(raw)  # without the trailing line breaks (not copied: a bytes slice would be)
        while end and raw[end - 1] in b"\r\n":
            end -= 1
        return raw.count(b"\n", 0, end)
    count, trailing = 0, 0  # line feeds in all, and in the run of line breaks the text ends with
    with open(raw, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            count += chunk.count(b"\n")
            body = chunk.rstrip(b"\r\n")
            trailing = chunk.count(b"\n", len(body)) + (0 if body else trailing)
    return count - trailing


def _csv_line_numbers(raw: bytes | Path, cells: pd.DataFrame) -> np.ndarray:
    """CSV line on which each parsed record starts, counting quoted newlines."""
    n_rows = len(cells)
    plain = np.arange(1, n_rows + 1, dtype=np.int64)
    if _newlines_before_end(raw) + 1 == n_rows:
        return plain
    # Some quoted cells span lines: shift each record by the newlines before it.
    newlines = np.zeros(n_rows, dtype=np.int64)
    for column in cells.columns:
        newlines += cells[column].str.count("\n").to_numpy(dtype=np.int64)
    return plain + np.concatenate([[0], np.cumsum(newlines)[:-1]])


def _blank_rows(cells: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty; only rows blank so far are looked at in the next column."""
    blank = np.ones(len(cells), dtype=bool)
    for column in cells.columns:
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        blank[candidates] = (cells[column].iloc[candidates] == "").to_numpy(dtype=bool)
    return blank


def _arrow_csv_options(header_line: str, sep: str, block_size: int | None = None) -> dict[str, Any]:
    """Arrow CSV options that give the cells as the pandas reader would: every cell text, ``''`` for empty."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    width = len(next(csv.reader([header_line], delimiter=sep)))
    names = [f"c{i}" for i in range(width)]
    read = pa_csv.ReadOptions(column_names=names, encoding="utf8")
    if block_size:
        read.block_size = block_size
    return {
        "read_options": read,
        "parse_options": pa_csv.ParseOptions(
            delimiter=sep, newlines_in_values=True, ignore_empty_lines=False
        ),
        "convert_options": pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            check_utf8=True,
        ),
    }


def _arrow_refusals() -> tuple[type[Exception], ...]:
    import pyarrow as pa

    return (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError)


def _text_frame(table: Any) -> pd.DataFrame:
    """An Arrow table of text columns as a frame of pandas text columns 0..n-1, not copied."""
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.DataFrame(
        {
            i: pd.Series(pd.arrays.ArrowStringArray(table.column(i)), dtype=dtype, copy=False)
            for i in range(table.num_columns)
        }
    )


def _read_csv_arrow(raw: bytes | Path, header_line: str, sep: str = ",") -> pd.DataFrame | None:
    """Cells of a well-formed UTF-8 CSV (its bytes, or its path) through Arrow's multi-threaded reader, or None.

    Gives the same cells as the pandas reader below (every cell text, ``''``
    for empty, quoted newlines kept). Anything Arrow refuses (rows that do not
    line up, blank lines, bytes that are not UTF-8) returns None, and the
    pandas reader then reads the file and words the problem.
    """
    import pyarrow.csv as pa_csv

    try:
        table = pa_csv.read_csv(
            io.BytesIO(raw) if isinstance(raw, bytes) else str(raw),
            **_arrow_csv_options(header_line, sep),
        )
    except _arrow_refusals():
        return None
    return _text_frame(table)


def _chunk_line_numbers(cells: pd.DataFrame, first_line: int) -> tuple[np.ndarray, int]:
    """The line each record of a chunk starts on, counting quoted line breaks; and the next chunk's first line."""
    newlines = np.zeros(len(cells), dtype=np.int64)
    for column in cells.columns:
        text = cells[column]
        if text.str.contains("\n", regex=False).any():
            newlines += text.str.count("\n").to_numpy(dtype=np.int64)
    before = np.cumsum(newlines) - newlines  # line breaks inside the records before each one
    numbers = first_line + np.arange(len(cells), dtype=np.int64) + before
    return numbers, first_line + len(cells) + int(newlines.sum())


def _without_blank_rows(
    cells: pd.DataFrame, numbers: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    blank = _blank_rows(cells)
    if blank.any():
        return cells.loc[~blank].reset_index(drop=True), numbers[~blank]
    return cells, numbers


class StreamedCsvTable(RawTable):
    """A CSV export read a chunk of rows at a time by Arrow's streaming reader, never held whole.

    :meth:`head` and :meth:`body_chunks` read the file as they go; row
    numbers count quoted line breaks across chunks. ``cells`` and
    ``row_numbers`` read the whole file (once) for the nodes that want it
    whole. What Arrow refuses (rows that do not line up, blank lines, bytes
    that are not UTF-8) is read from there on by ``whole``, the whole-file
    reader, which reads what it can and words the problem.
    """

    BLOCK_BYTES = 1 << 22  # bytes Arrow parses at a time; chunks gather blocks up to ``chunk_rows``

    def __init__(
        self,
        path: Path,
        skipped: int,
        header_line: str,
        sep: str,
        chunk_rows: int,
        whole: Callable[[], tuple[pd.DataFrame, np.ndarray]],
        details: dict[str, Any],
    ) -> None:
        super().__init__(
            str(path), "csv", pd.DataFrame(), np.array([], dtype=np.int64), details=details
        )
        self._path, self._skipped, self._header_line, self._sep = path, skipped, header_line, sep
        self._chunk_rows = max(1, int(chunk_rows))
        self._whole = whole
        self._whole_table: tuple[pd.DataFrame, np.ndarray] | None = None
        self._head: pd.DataFrame | None = None

    def _read_whole(self) -> tuple[pd.DataFrame, np.ndarray]:
        if self._whole_table is None:
            self._whole_table = _without_blank_rows(*self._whole())
        return self._whole_table

    @property
    def cells(self) -> pd.DataFrame:
        return self._read_whole()[0]

    @cells.setter
    def cells(self, value: pd.DataFrame) -> None:  # set (empty) by RawTable.__init__ only
        pass

    @property
    def row_numbers(self) -> np.ndarray:
        return self._read_whole()[1]

    @row_numbers.setter
    def row_numbers(self, value: np.ndarray) -> None:  # set (empty) by RawTable.__init__ only
        pass

    def _arrow_chunks(self, chunk_rows: int) -> Iterator[pd.DataFrame]:
        import pyarrow as pa
        import pyarrow.csv as pa_csv

        with open(self._path, "rb") as handle:
            if self._skipped:
                handle.readline()
            reader = pa_csv.open_csv(
                handle, **_arrow_csv_options(self._header_line, self._sep, self.BLOCK_BYTES)
            )
            batches, rows = [], 0
            for batch in reader:
                batches.append(batch)
                rows += batch.num_rows
                if rows >= chunk_rows:
                    yield _text_frame(pa.Table.from_batches(batches))
                    batches, rows = [], 0
            if batches:
                yield _text_frame(pa.Table.from_batches(batches))

    def _records(self, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        """Every record (header rows included) with its line, chunk by chunk, blank rows left out."""
        line, done = 1 + self._skipped, 0
        try:
            for cells in self._arrow_chunks(chunk_rows):
                numbers, line = _chunk_line_numbers(cells, line)
                done += len(cells)
                yield _without_blank_rows(cells, numbers)
                del cells
                release_free_memory()
        except _arrow_refusals():
            # the records read so far held no blank line (Arrow refuses those), so
            # the whole-file reader's record ``done`` is the next one
            cells, numbers = self._whole()
            for start in range(done, len(cells), chunk_rows):
                part = cells.iloc[start : start + chunk_rows].reset_index(drop=True)
                yield _without_blank_rows(part, numbers[start : start + chunk_rows])

    def head(self, rows: int) -> pd.DataFrame:
        if self._head is None or len(self._head) < rows:
            parts, found = [], 0
            for cells, _ in self._records(max(rows, 1)):
                parts.append(cells)
                found += len(cells)
                if found >= rows:
                    break
            self._head = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return self._head.iloc[:rows]

    def body_chunks(self, header_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        """The rows below the header rows, ``chunk_rows`` or a few more at a time (at least one chunk)."""
        skip, given = header_rows, False
        for cells, numbers in self._records(self._chunk_rows):
            if skip:
                taken = min(skip, len(cells))
                cells, numbers, skip = (
                    cells.iloc[taken:].reset_index(drop=True),
                    numbers[taken:],
                    skip - taken,
                )
            if len(cells):
                given = True
                yield cells, numbers
        if not given:
            yield self.head(header_rows).iloc[:0], np.array([], dtype=np.int64)


def _fields(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _is_title_line(lines: list[str]) -> bool:
    """A first line with a single cell above a header of several that the next line's row matches."""
    if len(lines) < 2 or len([f for f in _fields(lines[0]) if f.strip()]) != 1:
        return False
    width = len(_fields(lines[1]))
    return width >= 3 and (len(lines) < 3 or len(_fields(lines[2])) == width)


def _parser_problem(exc: Exception, skipped: int) -> str:
    """The CSV reader's complaint in plain words ("line 3 has 5 cells where the header has 3")."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if found:
        expected, line, saw = (int(g) for g in found.groups())
        return f"line {line + skipped} has {saw} cells where the header has {expected}"
    return str(exc).strip().replace("Error tokenizing data. C error: ", "")


class TabularExportDataset(AbstractDataset[None, RawTable]):
    """Reads an xlsx (python-calamine) or csv export into a :class:`RawTable`.

    ``filepath`` may name the file or its stem (``data/01_raw/hr/roster``):
    with a stem the dataset picks ``roster.xlsx`` or ``roster.csv``, whichever
    exists. Read-only: the pipeline never rewrites raw inputs.

    With ``chunk_rows``, a UTF-8 csv is not read at load: the node gets a
    :class:`StreamedCsvTable` that reads it ``chunk_rows`` rows at a time, as
    kedro-datasets' pandas ``CSVDataset`` hands over a chunked reader, so a
    node that types each chunk never holds the export's text whole. An xlsx
    is read whole (Excel stops at 1,048,576 rows).
    """

    def __init__(
        self,
        filepath: str,
        role: str = "input",
        optional: bool = False,
        sheet: int | str = 0,
        chunk_rows: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = PurePosixPath(filepath)
        self._role = role
        self._optional = optional
        self._sheet = sheet
        self._chunk_rows = chunk_rows
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "role": self._role,
            "optional": self._optional,
            "chunk_rows": self._chunk_rows,
        }

    def _save(self, data: None) -> None:
        raise DatasetError(f"{self._filepath} is a raw input; the pipeline never writes it.")

    def _exists(self) -> bool:
        try:
            return self._resolve() is not None
        except InputFileError:
            return True

    def _resolve(self) -> Path | None:
        path = Path(self._filepath)
        if path.suffix.lower() in EXCEL_SUFFIXES + CSV_SUFFIXES:
            return path if path.is_file() else None
        found = [
            path.with_suffix(s)
            for s in EXCEL_SUFFIXES + CSV_SUFFIXES
            if path.with_suffix(s).is_file()
        ]
        if len(found) > 1:
            raise InputFileError(
                str(path),
                f"found {len(found)} {self._role} files ({', '.join(p.name for p in found)}).",
                "exactly one; remove or rename the others.",
            )
        return found[0] if found else None

    def _load(self) -> RawTable:
        path = self._resolve()
        if path is not None:
            path = _as_user_sees(path)
        if path is None:
            if self._optional:
                logger.info(
                    "No %s file at %s.*; continuing without it.", self._role, self._filepath
                )
                return RawTable.absent(str(self._filepath))
            raise InputFileError(
                f"{_as_user_sees(Path(self._filepath))}.xlsx|.csv"
                if not Path(self._filepath).suffix
                else str(_as_user_sees(Path(self._filepath))),
                f"the {self._role} file does not exist.",
                "the file at the path of the data contract (see README, 'Data contract').",
            )
        if path.stat().st_size == 0:
            raise InputFileError(
                str(path), "the file is empty.", f"a {self._role} export with a header row."
            )
        logger.info("Reading %s file %s", self._role, path)
        if path.suffix.lower() in EXCEL_SUFFIXES:
            return self._load_excel(path)
        return self._load_csv(path)

    def _load_excel(self, path: Path) -> RawTable:
        from python_calamine import CalamineError, CalamineWorkbook

        with open(path, "rb") as handle:
            magic = handle.read(8)
        if magic.startswith(_OLE_MAGIC):
            raise InputFileError(
                str(path),
                "the workbook is password-protected (encrypted) or an old binary .xls.",
                "an unprotected .xlsx: open it in Excel, remove the password (File > Info > Protect Workbook) and save as .xlsx.",
            )
        if not magic.startswith(_ZIP_MAGIC):
            raise InputFileError(
                str(path),
                "the file is not a valid Excel workbook (corrupt or another format).",
                "an .xlsx saved by Excel, Microsoft Forms or Google Sheets.",
            )
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            sheet = (
                workbook.get_sheet_by_name(self._sheet)
                if isinstance(self._sheet, str)
                else workbook.get_sheet_by_index(self._sheet)
            )
            rows = sheet.to_python(skip_empty_area=False)
        except (CalamineError, ValueError, IndexError, OSError) as exc:
            raise InputFileError(
                str(path),
                f"the workbook cannot be read ({exc}).",
                "an .xlsx saved by Excel, Microsoft Forms or Google Sheets.",
            ) from exc
        if not rows or all(all(excel_cell_text(v) == "" for v in row) for row in rows):
            raise InputFileError(
                str(path),
                f"the first sheet ('{sheet.name}') is empty.",
                f"a {self._role} table on the first sheet with a header row.",
            )
        cells = _excel_cells_text(rows)
        return RawTable(
            str(path),
            "xlsx",
            cells,
            np.arange(1, len(cells) + 1, dtype=np.int64),
            details={"sheet": sheet.name},
        )

    def _load_csv(self, path: Path) -> RawTable:
        with open(path, "rb") as handle:
            start = handle.read(65536)
        encoding = self._encoding_of(start)
        head = start.decode(encoding, errors="replace").lstrip("\ufeff")
        if not head.strip():
            raise InputFileError(
                str(path), "the file is empty.", f"a {self._role} export with a header row."
            )
        if re.match(r"\s*<(!doctype html|html|head|body)\b", head, re.IGNORECASE):
            raise InputFileError(
                str(path),
                "this is a web page, not a CSV export (it starts with HTML).",
                "the file the tool exports (its 'Export' or 'Download as CSV'), not a page saved from the browser.",
            )
        lines = head.splitlines()
        sep, skipped, warnings = ",", 0, []
        hint = re.fullmatch(r'\s*"?sep=(.)"?\s*', lines[0])
        if hint:  # Excel's separator hint: honoured
            sep, skipped = hint.group(1), 1
            warnings.append(
                f"{path}: the first line 'sep={sep}' is Excel's separator hint; read with that separator, the header on line 2."
            )
        elif _is_title_line(lines):
            skipped = 1
            warnings.append(
                f"{path}: the first line ('{lines[0].strip()[:60]}') looks like a title, not a header; "
                "skipped, the header read from line 2."
            )
        for warning in warnings:
            logger.warning(warning)
        if skipped:
            lines = lines[1:]
            if not lines:
                raise InputFileError(
                    str(path),
                    "the file has no header after its first line.",
                    f"a {self._role} export with a header row.",
                )
        if sep == ",":
            self._check_delimiter(path, lines[0])
        title = (
            head.splitlines()[0].strip()
            if skipped or _is_title_line(head.splitlines()[:2])
            else None
        )

        def whole() -> tuple[pd.DataFrame, np.ndarray]:
            return self._read_csv_records(
                path, encoding, lines[0], sep, skipped, None if hint else title
            )

        details = {"encoding": encoding, "warnings": warnings}
        if self._chunk_rows and encoding == "utf-8-sig":
            return StreamedCsvTable(path, skipped, lines[0], sep, self._chunk_rows, whole, details)
        cells, numbers = _without_blank_rows(*whole())
        return RawTable(str(path), "csv", cells, numbers, details=details)

    def _read_csv_records(
        self,
        path: Path,
        encoding: str,
        first_line: str,
        sep: str,
        skipped: int,
        title: str | None,
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Every record of the file (blank ones too) and the line it starts on.

        The file itself is read by Arrow, which needs no copy of its bytes; only
        a file whose first line is skipped, or that Arrow refuses, is read into
        memory.
        """
        raw: bytes | Path = path
        if skipped:
            raw = path.read_bytes()
            raw = raw[raw.index(b"\n") + 1 :] if b"\n" in raw else b""
        cells = _read_csv_arrow(raw, first_line, sep) if encoding == "utf-8-sig" else None
        if cells is not None:
            return cells, _csv_line_numbers(raw, cells) + skipped
        if not isinstance(raw, bytes):
            raw = raw.read_bytes()
        try:
            # Cells stay pandas strings (Arrow-backed when pyarrow is present):
            # a million-row export then costs bytes, not Python objects.
            cells = pd.read_csv(
                io.BytesIO(raw),
                header=None,
                dtype=str,
                keep_default_na=False,
                encoding=encoding,
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
                sep=sep,
            )
        except UnicodeDecodeError as exc:
            raise InputFileError(
                str(path),
                f"the file is not UTF-8 text (byte {exc.start}).",
                "a CSV saved as 'CSV UTF-8' (Excel) or exported by the survey tool, or an .xlsx.",
            ) from exc
        except pd.errors.ParserError as exc:
            body = raw.decode(encoding, errors="replace")
            raise InputFileError(
                str(path),
                (
                    f"the first line ('{title[:60]}') looks like a title, with the header expected on line 2, but "
                    if title
                    else ""
                )
                + f"the rows do not line up with the header: {_parser_problem(exc, skipped)}."
                + (
                    " Lines carry ';' separators: the file looks re-saved by a spreadsheet with another list separator."
                    if sep == "," and ";" in body[len(first_line) : 65536]
                    else ""
                ),
                "a comma-separated export as the survey tool or HR system wrote it, one header row, "
                "and every row with as many cells as the header.",
            ) from exc
        return cells, _csv_line_numbers(raw, cells) + skipped

    @staticmethod
    def _encoding_of(raw: bytes) -> str:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        return "utf-8-sig"

    @staticmethod
    def _check_delimiter(path: Path, header_line: str) -> None:
        fields = {sep: len(next(csv.reader([header_line], delimiter=sep))) for sep in ",;\t"}
        best = max(fields, key=fields.get)
        if best != "," and fields[best] > fields[","]:
            name = {";": "semicolon (;)", "\t": "tab"}[best]
            raise InputFileError(
                str(path),
                f"the file is {name}-separated ({fields[best]} columns that way, {fields[',']} with commas).",
                "a comma-separated CSV: re-export it from the tool, or save it from Excel as 'CSV UTF-8 (Comma delimited)'.",
            )


class SpreadsheetSafeCSVDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """Writes a CSV whose text cannot run as a spreadsheet formula.

    Used for every file a person opens in Excel (rejects, targeting lists).
    ``sep`` and ``encoding`` follow the receiving tool (``utf-8-sig`` writes
    the BOM Excel needs to read UTF-8). Line endings are ``\\n`` and the
    row order is the frame's, so identical inputs give byte-identical files.
    Control characters in a cell become spaces; ``keep_line_breaks`` keeps
    line breaks (written quoted) where people read the file in a spreadsheet.
    """

    def __init__(
        self,
        filepath: str,
        sep: str = ",",
        encoding: str = "utf-8",
        keep_line_breaks: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = Path(filepath)
        self._sep = sep
        self._encoding = encoding
        self._keep_line_breaks = keep_line_breaks
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "sep": self._sep,
            "encoding": self._encoding,
            "keep_line_breaks": self._keep_line_breaks,
        }

    def _save(self, data: pd.DataFrame) -> None:
        from segmentation.safe_export import neutralise_formulas

        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        neutralise_formulas(data, self._keep_line_breaks).to_csv(
            self._filepath, sep=self._sep, index=False, encoding=self._encoding, lineterminator="\n"
        )

    def _load(self) -> pd.DataFrame:
        return pd.read_csv(
            self._filepath, sep=self._sep, dtype=str, keep_default_na=False, encoding=self._encoding
        )

    def _exists(self) -> bool:
        return self._filepath.is_file()


class TextPiecesDataset(AbstractDataset[Any, str]):
    """A UTF-8 text file written from a string or from pieces (strings and buffers of UTF-8
    bytes, such as Arrow's), one after the other, exactly as given (no line-end translation).

    The targeting lists of a million employees are written from the Arrow buffer
    their rows were rendered into, without first becoming one Python string.
    """

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}

    def _save(self, data: Any) -> None:
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        with open(self._filepath, "wb") as out:
            for piece in [data] if isinstance(data, str) else data:
                out.write(piece.encode("utf-8") if isinstance(piece, str) else memoryview(piece))

    def _load(self) -> str:
        return self._filepath.read_text(encoding="utf-8")

    def _exists(self) -> bool:
        return self._filepath.is_file()


def model_signing_key(pseudonym_key: str) -> bytes:
    """The key that signs saved models: derived from the pseudonymisation key, never that key itself."""
    return hmac.new(
        str(pseudonym_key).encode("utf-8"), b"segmentation: signing saved models", hashlib.sha256
    ).digest()


class SignedPickleDataset(AbstractDataset[Any, Any]):
    """A pickle saved with a keyed digest (HMAC-SHA256) beside it, checked before it is unpickled.

    Unpickling runs code, so a model is loaded only when its digest, made
    with the project's key (:func:`model_signing_key`; the
    ``PseudonymKeyHook`` hands it over), matches its bytes: a pickle planted
    or altered by anyone without the key is refused unread. The digest is
    ``<file>.hmac`` (hex).
    """

    SUFFIX = ".hmac"

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self._key: bytes | None = None
        self.metadata = metadata

    def use_signing_key(self, key: bytes) -> None:
        self._key = key

    @property
    def _digest_path(self) -> Path:
        return self._filepath.with_name(self._filepath.name + self.SUFFIX)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "signed": self._key is not None}

    def _digest(self, payload: bytes) -> str:
        if self._key is None:
            raise DatasetError(
                f"{self._filepath}: no key to sign or check a saved model (the project's hooks set it)."
            )
        return hmac.new(self._key, payload, hashlib.sha256).hexdigest()

    def _save(self, data: Any) -> None:
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        digest = self._digest(payload)
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        self._filepath.write_bytes(payload)
        self._digest_path.write_text(digest + "\n", encoding="ascii")

    def _load(self) -> Any:
        source = str(_as_user_sees(self._filepath))
        if not self._filepath.is_file():
            raise InputFileError(
                source, "the saved model does not exist.", "run that wave first to save its models."
            )
        payload = self._filepath.read_bytes()
        expected = self._digest(payload)
        if not self._digest_path.is_file():
            raise InputFileError(
                source,
                "the saved model has no signature, so it was not saved by this project's runs (or by an older "
                "version); it is not loaded, because loading a pickle runs code.",
                "a model saved by this project: run that wave again to save a signed model.",
            )
        found = self._digest_path.read_text(encoding="ascii", errors="replace").strip()
        if not hmac.compare_digest(found, expected):
            raise InputFileError(
                source,
                "the saved model's signature does not match: the file was changed or planted, or signed with "
                "another pseudonymisation key; it is not loaded, because loading a pickle runs code.",
                "the model as this project saved it with the current key: run that wave again to save it anew.",
            )
        return pickle.loads(payload)  # noqa: S301 - signed by this project's key, checked above

    def _exists(self) -> bool:
        return self._filepath.is_file()
