"""The three survey export shapes, both languages, and the raw-file dataset."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmentation.pipelines.ingestion.nodes import (
    match_respondents,
    parse_roster,
    parse_survey,
    pseudonymise,
    score_items,
)

from .helpers import read

EXAMPLES = {
    "survey_microsoft_forms_en.xlsx": "microsoft_forms",
    "survey_microsoft_forms_he.xlsx": "microsoft_forms",
    "survey_google_forms.csv": "google_forms",
    "survey_qualtrics.csv": "qualtrics",
}


def _answers(frame: pd.DataFrame, items: list[str]) -> dict[str, dict[str, float]]:
    return {row.employee_id: {i: getattr(row, i) for i in items} for row in frame.itertuples()}


@pytest.fixture()
def example_roster(contract_examples, roster_params):
    roster, rejects, _, _ = parse_roster(
        read(contract_examples / "roster.csv", "roster"), roster_params, "2026-03", None
    )
    assert rejects.empty
    return roster


@pytest.mark.parametrize("name, shape", EXAMPLES.items())
def test_each_example_export_reads_the_expected_answers(
    name, shape, contract_examples, example_roster, questionnaire, survey_params
):
    expected = json.loads((contract_examples / "expected_raw_answers.json").read_text())
    responses, rejects, detected = parse_survey(
        read(contract_examples / name), questionnaire, survey_params
    )
    matched, match_rejects = match_respondents(responses, example_roster, [], detected)
    assert detected["shape"] == shape
    assert detected["items_found"] == 32
    assert match_rejects.empty
    got = _answers(matched, list(next(iter(expected.values()))))
    for employee, answers in expected.items():
        if shape == "qualtrics" and employee == "01077":
            assert employee not in got  # unfinished: rejected, see below
            continue
        for item, value in answers.items():
            if name == "survey_microsoft_forms_en.xlsx" and (employee, item) == ("00250", "SM2"):
                assert np.isnan(got[employee][item]), "'Prefer not to answer' is a missing value"
            else:
                assert got[employee][item] == value, (employee, item)
    if shape == "qualtrics":
        assert rejects[["row", "reason"]].values.tolist() == [[8, "incomplete"]]


def test_every_shape_and_language_gives_the_same_scored_table(
    contract_examples, example_roster, questionnaire, survey_params
):
    tables = []
    for name in EXAMPLES:
        responses, _, detected = parse_survey(
            read(contract_examples / name), questionnaire, survey_params
        )
        matched, _ = match_respondents(responses, example_roster, [], detected)
        _, answers, _, _ = pseudonymise(example_roster, matched, questionnaire, "k")
        scored = score_items(answers, questionnaire).drop(columns="submitted_at").set_index("pid")
        tables.append(scored)
    # Each export has the same six people; the examples differ only in the
    # planted missing answer (00250 SM2) and the unfinished Qualtrics response.
    common = sorted(set.intersection(*(set(t.index) for t in tables)))
    assert len(common) == 5
    reference = tables[1].loc[common].drop(columns="SM2")
    for table in tables:
        pd.testing.assert_frame_equal(table.loc[common].drop(columns="SM2"), reference)


def test_reverse_coded_items_are_scored_six_minus_answer(
    contract_examples, example_roster, questionnaire, survey_params
):
    responses, _, detected = parse_survey(
        read(contract_examples / "survey_google_forms.csv"), questionnaire, survey_params
    )
    matched, _ = match_respondents(responses, example_roster, [], detected)
    _, answers, _, _ = pseudonymise(example_roster, matched, questionnaire, "k")
    scored = score_items(answers, questionnaire)
    for item in ["IN2", "IN4", "IN6"]:
        assert (scored[item] == 6 - answers[item]).all()
    assert (scored["IN1"] == answers["IN1"]).all()


def test_hebrew_export_joins_upper_case_email(
    contract_examples, example_roster, questionnaire, survey_params
):
    responses, _, detected = parse_survey(
        read(contract_examples / "survey_microsoft_forms_he.xlsx"), questionnaire, survey_params
    )
    assert "omer.levi@example.org" in set(responses["email"])
    matched, rejects = match_respondents(responses, example_roster, [], detected)
    assert rejects.empty and "00102" in set(matched["employee_id"])


def test_pseudonymised_tables_carry_no_clear_identifiers(
    contract_examples, example_roster, questionnaire, survey_params
):
    responses, _, detected = parse_survey(
        read(contract_examples / "survey_qualtrics.csv"), questionnaire, survey_params
    )
    matched, _ = match_respondents(responses, example_roster, [], detected)
    employees, answers, open_text, contacts = pseudonymise(
        example_roster, matched, questionnaire, "secret"
    )
    for table in (employees, answers, open_text):
        assert not {"employee_id", "email", "first_name", "last_name", "manager_id"} & set(
            table.columns
        )
        text = table.astype(str).to_string()
        assert "example.org" not in text and "00017" not in text
    # HMAC-SHA256 under the key, 16 hex digits, stable for the same key.
    import hashlib
    import hmac

    expected = hmac.new(b"secret", b"00017", hashlib.sha256).hexdigest()[:16]
    assert expected in set(employees["pid"])
    assert set(contacts["employee_id"]) == set(example_roster["employee_id"])
    again, *_ = pseudonymise(example_roster, matched, questionnaire, "another key")
    assert not set(again["pid"]) & set(employees["pid"])


def test_leading_zeros_survive_csv_and_xlsx(contract_examples, example_roster):
    assert "00017" in set(example_roster["employee_id"])


def test_headers_tolerate_spacing_quotes_case_and_trailing_punctuation(
    tmp_path, questionnaire, survey_params
):
    from .helpers import write_csv

    items = [i for i, s in questionnaire["items"].items() if s["scale"] != "text"]
    texts = {i: questionnaire["items"][i]["en"] for i in items}
    headers = [
        f'  "{texts[i].upper().rstrip("?.")}" ?'
        if n % 3 == 0
        else (i.lower() if n % 3 == 1 else questionnaire["items"][i]["he"] + "  ")
        for n, i in enumerate(items)
    ]
    answers = [
        "Strongly agree" if questionnaire["items"][i]["scale"] == "agreement" else "5"
        for i in items
    ]
    raw = read(
        write_csv(
            tmp_path / "survey.csv",
            [
                ["Timestamp", "Email Address", *headers],
                ["03/02/2026 09:00:00", "a@x.org", *answers],
            ],
        )
    )
    # the same answer everywhere: straight-lining, not checked here
    responses, rejects, detected = parse_survey(
        raw, questionnaire, {**survey_params, "straight_lining": {"check": False}}
    )
    assert detected["items_found"] == len(items) and detected["items_missing"] == []
    assert rejects.empty
    assert (responses[items] == 5.0).all(axis=None)
