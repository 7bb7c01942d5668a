"""Exported text: no control character breaks a CSV row, no cell runs as a formula."""

from __future__ import annotations

import csv
import io
import sys
import unicodedata

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from segmentation.datasets import SpreadsheetSafeCSVDataset
from segmentation.parsing import replace_control_characters
from segmentation.safe_export import (
    FORMULA_LOOKALIKES,
    MAX_CELL,
    neutralise_formulas,
    neutralise_text,
    neutralise_workbook_text,
    starts_like_formula,
)

HOSTILE = [
    "x" * 40_000,
    "=" + "y" * 40_000,
    "Ops-North\r=1+1",
    "a\nb",
    "a\r\n=2",
    "nul\x00l",
    "\x7fdel",
    "\x85next",
    "x\u2028=3",
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    " =1",
    "\u200b=1",
    "\u200f+1",
    "\ufeff@x",
    "\uff1d1+1",
    "\uff0b1",
    "\uff0d1",
    "\uff20x",
    "\ufe661",
    "\u207c1",
    "Ops-North",
    "שלום",
    "O'Brien",
    "🙂=1",
    "",
    None,
]


def test_the_lookalikes_are_every_character_whose_nfkc_form_is_a_trigger():
    found = "".join(
        chr(cp)
        for cp in range(sys.maxunicode + 1)
        if unicodedata.normalize("NFKC", chr(cp))[:1] in "=+-@" and chr(cp) not in "=+-@"
    )
    assert found == FORMULA_LOOKALIKES


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Ops-North\r=1+1", "Ops-North =1+1"),
        ("\n@SUM(1)", "' @SUM(1)"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\u200b=1", "'\u200b=1"),
        ("nul\x00l", "nul l"),
        ("-", "'-"),
        ("שלום -1", "שלום -1"),
        ("O'Brien", "O'Brien"),
        ("🙂=1", "🙂=1"),
    ],
)
def test_neutralise_text(value, expected):
    assert neutralise_text(value) == expected
    assert not starts_like_formula(expected.removeprefix("'")) or expected.startswith("'")


def test_arrow_text_and_python_text_are_neutralised_alike():
    frame = pd.DataFrame({"a": HOSTILE})
    by_python = neutralise_formulas(frame)["a"].tolist()
    for dtype in ["string[pyarrow]", pd.StringDtype("pyarrow", na_value=np.nan)]:
        by_arrow = neutralise_formulas(frame.astype({"a": dtype}))["a"].tolist()
        assert [None if pd.isna(v) else v for v in by_arrow] == [
            None if pd.isna(v) else v for v in by_python
        ]


@pytest.mark.parametrize("keep_line_breaks", [False, True])
def test_every_row_of_a_written_csv_parses_back_whole(tmp_path, keep_line_breaks):
    frame = pd.DataFrame(
        {
            "=id": [f"{i:05d}" for i in range(len(HOSTILE))],
            "text": HOSTILE,
            "n": range(len(HOSTILE)),
        }
    )
    path = tmp_path / "out.csv"
    SpreadsheetSafeCSVDataset(
        str(path), encoding="utf-8-sig", keep_line_breaks=keep_line_breaks
    ).save(frame)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["'=id", "text", "n"]
    assert [r[0] for r in rows[1:]] == frame["=id"].tolist()  # one record per row, in order
    assert all(len(r) == 3 for r in rows)
    for cell in (c for r in rows for c in r):
        assert not starts_like_formula(cell) or cell.startswith("'"), cell
        assert not any(
            unicodedata.category(c) == "Cc"
            for c in cell.replace("\n", "" if keep_line_breaks else "\n")
        )
    assert rows[3][1] == ("Ops-North\n=1+1" if keep_line_breaks else "Ops-North =1+1")
    assert (
        max(len(c) for r in rows for c in r) == MAX_CELL
    )  # the 40,000 characters cut, apostrophe included


def test_workbook_cells_keep_line_breaks_lose_other_controls_and_fit_a_cell():
    assert neutralise_workbook_text("a\r\nb\x00c") == "a\nb c"
    assert neutralise_workbook_text("\uff1d1") == "'\uff1d1"
    long = neutralise_workbook_text("x" * 1_000_000)
    assert len(long) == MAX_CELL - 1 and long.endswith("\u2026")
    assert len(neutralise_text("=" + "x" * 1_000_000)) == MAX_CELL  # apostrophe included
    wb = Workbook()
    wb.active["A1"] = neutralise_workbook_text(
        "nul\x00\x1b=1"
    )  # openpyxl refuses raw control characters
    buffer = io.BytesIO()
    wb.save(buffer)
    assert load_workbook(io.BytesIO(buffer.getvalue())).active["A1"].value == "nul  =1"


def test_control_characters_in_input_cells_become_spaces_and_are_reported():
    values = pd.Series(["Ops-North\r=1+1", "plain", "tail\n", "שלום\x00"], dtype=object)
    cleaned, changed = replace_control_characters(values)
    assert cleaned.tolist() == ["Ops-North =1+1", "plain", "tail", "שלום"]
    assert changed.tolist() == [True, False, True, True]
