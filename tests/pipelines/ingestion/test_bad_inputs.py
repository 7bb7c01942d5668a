"""Bad inputs: each gets its named reason (rows) or one clear message (files)."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from segmentation.datasets import TabularExportDataset
from segmentation.errors import InputFileError, find_input_error
from segmentation.pipelines.ingestion.nodes import match_respondents, parse_roster, parse_survey

from .helpers import ROSTER_HEADER, read, roster_row, write_csv


def _problem(path, role="survey"):
    with pytest.raises(Exception) as caught:
        TabularExportDataset(str(path), role=role).load()
    problem = find_input_error(caught.value)
    assert problem is not None, f"not an InputFileError: {caught.value!r}"
    return str(problem)


def _roster(tmp_path, rows, roster_params, name="roster.csv"):
    raw = read(write_csv(tmp_path / name, [ROSTER_HEADER, *rows]), "roster")
    return parse_roster(raw, roster_params, "2026-03", None)[:3]


def _survey_rows(questionnaire, answers_by_person, extra=()):
    """A Google Forms csv: Timestamp, Email Address, then item ids."""
    items = [i for i, s in questionnaire["items"].items() if s["scale"] != "text"]
    rows = [["Timestamp", "Email Address", *items]]
    for stamp, email, value in answers_by_person:
        rows.append([stamp, email, *([value] * len(items) if isinstance(value, str) else value)])
    return rows


# ------------------------------------------------------------- whole files
def test_empty_file(tmp_path):
    (tmp_path / "survey.csv").write_bytes(b"")
    assert "survey.csv: the file is empty." in _problem(tmp_path / "survey.csv")


def test_semicolon_separated_csv(tmp_path):
    path = write_csv(tmp_path / "roster.csv", [ROSTER_HEADER, roster_row("00001")], delimiter=";")
    assert "the file is semicolon (;)-separated" in _problem(path, "roster")


def test_not_utf8_csv(tmp_path):
    path = write_csv(
        tmp_path / "roster.csv",
        [ROSTER_HEADER, roster_row("00001", first_name="דנה")],
        encoding="cp1255",
    )
    assert "the file is not UTF-8 text" in _problem(path, "roster")


def test_rows_that_do_not_line_up(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("a,b,c\n1,2,3\n1,2,3,4,5\n", encoding="utf-8")
    message = _problem(path)
    assert "the rows do not line up with the header" in message and "line 3" in message


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "survey.xlsx"
    path.write_bytes(b"PK\x03\x04 this zip is cut short")
    assert "the workbook cannot be read" in _problem(path)


def test_not_an_excel_file_named_xlsx(tmp_path):
    path = tmp_path / "survey.xlsx"
    path.write_text("<html>this is a web page</html>")
    assert "the file is not a valid Excel workbook" in _problem(path)


def test_password_protected_xlsx(tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["employee_id"])
    workbook.save(plain)
    plain.seek(0)
    path = tmp_path / "roster.xlsx"
    with open(path, "wb") as out:
        OOXMLFile(plain).encrypt("secret", out)
    assert msoffcrypto is not None
    assert "the workbook is password-protected" in _problem(path, "roster")


def test_missing_required_file(tmp_path):
    assert "the roster file does not exist" in _problem(tmp_path / "hr" / "roster", "roster")


def test_two_candidate_files(tmp_path):
    write_csv(tmp_path / "roster.csv", [ROSTER_HEADER])
    openpyxl.Workbook().save(tmp_path / "roster.xlsx")
    assert "found 2 roster files (roster.xlsx, roster.csv)" in _problem(
        tmp_path / "roster", "roster"
    )


def test_empty_first_sheet(tmp_path):
    openpyxl.Workbook().save(tmp_path / "survey.xlsx")
    assert "the first sheet ('Sheet') is empty" in _problem(tmp_path / "survey.xlsx")


def test_roster_missing_required_column(tmp_path, roster_params):
    header = [c for c in ROSTER_HEADER if c != "work_pattern"]
    raw = read(write_csv(tmp_path / "roster.csv", [header, roster_row("00001")[:-4]]), "roster")
    with pytest.raises(InputFileError, match="the roster has no column for work_pattern"):
        parse_roster(raw, roster_params, "2026-03", None)


def test_file_that_is_not_a_survey(tmp_path, questionnaire, survey_params):
    raw = read(write_csv(tmp_path / "survey.csv", [["city", "temperature"], ["Haifa", "21"]]))
    with pytest.raises(InputFileError, match="not a survey export this pipeline knows"):
        parse_survey(raw, questionnaire, survey_params)


def test_survey_tool_export_of_another_questionnaire(tmp_path, questionnaire, survey_params):
    raw = read(
        write_csv(
            tmp_path / "survey.csv",
            [
                ["Timestamp", "Email Address", "Favourite colour?"],
                ["1/2/2026 10:00:00", "a@x.org", "blue"],
            ],
        )
    )
    with pytest.raises(InputFileError, match="only 0 of the questionnaire's 32 items were found"):
        parse_survey(raw, questionnaire, survey_params)


def test_roster_given_as_the_survey(tmp_path, questionnaire, survey_params):
    raw = read(write_csv(tmp_path / "survey.csv", [ROSTER_HEADER, roster_row("00001")]))
    with pytest.raises(InputFileError, match="only 0 of the questionnaire's 32 items"):
        parse_survey(raw, questionnaire, survey_params)


# ------------------------------------------------------------------ rows
def test_roster_row_reasons(tmp_path, roster_params):
    rows = [
        roster_row("00001"),
        roster_row("00001", email="other@example.org"),  # line 3: duplicate id
        roster_row("00003", job_level="astronaut"),  # line 4
        roster_row("00004", birth_year="2019"),  # line 5: age 7
        roster_row("00005", hire_date="31/31/2020"),  # line 6
        roster_row("00006", department=""),  # line 7
        roster_row("", email="noid@example.org"),  # line 8
        roster_row("00008", email="E00001@EXAMPLE.ORG"),  # line 9: duplicate email
        roster_row("00009", work_pattern=" Office "),  # tolerated
        roster_row("00010", hire_date="45000", is_people_manager="כן"),  # Excel serial, Hebrew yes
    ]
    roster, rejects, _ = _roster(tmp_path, rows, roster_params)
    got = rejects[["row", "column", "value", "reason"]].values.tolist()
    assert got == [
        [3, "employee_id", "00001", "duplicate_employee_id"],
        [4, "job_level", "astronaut", "not_allowed_value"],
        [5, "birth_year", "2019", "age_out_of_range"],
        [6, "hire_date", "31/31/2020", "invalid_date"],
        [7, "department", "", "missing_value"],
        [8, "employee_id", "", "missing_value"],
        [9, "email", "E00001@EXAMPLE.ORG", "duplicate_email"],
    ]
    assert set(rejects["file"]) == {str(tmp_path / "roster.csv")}
    assert sorted(roster["employee_id"]) == ["00001", "00009", "00010"]
    tenth = roster.set_index("employee_id").loc["00010"]
    assert tenth["hire_date"] == pd.Timestamp("2023-03-15") and bool(tenth["is_people_manager"])
    assert roster.set_index("employee_id").loc["00009", "work_pattern"] == "office"


def test_survey_row_reasons(tmp_path, roster_params, questionnaire, survey_params):
    roster, roster_rejects, rejected_keys = _roster(
        tmp_path, [roster_row("00001"), roster_row("00002"), roster_row("00003")], roster_params
    )
    items = [i for i, s in questionnaire["items"].items() if s["scale"] != "text"]
    half = ["4"] * (len(items) // 2 - 1) + [""] * (len(items) - len(items) // 2 + 1)

    def varied(
        value,
    ):  # the same answer everywhere but the last item (all the same would be straight-lining)
        return [value] * (len(items) - 1) + ["3"]

    rows = _survey_rows(
        questionnaire,
        [
            ("03/02/2026 09:00:00", "e00001@example.org", varied("4")),  # line 2: older duplicate
            ("03/05/2026 09:00:00", " E00001@Example.org ", varied("2")),  # line 3: kept
            ("03/02/2026 10:00:00", "stranger@example.org", varied("4")),  # line 4: unknown
            ("03/02/2026 11:00:00", "e00002@example.org", half),  # line 5: incomplete
            (
                "03/02/2026 12:00:00",
                "e00003@example.org",
                ["7"] + varied("4")[1:],
            ),  # line 6: one bad answer
        ],
    )
    raw = read(write_csv(tmp_path / "survey.csv", rows))
    responses, survey_rejects, detected = parse_survey(raw, questionnaire, survey_params)
    matched, match_rejects = match_respondents(responses, roster, rejected_keys, detected)
    assert survey_rejects[["row", "column", "value", "reason", "action"]].values.tolist() == [
        [6, "SM1", "7", "answer_not_in_scale", "answer_set_missing"],
        [
            5,
            "(items)",
            f"{len(items) // 2 - 1} of {len(items)} items answered",
            "incomplete",
            "row_rejected",
        ],
    ]
    assert match_rejects[["row", "reason"]].values.tolist() == [
        [4, "unknown_employee"],
        [2, "duplicate_response"],
    ]
    kept = matched.set_index("employee_id")
    assert sorted(kept.index) == ["00001", "00003"]
    assert kept.loc["00001", "IN1"] == 2.0  # the later submission's answer
    assert pd.isna(kept.loc["00003", "SM1"]) and kept.loc["00003", "SM2"] == 4.0


def test_survey_answer_for_rejected_roster_row_says_so(
    tmp_path, roster_params, questionnaire, survey_params
):
    roster, roster_rejects, rejected_keys = _roster(
        tmp_path, [roster_row("00001"), roster_row("00002", job_level="astronaut")], roster_params
    )
    rows = _survey_rows(questionnaire, [("03/02/2026 09:00:00", "e00002@example.org", "3")])
    # the same answer everywhere: straight-lining, not checked here
    responses, _, detected = parse_survey(
        read(write_csv(tmp_path / "survey.csv", rows)),
        questionnaire,
        {**survey_params, "straight_lining": {"check": False}},
    )
    matched, rejects = match_respondents(responses, roster, rejected_keys, detected)
    assert matched.empty
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [2, "email", "e00002@example.org", "employee_rejected_in_roster"]
    ]


def test_respondents_without_consent_are_not_placed_by_their_answers(
    tmp_path, roster_params, questionnaire, survey_params
):
    items = [i for i, s in questionnaire["items"].items() if s["scale"] != "text"]
    rows = [
        ["Timestamp", "Email Address", "Consent", *items],
        ["03/02/2026 09:00:00", "e00001@example.org", "Yes", *["4"] * len(items)],
        ["03/02/2026 09:00:00", "e00002@example.org", "No", *["4"] * len(items)],
        ["03/02/2026 09:00:00", "e00003@example.org", "", *["4"] * len(items)],
    ]
    # the same answer everywhere: straight-lining, not checked here
    responses, rejects, detected = parse_survey(
        read(write_csv(tmp_path / "survey.csv", rows)),
        questionnaire,
        {**survey_params, "straight_lining": {"check": False}},
    )
    assert detected["consent_column"] == "Consent"
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [3, "Consent", "No", "no_consent"],
        [4, "Consent", "", "no_consent"],
    ]
    assert responses["email"].tolist() == ["e00001@example.org"]
