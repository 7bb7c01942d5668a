"""Data that used to be misread without a word: each is now read right, rejected with a reason, or warned about."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from segmentation import parsing
from segmentation.errors import InputFileError, find_input_error
from segmentation.pipelines.ingestion.nodes import (
    match_respondents,
    parse_roster,
    parse_survey,
    summarise_ingestion,
)

from .helpers import ROSTER_HEADER, read, roster_row, write_csv

WAVE = "2026-09"


def _items(questionnaire):
    return [i for i, s in questionnaire["items"].items() if s["scale"] != "text"]


def _answers(questionnaire, value: str = "4"):
    """Answers that vary (the last item differs): the same everywhere would be straight-lining."""
    items = _items(questionnaire)
    return [value] * (len(items) - 1) + ["1" if value != "1" else "5"]


def _roster(tmp_path, rows, roster_params, header=ROSTER_HEADER):
    raw = read(write_csv(tmp_path / "roster.csv", [header, *rows]), "roster")
    return parse_roster(raw, roster_params, WAVE, None)


def _survey(tmp_path, questionnaire, survey_params, people, header=("Timestamp", "Email Address")):
    rows = [[*header, *_items(questionnaire)], *[[*keys, *answers] for *keys, answers in people]]
    return parse_survey(
        read(write_csv(tmp_path / "survey.csv", rows)), questionnaire, survey_params
    )


# ------------------------------------------------------------------ dates
def test_day_first_hire_dates_are_read_day_first_when_one_date_shows_it(tmp_path, roster_params):
    roster, rejects, _, detected = _roster(
        tmp_path,
        [roster_row("00001", hire_date="13/02/2018"), roster_row("00002", hire_date="05/03/2019")],
        roster_params,
    )
    hired = roster.set_index("employee_id")["hire_date"]
    assert hired["00002"] == pd.Timestamp("2019-03-05")  # 5 March, not 3 May
    assert hired["00001"] == pd.Timestamp("2018-02-13")
    assert detected["warnings"] == []


def test_ambiguous_dates_use_the_setting_and_say_so(tmp_path, roster_params):
    roster, _, _, detected = _roster(
        tmp_path, [roster_row("00001", hire_date="05/03/2019")], roster_params
    )
    assert roster.loc[0, "hire_date"] == pd.Timestamp(
        "2019-05-03"
    )  # month-first, as roster.dayfirst says
    assert detected["warnings"] == [
        f"{tmp_path / 'roster.csv'} column hire_date (roster.dayfirst): every d/m date could be read day-first or "
        "month-first (none has a part above 12); read month-first (mm/dd/yyyy) as configured (dayfirst: false)."
    ]
    roster, _, _, _ = _roster(
        tmp_path, [roster_row("00001", hire_date="05/03/2019")], {**roster_params, "dayfirst": True}
    )
    assert roster.loc[0, "hire_date"] == pd.Timestamp("2019-03-05")


def test_day_first_submission_times_keep_the_latest_submission(
    tmp_path, roster_params, questionnaire, survey_params
):
    roster, _, rejected_keys, _ = _roster(tmp_path, [roster_row("00001")], roster_params)
    responses, rejects, detected = _survey(
        tmp_path,
        questionnaire,
        survey_params,
        [
            (
                "13/09/2026 10:00:00",
                "e00001@example.org",
                _answers(questionnaire, "4"),
            ),  # line 2: 13 September, the later
            (
                "12/09/2026 09:00:00",
                "e00001@example.org",
                _answers(questionnaire, "2"),
            ),  # line 3: 12 September
        ],
    )
    matched, match_rejects = match_respondents(responses, roster, rejected_keys, detected)
    assert match_rejects[["row", "reason"]].values.tolist() == [[3, "duplicate_response"]]
    assert matched.loc[0, "SM1"] == 4.0 and matched.loc[0, "submitted_at"] == pd.Timestamp(
        "2026-09-13 10:00"
    )


def test_an_unreadable_submission_time_is_listed(tmp_path, questionnaire, survey_params):
    _, rejects, _ = _survey(
        tmp_path,
        questionnaire,
        survey_params,
        [("yesterday", "a@example.org", _answers(questionnaire))],
    )
    assert rejects[["row", "column", "value", "reason", "action"]].values.tolist() == [
        [2, "Timestamp", "yesterday", "invalid_date", "value_set_missing"]
    ]


def test_a_hire_date_in_the_future_or_before_birth_is_rejected(tmp_path, roster_params):
    _, rejects, _, _ = _roster(
        tmp_path,
        [
            roster_row("00001", hire_date="2031-01-01"),  # years after the wave
            roster_row("00002", hire_date="1979-06-01", birth_year="1985"),  # before birth
            roster_row("00003", hire_date="2026-10-15"),  # a new joiner within the allowed lead
        ],
        roster_params,
    )
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [2, "hire_date", "2031-01-01", "hire_date_in_future"],
        [3, "hire_date", "1979-06-01", "hire_before_birth"],
    ]


def test_a_hire_date_beyond_the_calendar_is_rejected_not_a_crash(tmp_path, roster_params):
    """Years that nanosecond timestamps cannot hold (before 1677, after 2262) stopped the run."""
    _, rejects, _, _ = _roster(
        tmp_path,
        [
            roster_row("00001", hire_date="1650-01-01"),
            roster_row("00002", hire_date="01/02/1650"),
            roster_row("00003", hire_date="9999-12-31 10:00:00"),
            roster_row("00004", hire_date="2018-03-01"),
        ],
        roster_params,
    )
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [2, "hire_date", "1650-01-01", "invalid_date"],
        [3, "hire_date", "01/02/1650", "invalid_date"],
        [4, "hire_date", "9999-12-31 10:00:00", "invalid_date"],
    ]


def test_long_text_in_a_date_column_is_no_date_and_never_reaches_dateutil(
    tmp_path, roster_params, monkeypatch
):
    """A 1 MB cell where a hire date goes took 15 s of dateutil's reading (quadratic in its length)."""
    long_texts = ["x" * 1_000_000, "2018-03-01 " + "y" * 100]
    _, rejects, _, _ = _roster(
        tmp_path,
        [
            roster_row("00001", hire_date=long_texts[0]),
            roster_row("00002", hire_date=long_texts[1]),
            roster_row("00003", hire_date="Tuesday, 29 September 2020 11:45:23 PM"),
        ],
        roster_params,
    )
    rejects = rejects[rejects["column"] == "hire_date"]
    assert rejects[["row", "reason"]].values.tolist() == [[2, "invalid_date"], [3, "invalid_date"]]
    assert [len(v) for v in rejects["value"]] == [len(t) for t in long_texts]

    def read_by_pandas(text):
        raise AssertionError(f"{len(text)} characters handed to pandas and dateutil")

    monkeypatch.setattr(parsing, "pd", SimpleNamespace(Timestamp=read_by_pandas))
    assert all(parsing._parse_one_date(text, False, 30) is None for text in long_texts)


def test_a_birth_year_beyond_the_calendar_is_rejected_not_a_crash(tmp_path, roster_params):
    """A row shifted by a bare CR (birth_year '03118') must not crash the hire-before-birth check."""
    _, rejects, _, _ = _roster(
        tmp_path,
        [
            roster_row("00001", birth_year="03118"),
            roster_row("00002", birth_year="0990"),
            roster_row("00003"),
        ],
        roster_params,
    )
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [2, "birth_year", "03118", "age_out_of_range"],
        [3, "birth_year", "0990", "age_out_of_range"],
    ]


# ------------------------------------------------------------------ identities
def test_invisible_characters_leave_roster_and_survey_ids(
    tmp_path, roster_params, questionnaire, survey_params
):
    roster, rejects, rejected_keys, _ = _roster(
        tmp_path,
        [
            roster_row("\u200f00001", email="\ufeffe00001@example.org"),
            roster_row("00002", manager_id="00\u200b001"),
        ],
        roster_params,
    )
    assert roster["employee_id"].tolist() == ["00001", "00002"]
    assert roster["email"].tolist() == ["e00001@example.org", "e00002@example.org"]
    assert roster.loc[1, "manager_id"] == "00001"
    assert rejects[["row", "column", "value", "reason", "action"]].values.tolist() == [
        [2, "employee_id", "<U+200F>00001", "invisible_characters", "value_cleaned"],
        [2, "email", "<U+FEFF>e00001@example.org", "invisible_characters", "value_cleaned"],
        [3, "manager_id", "00<U+200B>001", "invisible_characters", "value_cleaned"],
    ]
    responses, survey_rejects, detected = _survey(
        tmp_path,
        questionnaire,
        survey_params,
        [("03/02/2026 09:00:00", "\u200ee00002@example.org", _answers(questionnaire))],
    )
    matched, match_rejects = match_respondents(responses, roster, rejected_keys, detected)
    assert matched["employee_id"].tolist() == ["00002"] and match_rejects.empty
    assert survey_rejects["reason"].tolist() == ["invisible_characters"]


def test_an_id_of_one_employee_with_the_email_of_another_is_rejected(
    tmp_path, roster_params, questionnaire, survey_params
):
    roster, _, rejected_keys, _ = _roster(
        tmp_path, [roster_row("00001"), roster_row("00002")], roster_params
    )
    responses, _, detected = _survey(
        tmp_path,
        questionnaire,
        survey_params,
        [
            ("00001", "e00002@example.org", _answers(questionnaire)),
            ("00002", "e00002@example.org", _answers(questionnaire)),
        ],
        header=("employee_id", "email"),
    )
    matched, match_rejects = match_respondents(responses, roster, rejected_keys, detected)
    assert match_rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [
            2,
            "respondent_id",
            "00001 (the email e00002@example.org is employee 00002's)",
            "id_email_conflict",
        ]
    ]
    assert matched["employee_id"].tolist() == ["00002"]


def test_two_id_columns_that_differ_stop_the_run_and_two_that_agree_warn(tmp_path, roster_params):
    header = [*ROSTER_HEADER, "Employee ID"]
    with pytest.raises(InputFileError) as caught:
        _roster(
            tmp_path,
            [roster_row("00001") + ["00001"], roster_row("00002") + ["00009"]],
            roster_params,
            header,
        )
    assert str(caught.value) == (
        f"{tmp_path / 'roster.csv'}: 2 columns could be the employee_id: 'employee_id' (column 1) and 'Employee ID' "
        "(column 17), and they differ (line 3: 00002 / 00009). Expected: one employee_id column: remove or rename the "
        "others, or name the right one under roster.columns in conf/base/parameters_ingestion.yml."
    )
    _, _, _, detected = _roster(tmp_path, [roster_row("00001") + ["00001"]], roster_params, header)
    assert detected["warnings"] == [
        f"{tmp_path / 'roster.csv'}: 2 columns hold the employee_id: 'employee_id' (column 1) and 'Employee ID' "
        "(column 17); they agree on every row, the first is used."
    ]


# ------------------------------------------------------------------ straight-lining
def test_straight_liners_are_listed_and_left_out_by_default(
    tmp_path, roster_params, questionnaire, survey_params
):
    n = len(_items(questionnaire))
    people = [
        ("2026-03-02 09:00:00", "e00001@example.org", ["4"] * n),
        ("2026-03-02 09:00:00", "e00002@example.org", _answers(questionnaire)),
    ]
    responses, rejects, detected = _survey(tmp_path, questionnaire, survey_params, people)
    assert rejects[["row", "value", "reason", "action"]].values.tolist() == [
        [2, f"4 to all {n} items answered", "straight_lining", "row_rejected"]
    ]
    assert responses["email"].tolist() == ["e00002@example.org"]
    assert detected["warnings"] == [
        f"{tmp_path / 'survey.csv'}: 1 responses give the same answer to every item (straight-lining); left out of "
        "the personas and placed from HR data (survey.straight_lining.exclude)."
    ]
    kept = {
        **survey_params,
        "straight_lining": {**survey_params["straight_lining"], "exclude": False},
    }
    responses, rejects, _ = _survey(tmp_path, questionnaire, kept, people)
    assert rejects["action"].tolist() == ["flagged"] and len(responses) == 2


def test_warnings_reach_the_run_summary(tmp_path, roster_params, questionnaire, survey_params):
    roster, roster_rejects, rejected_keys, roster_detected = _roster(
        tmp_path, [roster_row("00001", hire_date="05/03/2019")], roster_params
    )
    responses, survey_rejects, survey_detected = _survey(
        tmp_path,
        questionnaire,
        survey_params,
        [("2026-03-02 09:00:00", "e00001@example.org", ["4"] * len(_items(questionnaire)))],
    )
    matched, match_rejects = match_respondents(responses, roster, rejected_keys, survey_detected)
    rejects = pd.concat([roster_rejects, survey_rejects, match_rejects], ignore_index=True)
    summary = summarise_ingestion(
        roster_detected, roster, matched, rejects, survey_detected, roster_params["active_statuses"]
    )
    assert (
        summary["warnings"] == [*roster_detected["warnings"], *survey_detected["warnings"]]
        and len(summary["warnings"]) == 2
    )
    assert summary["files"]["survey"]["rejected_by_reason"] == {"straight_lining": 1}


# ------------------------------------------------------------------ CSV shapes
def _load_problem(path) -> str:
    with pytest.raises(Exception) as caught:
        read(path)
    problem = find_input_error(caught.value)
    assert problem is not None, f"not a clear stop: {caught.value!r}"
    return str(problem)


def test_a_web_page_saved_as_csv_is_called_one(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>Survey</title></head><body>a,b,c</body></html>\n",
        encoding="utf-8",
    )
    assert _load_problem(path) == (
        f"{path}: this is a web page, not a CSV export (it starts with HTML). Expected: the file the tool exports "
        "(its 'Export' or 'Download as CSV'), not a page saved from the browser."
    )


def test_an_excel_separator_hint_is_honoured(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("sep=;\nemployee_id;email;SM1\n00001;a@x.org;4\n", encoding="utf-8")
    table = read(path)
    assert table.cells.values.tolist() == [
        ["employee_id", "email", "SM1"],
        ["00001", "a@x.org", "4"],
    ]
    assert table.row_numbers.tolist() == [2, 3]  # the lines as the user sees them
    assert table.details["warnings"] == [
        f"{path}: the first line 'sep=;' is Excel's separator hint; read with that separator, the header on line 2."
    ]


def test_a_title_line_is_skipped_when_the_header_follows_and_named_when_not(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(
        '"Employee survey, September"\nemployee_id,email,SM1\n00001,a@x.org,4\n', encoding="utf-8"
    )
    table = read(path)
    assert table.cells.values.tolist() == [
        ["employee_id", "email", "SM1"],
        ["00001", "a@x.org", "4"],
    ]
    assert table.row_numbers.tolist() == [2, 3]
    assert table.details["warnings"] == [
        f"{path}: the first line ('\"Employee survey, September\"') looks like a title, not a header; skipped, the header read from line 2."
    ]
    path.write_text("Employee survey\nemployee_id,email,SM1\n00001,a@x.org,4,5\n", encoding="utf-8")
    assert _load_problem(path) == (
        f"{path}: the first line ('Employee survey') looks like a title, with the header expected on line 2, but the rows "
        "do not line up with the header: line 2 has 3 cells where the header has 1. Expected: a comma-separated export as "
        "the survey tool or HR system wrote it, one header row, and every row with as many cells as the header."
    )


def test_rows_that_do_not_line_up_are_told_without_tokenizer_jargon(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("a,b,c\n1,2,3\n1,2,3,4,5\n", encoding="utf-8")
    message = _load_problem(path)
    assert (
        "the rows do not line up with the header: line 3 has 5 cells where the header has 3."
        in message
    )
    assert "tokeniz" not in message.lower() and "C error" not in message


def test_opt_outs_clean_ids_the_same_way(tmp_path):
    from segmentation.pipelines.campaign.nodes import parse_opt_out
    from tests.conftest import load_parameters

    path = write_csv(
        tmp_path / "opt_out.csv",
        [["employee_id", "email"], ["\u200f00017", ""], ["", "\ufeffA@X.org"]],
    )
    entries, _ = parse_opt_out(
        read(path, "opt_out"), load_parameters("campaign")["campaign"]["opt_out"]
    )
    assert entries[["employee_id", "email_key"]].values.tolist() == [["00017", ""], ["", "a@x.org"]]
