"""Data that cannot make personas stops the run with one clear line; usable oddities only warn.

Each case goes through the real ingestion nodes and the personas pipeline in
memory (the stop comes before any model is fitted, so these stay fast).
"""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.codebook import Codebook
from segmentation.errors import RunStopped, find_run_stop
from segmentation.inmemory import run_in_memory
from segmentation.pipelines.ingestion.nodes import (
    match_respondents,
    parse_roster,
    parse_survey,
    pseudonymise,
    score_items,
)
from segmentation.pipelines.personas import create_pipeline
from segmentation.sample import generate_organisation
from segmentation.sample.exports import (
    write_microsoft_forms_xlsx,
    write_qualtrics_csv,
    write_roster_csv,
)

from ...conftest import load_parameters
from .helpers import read

WAVE = "2026-09"
TOO_FEW = (
    "survey responses: only {n} usable response{s} after validation, too few to form personas; "
    "the reason for every response left out is in this run's rejects.csv (a stopped run keeps what it wrote in data/.staging/). Expected: at least 15 usable responses: "
    "personas.k_selection.k_min (3) personas of anonymity.min_group_size (5) people each."
)


@pytest.fixture(scope="module")
def organisation(questionnaire):
    organisation = generate_organisation(80, seed=3, codebook=Codebook.from_params(questionnaire))
    answers = organisation.answers[WAVE]
    clean = answers[organisation.truth[WAVE].responses["defect"].to_numpy() == ""].reset_index(
        drop=True
    )
    return organisation.roster, clean


def _stop_of_run(
    tmp_path, roster: pd.DataFrame, survey_path, questionnaire, roster_params, survey_params
) -> RunStopped:
    """Ingest, then run the personas stage; the problem that stopped it."""
    roster_table, _, rejected_keys, _ = parse_roster(
        read(write_roster_csv(roster, tmp_path / "roster.csv"), "roster"), roster_params, WAVE, None
    )
    responses, _, detected = parse_survey(read(survey_path), questionnaire, survey_params)
    matched, _ = match_respondents(responses, roster_table, rejected_keys, detected)
    employees, raw_answers, _, _ = pseudonymise(roster_table, matched, questionnaire, "k")
    parameters = {
        **load_parameters("personas"),
        "questionnaire": questionnaire,
        "wave": WAVE,
        "wave_date": None,
        "seed": 0,
        "anonymity": {"min_group_size": 5},
    }
    with pytest.raises(Exception) as caught:
        run_in_memory(
            create_pipeline(stable_identities=False),
            {"employees": employees, "item_scores": score_items(raw_answers, questionnaire)},
            parameters,
        )
    problem = find_run_stop(caught.value)
    assert problem is not None, f"a crash, not a clear stop: {caught.value!r}"
    return problem


def _qualtrics(tmp_path, answers, questionnaire):
    return write_qualtrics_csv(
        answers, tmp_path / "survey.csv", Codebook.from_params(questionnaire)
    )


def test_a_survey_with_only_its_header_rows_stops_the_run(
    tmp_path, organisation, questionnaire, roster_params, survey_params
):
    roster, answers = organisation
    path = _qualtrics(tmp_path, answers.iloc[:0], questionnaire)
    assert str(
        _stop_of_run(tmp_path, roster, path, questionnaire, roster_params, survey_params)
    ) == TOO_FEW.format(n=0, s="s")


@pytest.mark.parametrize("n", [1, 3])
def test_one_or_three_respondents_stop_the_run(
    tmp_path, organisation, questionnaire, roster_params, survey_params, n
):
    roster, answers = organisation
    path = _qualtrics(tmp_path, answers.iloc[:n], questionnaire)
    message = str(_stop_of_run(tmp_path, roster, path, questionnaire, roster_params, survey_params))
    assert message == TOO_FEW.format(n=n, s="" if n == 1 else "s")


def test_every_response_unfinished_stops_the_run(
    tmp_path, organisation, questionnaire, roster_params, survey_params
):
    roster, answers = organisation
    path = _qualtrics(tmp_path, answers.assign(finished=False), questionnaire)
    assert str(
        _stop_of_run(tmp_path, roster, path, questionnaire, roster_params, survey_params)
    ) == TOO_FEW.format(n=0, s="s")


def test_a_one_person_roster_stops_the_run(
    tmp_path, organisation, questionnaire, roster_params, survey_params
):
    roster, answers = organisation
    path = _qualtrics(tmp_path, answers, questionnaire)
    one = roster[roster["employee_id"].isin(answers["employee_id"])].iloc[:1]
    assert str(
        _stop_of_run(tmp_path, one, path, questionnaire, roster_params, survey_params)
    ) == TOO_FEW.format(n=1, s="")


def test_identical_answers_from_everyone_stop_the_run(
    tmp_path, organisation, questionnaire, roster_params, survey_params
):
    roster, answers = organisation
    items = Codebook.from_params(questionnaire).scored_items
    same = answers.copy()
    same[items] = 3.0
    path = _qualtrics(tmp_path, same, questionnaire)
    # by default every one of them is a straight-liner, left out of the personas
    assert str(
        _stop_of_run(tmp_path, roster, path, questionnaire, roster_params, survey_params)
    ) == TOO_FEW.format(n=0, s="s")
    # kept in (survey.straight_lining.exclude: false), they give one answer pattern
    kept = {
        **survey_params,
        "straight_lining": {**survey_params["straight_lining"], "exclude": False},
    }
    message = str(_stop_of_run(tmp_path, roster, path, questionnaire, roster_params, kept))
    assert message == (
        f"survey responses: the {len(answers)} usable responses give only 1 different answer pattern: the answers do "
        "not vary enough to form personas. Expected: answers that differ between people (at least "
        "personas.k_selection.k_min = 3 patterns); check that the export holds the answers, not a placeholder or default value."
    )


def test_an_anonymous_microsoft_forms_export_is_read_whole_and_says_how_employees_are_typed(
    tmp_path, organisation, questionnaire, survey_params, caplog
):
    _, answers = organisation
    path = write_microsoft_forms_xlsx(
        answers.drop(columns=["email", "name"], errors="ignore").assign(email=""),
        tmp_path / "survey.xlsx",
        Codebook.from_params(questionnaire),
    )
    table = read(path)
    email_column = [i for i, h in enumerate(table.cells.iloc[0]) if h in ("Email", "Name")]
    table.cells = table.cells.drop(columns=email_column)
    table.cells.columns = range(table.cells.shape[1])
    with caplog.at_level("WARNING"):
        responses, rejects, detected = parse_survey(
            table, questionnaire, {**survey_params, "roster_link": {}}
        )
    assert detected["anonymous"] is True
    assert len(responses) + int((rejects["action"] == "row_rejected").sum()) == len(table.cells) - 1
    assert (responses["respondent_id"] == "").all() and (responses["email"] == "").all()
    assert (
        "the microsoft_forms export names nobody (no employee id or email column): an anonymous survey"
        in caplog.text
    )
    assert "no survey.roster_link: run `segmentation inspect` to write one" in caplog.text
