"""The export writers produce exactly the shapes of the contract's example exports."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from segmentation.codebook import normalise_text
from segmentation.sample import (
    generate_organisation,
    load_codebook,
    write_google_forms_csv,
    write_microsoft_forms_xlsx,
    write_qualtrics_csv,
    write_roster_csv,
    write_roster_xlsx,
)
from segmentation.sample.exports import QUALTRICS_META
from tests.conftest import CONTRACT_EXAMPLES as EXAMPLES
from tests.conftest import PROJECT_ROOT

ROOT = PROJECT_ROOT
needs_examples = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="contract examples not available")


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(ROOT / "conf" / "base" / "parameters_questionnaire.yml")


@pytest.fixture(scope="module")
def example_answers(codebook) -> pd.DataFrame:
    """The six example respondents' answers as one table (numbers 1-5)."""
    roster = pd.read_csv(EXAMPLES / "roster.csv", dtype=str, keep_default_na=False)
    expected = json.loads((EXAMPLES / "expected_raw_answers.json").read_text(encoding="utf-8"))
    rows = []
    for r in roster.itertuples():
        rows.append(
            {
                "employee_id": r.employee_id,
                "email": r.email,
                "name": f"{r.first_name} {r.last_name}",
                **{i: float(expected[r.employee_id][i]) for i in codebook.scored_items},
            }
        )
    return pd.DataFrame(rows)


def sheet(path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def decode(codebook, item, cell) -> float:
    if cell in ("", None):
        return np.nan
    return codebook.answer_lookup(codebook.items[item].scale)[normalise_text(cell)]


# ------------------------------------------------------ the contract examples


@needs_examples
def test_google_forms_matches_the_example_byte_for_byte(example_answers, codebook, tmp_path):
    path = write_google_forms_csv(example_answers, tmp_path / "survey.csv", codebook, language="en")
    assert path.read_bytes() == (EXAMPLES / "survey_google_forms.csv").read_bytes()


@needs_examples
def test_qualtrics_matches_the_example(example_answers, codebook, tmp_path):
    example = (EXAMPLES / "survey_qualtrics.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(example.decode("utf-8-sig"), newline="")))
    col = {name: i for i, name in enumerate(rows[0])}
    body = rows[3:]
    table = example_answers.copy()
    table["language"] = "en"  # every label in this example is English
    table["user_language"] = [r[col["UserLanguage"]] for r in body]
    table["answer_format"] = [
        "number" if r[col["SM1"]] in {"1", "2", "3", "4", "5"} else "label" for r in body
    ]
    table["finished"] = [r[col["Finished"]] == "True" for r in body]
    table["progress"] = [int(r[col["Progress"]]) for r in body]
    table["response_id"] = [r[col["ResponseId"]] for r in body]
    table["recipient_email"] = ""
    table["start_time"] = pd.to_datetime([r[col["StartDate"]] for r in body])
    table["end_time"] = pd.to_datetime([r[col["EndDate"]] for r in body])
    table["recorded_time"] = pd.to_datetime([r[col["RecordedDate"]] for r in body])
    path = write_qualtrics_csv(table, tmp_path / "survey.csv", codebook)
    written = path.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf")  # Qualtrics writes a BOM
    assert written[3:] == example.removeprefix(b"\xef\xbb\xbf")
    # the three header rows come from the writer alone, whatever the answers
    default = write_qualtrics_csv(example_answers, tmp_path / "default.csv", codebook)
    head = list(csv.reader(io.StringIO(default.read_bytes().decode("utf-8-sig"), newline="")))[:3]
    assert head == rows[:3]
    assert [h for h, _, _ in QUALTRICS_META] == rows[0][:11]


@needs_examples
def test_microsoft_forms_english_matches_the_example(example_answers, codebook, tmp_path):
    expected = sheet(EXAMPLES / "survey_microsoft_forms_en.xlsx")
    table = example_answers.copy()
    open_item = codebook.text_items[0]
    table[open_item] = [row[-1] for row in expected[1:]]
    missing = [
        (i, item)
        for i, row in enumerate(expected[1:])
        for item, cell in zip(codebook.scored_items, row[5:], strict=False)
        if cell in codebook.missing_labels["en"]
    ]
    assert missing, "the example has a missing answer"
    for i, item in missing:
        table.loc[i, item] = np.nan
    path = write_microsoft_forms_xlsx(
        table, tmp_path / "survey.xlsx", codebook, language="en", missing="label"
    )
    got = sheet(path)
    assert got[0] == expected[0]
    assert got == expected
    assert [type(c) for c in got[1][:3]] == [type(c) for c in expected[1][:3]]


@needs_examples
def test_microsoft_forms_hebrew_matches_the_example(example_answers, codebook, tmp_path):
    expected = sheet(EXAMPLES / "survey_microsoft_forms_he.xlsx")
    table = example_answers.copy()
    table["email"] = [row[3] for row in expected[1:]]  # one upper-case address
    table["name"] = ""
    path = write_microsoft_forms_xlsx(table, tmp_path / "survey.xlsx", codebook, language="he")
    got = sheet(path)
    assert got[0] == expected[0]
    assert got == expected


@needs_examples
def test_roster_writers_match_the_example(codebook, tmp_path):
    roster = pd.read_csv(EXAMPLES / "roster.csv", dtype=str, keep_default_na=False)
    roster["birth_year"] = roster["birth_year"].astype(int)
    roster["hire_date"] = pd.to_datetime(roster["hire_date"])
    roster["manager_id"] = roster["manager_id"].replace("", None)
    path = write_roster_csv(roster, tmp_path / "roster.csv")
    assert path.read_bytes() == (EXAMPLES / "roster.csv").read_bytes()
    rows = sheet(write_roster_xlsx(roster, tmp_path / "roster.xlsx"))
    assert rows[0] == list(roster.columns)
    assert [r[0] for r in rows[1:]] == roster["employee_id"].tolist()
    assert all(isinstance(r[0], str) for r in rows[1:])


# -------------------------------------------------- the same answers, any shape


def test_same_answers_in_every_shape_decode_alike(codebook, tmp_path):
    org = generate_organisation(300, 5, codebook=codebook)
    table = org.answers["2026-09"].head(120)
    items = codebook.scored_items
    expected = table[items].to_numpy(dtype=float)

    ms = sheet(write_microsoft_forms_xlsx(table, tmp_path / "ms.xlsx", codebook, missing="mixed"))
    gf_text = write_google_forms_csv(
        table, tmp_path / "gf.csv", codebook, header_language="he"
    ).read_text("utf-8")
    gf = list(csv.reader(io.StringIO(gf_text, newline="")))
    qt_text = (
        write_qualtrics_csv(table, tmp_path / "qt.csv", codebook).read_bytes().decode("utf-8-sig")
    )
    qt = list(csv.reader(io.StringIO(qt_text, newline="")))

    assert ms[0][:5] == ["ID", "Start time", "Completion time", "Email", "Name"]
    assert gf[0][:2] == ["Timestamp", "Email Address"]
    assert gf[0][2] == codebook.item_text(items[0], "he")
    assert len(ms) == len(gf) == len(qt) - 2 == len(table) + 1
    for rows, first in ((ms[1:], 5), (gf[1:], 2), (qt[3:], len(QUALTRICS_META))):
        got = np.array(
            [[decode(codebook, i, c) for i, c in zip(items, r[first:], strict=False)] for r in rows]
        )
        np.testing.assert_array_equal(got, expected)
    assert [r[3] for r in ms[1:]] == table["email"].tolist()
    assert [r[9] for r in qt[3:]] == table["employee_id"].tolist()


def test_writers_reject_values_outside_the_scale(codebook, tmp_path):
    bad = pd.DataFrame({"email": ["a@example.org"], codebook.scored_items[0]: [7.0]})
    with pytest.raises(ValueError, match="1-5"):
        write_google_forms_csv(bad, tmp_path / "x.csv", codebook)


def test_missing_answer_styles(codebook, tmp_path):
    item = codebook.scored_items[0]
    table = pd.DataFrame({"email": ["a@example.org", "b@example.org"], item: [np.nan, 2.0]})
    for style, cell in (("empty", ""), ("label", codebook.missing_labels["en"][0])):
        rows = list(
            csv.reader(
                io.StringIO(
                    write_google_forms_csv(
                        table, tmp_path / f"{style}.csv", codebook, missing=style
                    ).read_text("utf-8"),
                    newline="",
                )
            )
        )
        assert rows[1][2] == cell and rows[2][2] == codebook.label(
            codebook.items[item].scale, 2, "en"
        )
    he = table.assign(language="he")
    rows = list(
        csv.reader(
            io.StringIO(
                write_google_forms_csv(
                    he, tmp_path / "he.csv", codebook, missing="label"
                ).read_text("utf-8"),
                newline="",
            )
        )
    )
    assert rows[1][2] == codebook.missing_labels["he"][0]
