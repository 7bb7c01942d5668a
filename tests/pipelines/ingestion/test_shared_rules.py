"""Ingestion asks the project's one rule for an email match and for an active employee.

The same person must match in ingestion, the activity log and the campaign
(``segmentation.contacts.email_key``), and the statuses that count as at
work come from ``globals.yml: active_statuses``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.contacts import email_key
from segmentation.errors import InputFileError
from segmentation.pipelines.ingestion.nodes import (
    match_respondents,
    parse_roster,
    parse_survey,
    summarise_ingestion,
)

from .helpers import ROSTER_HEADER, read, roster_row, write_csv

WAVE = "2026-03"
# Upper case, outer blanks and a blank inside (an HR system that pads the
# address, a survey tool that lower-cases it): one person.
ROSTER_EMAIL = "  Dana. Cohen@Example.ORG \t"
SURVEY_EMAIL = " dana.cohen @example.org"


def _items(questionnaire) -> list[str]:
    return [i for i, s in questionnaire["items"].items() if s["scale"] != "text"]


def _answers(questionnaire) -> list[str]:
    items = _items(questionnaire)
    return ["4"] * (len(items) - 1) + ["2"]


def _roster(tmp_path, rows, roster_params):
    raw = read(write_csv(tmp_path / "roster.csv", [ROSTER_HEADER, *rows]), "roster")
    return parse_roster(raw, roster_params, WAVE, None)


def _survey(tmp_path, questionnaire, survey_params, emails):
    rows = [
        ["Timestamp", "Email Address", *_items(questionnaire)],
        *[["2026-03-02 09:00:00", e, *_answers(questionnaire)] for e in emails],
    ]
    return parse_survey(
        read(write_csv(tmp_path / "survey.csv", rows)), questionnaire, survey_params
    )


def test_emails_are_folded_as_contacts_email_key_folds_them(
    tmp_path, roster_params, questionnaire, survey_params
):
    """Was: ``strip().casefold()``, so 'Dana. Cohen@…' matched in the campaign but not here."""
    folded = email_key(pd.Series([ROSTER_EMAIL])).iat[0]
    assert folded == "dana.cohen@example.org"
    assert email_key(pd.Series([SURVEY_EMAIL])).iat[0] == folded

    roster, roster_rejects, rejected_keys, _ = _roster(
        tmp_path, [roster_row("00001", email=ROSTER_EMAIL)], roster_params
    )
    assert roster["email"].tolist() == [folded] and roster["email_key"].tolist() == [folded]
    responses, _, detected = _survey(tmp_path, questionnaire, survey_params, [SURVEY_EMAIL])
    assert responses["email"].tolist() == [folded]

    matched, match_rejects = match_respondents(responses, roster, rejected_keys, detected)
    assert matched["employee_id"].tolist() == ["00001"] and match_rejects.empty


def test_two_roster_emails_that_differ_only_by_blanks_are_one_email(tmp_path, roster_params):
    roster, rejects, _, _ = _roster(
        tmp_path,
        [
            roster_row("00001", email="dana.cohen@example.org"),
            roster_row("00002", email="Dana .Cohen@example.org"),
        ],
        roster_params,
    )
    assert roster["employee_id"].tolist() == ["00001"]
    assert rejects[["row", "column", "reason"]].to_dict("records") == [
        {"row": 3, "column": "email", "reason": "duplicate_email"}
    ]


def _summary(tmp_path, roster_params, questionnaire, survey_params, active_statuses):
    """Three people at work, one on leave who answered and one on leave who did not."""
    roster, roster_rejects, rejected_keys, roster_detected = _roster(
        tmp_path,
        [
            roster_row("00001"),
            roster_row("00002"),
            roster_row("00003"),
            roster_row("00004", employment_status="leave"),
            roster_row("00005", employment_status="leave"),
        ],
        {**roster_params, "active_statuses": active_statuses},
    )
    responses, survey_rejects, survey_detected = _survey(
        tmp_path,
        questionnaire,
        survey_params,
        ["e00001@example.org", "e00004@example.org"],
    )
    matched, match_rejects = match_respondents(responses, roster, rejected_keys, survey_detected)
    rejects = pd.concat([roster_rejects, survey_rejects, match_rejects], ignore_index=True)
    return summarise_ingestion(
        roster_detected, roster, matched, rejects, survey_detected, active_statuses
    )


def test_the_response_rate_counts_the_configured_active_statuses(
    tmp_path, roster_params, questionnaire, survey_params
):
    assert roster_params["active_statuses"] == ["active"]  # globals.yml, as shipped
    default = _summary(
        tmp_path, roster_params, questionnaire, survey_params, roster_params["active_statuses"]
    )
    assert default["response_rate_active"] == round(1 / 3, 4)  # 00001 of 00001-00003
    with_leave = _summary(
        tmp_path, roster_params, questionnaire, survey_params, ["active", "leave"]
    )
    assert with_leave["response_rate_active"] == round(2 / 5, 4)  # 00001 and 00004 of five
    assert default["respondents"] == with_leave["respondents"] == 2


def test_a_roster_counts_as_active_by_the_configured_statuses(tmp_path, roster_params):
    rows = [roster_row("1", employment_status="leave"), roster_row("2", employment_status="leave")]
    roster, _, _, _ = _roster(tmp_path, rows, {**roster_params, "active_statuses": ["leave"]})
    assert roster["employee_id"].tolist() == ["1", "2"]


def test_without_a_status_column_everyone_gets_the_first_active_status(tmp_path, roster_params):
    header = [c for c in ROSTER_HEADER if c != "employment_status"]
    rows = [
        [v for c, v in zip(ROSTER_HEADER, roster_row(i), strict=True) if c != "employment_status"]
        for i in ["1", "2"]
    ]
    raw = read(write_csv(tmp_path / "roster.csv", [header, *rows]), "roster")
    roster, _, _, _ = parse_roster(
        raw, {**roster_params, "active_statuses": ["leave", "active"]}, WAVE, None
    )
    assert roster["employment_status"].tolist() == ["leave", "leave"]


def test_no_active_employee_names_the_statuses_that_count(tmp_path, roster_params):
    rows = [roster_row("1", employment_status="leave"), roster_row("2", employment_status="leave")]
    params = {**roster_params, "active_statuses": ["active", "terminated"]}
    with pytest.raises(InputFileError) as caught:
        _roster(tmp_path, rows, params)
    message = str(caught.value)
    assert "no employee of the roster is active: employment_status is leave (2)." in message
    assert (
        "The statuses that count as active are active, terminated "
        "(active_statuses in conf/base/globals.yml)." in message
    )
    assert "with 'active' or 'terminated' for people at work" in message and "\n" not in message
