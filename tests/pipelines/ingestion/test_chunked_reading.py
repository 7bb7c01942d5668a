"""A csv export read a chunk of rows at a time gives what reading it whole gives.

Cells, row numbers (quoted line breaks across chunks included), blank rows,
what Arrow refuses, and the survey's responses, rejects and detection.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InputFileError
from segmentation.pipelines.ingestion.nodes import parse_roster, parse_survey

from .helpers import ROSTER_HEADER, huebner_roster_params, read, roster_row, write_csv

HEADER = "id,name,note"
ROWS = [f"{i},n{i},x" for i in range(1, 30)]


def _write(path, lines, newline="\n", prefix=""):
    path.write_bytes((prefix + newline.join(lines) + newline).encode("utf-8"))
    return path


def _streamed_cells(path, chunk_rows, header_rows=1):
    table = read(path, chunk_rows=chunk_rows)
    chunks = list(table.body_chunks(header_rows))
    cells = pd.concat([table.head(header_rows), *(c for c, _ in chunks)], ignore_index=True)
    return cells, np.concatenate([n for _, n in chunks])


def _quoted(rows):
    rows = list(rows)
    rows[4] = '5,"multi\nline\nname",x'
    rows[16] = '17,"a\r\nb",y'
    return rows


CASES = {
    "plain": ([HEADER, *ROWS], "\n", ""),
    "crlf": ([HEADER, *ROWS], "\r\n", ""),
    "quoted line breaks": ([HEADER, *_quoted(ROWS)], "\n", ""),
    "a blank line (Arrow refuses it)": ([HEADER, *_quoted(ROWS)[:20], "", *ROWS[20:]], "\n", ""),
    "empty rows": ([HEADER, *ROWS[:9], ",,", ",,", *ROWS[9:], "", ""], "\n", ""),
    "title line": (["My roster export", HEADER, *_quoted(ROWS)], "\n", ""),
    "BOM": ([HEADER, *_quoted(ROWS)], "\n", "\ufeff"),
    "header only": ([HEADER], "\n", ""),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("chunk_rows", [1, 2, 7, 1000])
def test_chunks_hold_the_cells_and_lines_of_the_whole_file(tmp_path, case, chunk_rows):
    lines, newline, prefix = CASES[case]
    path = _write(tmp_path / "export.csv", lines, newline, prefix)
    whole = read(path)
    cells, numbers = _streamed_cells(path, chunk_rows)
    pd.testing.assert_frame_equal(cells.astype(object), whole.cells.astype(object))
    assert numbers.tolist() == whole.row_numbers[1:].tolist()


def test_line_numbers_count_line_breaks_inside_quotes_across_chunks(tmp_path):
    path = _write(tmp_path / "export.csv", [HEADER, *_quoted(ROWS)])
    _, numbers = _streamed_cells(path, 2)
    # row 5 spans three lines, row 17 two: the rows after each start that much later
    assert numbers[:7].tolist() == [2, 3, 4, 5, 6, 9, 10]
    assert numbers[16:18].tolist() == [20, 22]


def test_a_row_that_does_not_line_up_late_in_the_file_is_told_as_when_read_whole(tmp_path):
    rows = _quoted(ROWS)
    rows[24] = "25,too,many,cells"
    path = _write(tmp_path / "export.csv", [HEADER, *rows])
    with pytest.raises(Exception) as whole:
        read(path)
    table = read(path, chunk_rows=3)  # nothing read yet: the problem shows in the chunks
    with pytest.raises(InputFileError, match="26 has 4 cells where the header has 3") as chunked:
        list(table.body_chunks(1))
    assert str(chunked.value) in str(whole.value)


def test_bytes_that_are_not_utf8_late_in_the_file_stop_the_read(tmp_path):
    text = ("\n".join([HEADER, *ROWS]) + "\n").encode()
    path = tmp_path / "export.csv"
    path.write_bytes(text[:200] + b"\xff\xfe" + text[200:])
    with pytest.raises(InputFileError, match="not UTF-8 text"):
        list(read(path, chunk_rows=2).body_chunks(1))


def test_nothing_is_read_until_a_node_asks(tmp_path):
    path = _write(tmp_path / "export.csv", [HEADER, *ROWS])
    table = read(path, chunk_rows=5)
    path.unlink()  # the dataset did not read the rows at load
    with pytest.raises(FileNotFoundError):
        table.head(1)


@pytest.mark.parametrize("export", ["survey_google_forms.csv", "survey_qualtrics.csv"])
@pytest.mark.parametrize("chunk_rows", [1, 2])
def test_a_survey_read_in_chunks_gives_the_same_responses_and_rejects(
    contract_examples, questionnaire, survey_params, export, chunk_rows
):
    whole = parse_survey(read(contract_examples / export), questionnaire, survey_params)
    chunked = parse_survey(
        read(contract_examples / export, chunk_rows=chunk_rows), questionnaire, survey_params
    )
    _assert_same_outputs(chunked, whole)
    assert whole[2]["rows_read"] > 2 * chunk_rows  # more than two chunks


def _assert_same_outputs(chunked, whole):
    """The same table, the same rejects once sorted as collect_rejects sorts them, the rest equal."""
    pd.testing.assert_frame_equal(chunked[0], whole[0])
    order = ["file", "row", "column"]
    pd.testing.assert_frame_equal(
        chunked[1].sort_values(order, kind="stable").reset_index(drop=True),
        whole[1].sort_values(order, kind="stable").reset_index(drop=True),
    )
    assert chunked[2:] == whole[2:]


def _defective_roster() -> list[list[str]]:
    """A roster whose faults fall in different chunks: the whole-roster rules must still see them."""
    rows = [ROSTER_HEADER]
    rows += [roster_row(f"{i:05d}") for i in range(1, 9)]
    rows += [
        roster_row("00003", email="other@example.org"),  # duplicate id, chunks apart
        roster_row("00020", email="E00001@Example.org"),  # duplicate email (as folded)
        roster_row("", email="blank1@example.org"),  # no id
        roster_row("", email="blank2@example.org"),
        roster_row("00021", work_pattern="sometimes"),  # not an allowed value
        roster_row("00022", hire_date="31/12/2019"),  # day-first: decides the column's order
        roster_row("00023", hire_date="2019-02-30"),  # invalid date
        roster_row("00024", birth_year="1890"),  # age out of range
        roster_row("00025", hire_date="2040-01-01"),  # hire date in the future
        roster_row("00026", birth_year="1990", hire_date="1985-01-01"),  # hired before birth
        roster_row("00027", work_pattern="sometimes", birth_year="1890"),  # the first fault wins
        roster_row("000\u200f28", first_name="Da\u200bna"),  # invisible characters
        roster_row("00029", last_name="Co\nhen"),  # a line break inside a quoted cell
        roster_row("00030", is_people_manager="maybe"),  # unreadable flag: kept
        roster_row("00031", hire_date="03/04/2018"),
    ]
    return rows


@pytest.mark.parametrize("chunk_rows", [1, 2, 5])
def test_a_roster_read_in_chunks_gives_the_same_roster_and_rejects(
    tmp_path, roster_params, chunk_rows
):
    path = write_csv(tmp_path / "roster.csv", _defective_roster())
    whole = parse_roster(read(path, "roster"), roster_params, "2026-03", None)
    chunked = parse_roster(read(path, "roster", chunk_rows), roster_params, "2026-03", None)
    _assert_same_outputs(chunked, whole)
    reasons = set(whole[1]["reason"])
    assert {"duplicate_employee_id", "duplicate_email", "age_out_of_range"} <= reasons
    assert {"hire_date_in_future", "hire_before_birth", "not_allowed_value"} <= reasons


@pytest.mark.parametrize("chunk_rows", [7, 50])
def test_a_real_roster_read_in_chunks_gives_the_same_roster_and_rejects(
    realdata, roster_params, chunk_rows
):
    """The Huebner roster, mapped: two-digit years, dates without leading zeros, values
    outside the allowed ones, blank manager ids."""
    params = {
        **huebner_roster_params(roster_params, work_pattern=["MaritalDesc"]),
        # free-text levels and patterns here: the other rules decide
        "allowed_values": {
            k: v
            for k, v in roster_params["allowed_values"].items()
            if k not in ("job_level", "work_pattern")
        },
    }
    path = realdata / "hr_dataset_v14_huebner.csv"
    whole = parse_roster(read(path, "roster"), params, "2026-03", None)
    chunked = parse_roster(read(path, "roster", chunk_rows), params, "2026-03", None)
    _assert_same_outputs(chunked, whole)
    assert whole[3]["rows_read"] == 311
