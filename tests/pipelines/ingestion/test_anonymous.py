"""An anonymous export (no employee id or email): personas from the answers, employees typed on linked demographics."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from segmentation.codebook import Codebook
from segmentation.errors import InputFileError
from segmentation.inmemory import run_in_memory
from segmentation.pipelines.ingestion.nodes import (
    link_demographics,
    match_respondents,
    parse_roster,
    parse_survey,
    pseudonymise,
    score_items,
)
from segmentation.pipelines.personas import create_pipeline
from segmentation.sample import generate_organisation
from segmentation.sample.exports import write_google_forms_csv, write_roster_csv

from ...conftest import load_parameters
from .helpers import read

WAVE = "2026-09"
LINK = {
    "age": {
        "column": ["Age group"],
        "bands": {"under 35": [0, 35], "35-49": [35, 50], "50 or above": [50, None]},
    },
    "gender": {"column": ["Gender"], "values": {"Female": "F", "Male": "M"}},
}


def _anonymous_export(tmp_path, organisation, codebook):
    """The sample's Google Forms export with the email column dropped and age group and gender asked instead."""
    answers = organisation.answers[WAVE]
    answers = answers[organisation.truth[WAVE].responses["defect"].to_numpy() == ""].reset_index(
        drop=True
    )
    path = write_google_forms_csv(answers, tmp_path / "named.csv", codebook)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    email = rows[0].index("Email Address")
    people = organisation.roster.set_index(organisation.roster["email"].str.casefold())
    out = [[c for i, c in enumerate(rows[0]) if i != email] + ["Age group", "Gender"]]
    for row in rows[1:]:
        person = people.loc[row[email].casefold()]
        age = 2026 - int(person["birth_year"])
        band = "under 35" if age < 35 else "35-49" if age < 50 else "50 or above"
        gender = {"F": "Female", "M": "Male"}.get(person["gender"], "Prefer not to say")
        out.append([c for i, c in enumerate(row) if i != email] + [band, gender])
    anonymous = tmp_path / "survey.csv"
    with open(anonymous, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(out)
    return anonymous, len(out) - 1


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, questionnaire, survey_params, roster_params):
    tmp_path = tmp_path_factory.mktemp("anonymous")
    codebook = Codebook.from_params(questionnaire)
    organisation = generate_organisation(600, seed=5, codebook=codebook)
    path, n_rows = _anonymous_export(tmp_path, organisation, codebook)
    params = {**survey_params, "roster_link": LINK}
    roster, _, rejected_keys, _ = parse_roster(
        read(write_roster_csv(organisation.roster, tmp_path / "roster.csv"), "roster"),
        roster_params,
        WAVE,
        None,
    )
    responses, rejects, detected = parse_survey(read(path), questionnaire, params)
    matched, match_rejects = match_respondents(responses, roster, rejected_keys, detected)
    employees, raw_answers, open_text, contacts = pseudonymise(roster, matched, questionnaire, "k")
    linked = link_demographics(employees, matched, params, WAVE, None, "k")
    return {
        "n_rows": n_rows,
        "detected": detected,
        "rejects": rejects,
        "match_rejects": match_rejects,
        "matched": matched,
        "employees": employees,
        "answers": raw_answers,
        "linked": linked,
        "roster": roster,
        "path": path,
        "questionnaire": questionnaire,
        "params": params,
    }


def test_every_anonymous_response_is_kept_under_a_pseudonym_that_is_nobodys(ingested):
    assert ingested["detected"]["anonymous"] is True
    assert len(ingested["match_rejects"]) == 0
    assert (
        len(ingested["matched"]) + int((ingested["rejects"]["action"] == "row_rejected").sum())
        == ingested["n_rows"]
    )
    answers, employees = ingested["answers"], ingested["employees"]
    assert answers["pid"].is_unique and answers["pid"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert not set(answers["pid"]) & set(employees["pid"])
    assert not employees["responded"].any()


def test_linked_demographics_put_employees_and_respondents_on_the_same_categories(ingested):
    linked = ingested["linked"].set_index("pid")
    employees = ingested["employees"].set_index("pid")
    staff = linked.loc[employees.index]
    age = 2026 - employees["birth_year"].astype(float)
    expected = np.where(age < 35, "under 35", np.where(age < 50, "35-49", "50 or above"))
    assert (staff["linked_age"] == expected).all()
    # roster 'X' is no answer the survey offered: not typed on
    assert staff.loc[employees["gender"] == "X", "linked_gender"].isna().all()
    assert set(staff["linked_gender"].dropna()) == {"F", "M"}
    respondents = linked.loc[ingested["answers"]["pid"]]
    assert set(respondents["linked_age"]) == {"under 35", "35-49", "50 or above"}
    assert set(respondents["linked_gender"].dropna()) == {"F", "M"}


def test_a_linked_question_missing_from_the_export_stops_the_run(ingested):
    params = {
        **ingested["params"],
        "roster_link": {"site": {"column": ["Where do you work?"], "values": {"Haifa": "Haifa"}}},
    }
    with pytest.raises(
        InputFileError, match=r"survey.roster_link.site names a question that is not in the export"
    ):
        parse_survey(read(ingested["path"]), ingested["questionnaire"], params)


def test_every_active_employee_is_typed_and_respondents_keep_their_survey_persona(ingested):
    questionnaire = ingested["questionnaire"]
    personas = load_parameters("personas")["personas"]
    features = ["linked_age", "linked_gender"]
    personas["model"]["covariates"] = {
        **personas["model"]["covariates"],
        "categorical": [],
        "numeric": [],
    }
    personas["profiles"] = {**personas["profiles"], "hr_numeric": [], "demographics": features}
    personas["typing"] = {
        **personas["typing"],
        "categorical": features,
        "numeric": [],
        "min_confidence": 0.0,
    }
    parameters = {
        "personas": personas,
        "questionnaire": questionnaire,
        "wave": WAVE,
        "wave_date": None,
        "seed": 0,
        "anonymity": {"min_group_size": 5},
    }
    item_scores = score_items(ingested["answers"], questionnaire)
    catalog = run_in_memory(
        create_pipeline(stable_identities=False),
        {
            "employees": ingested["employees"],
            "item_scores": item_scores,
            "linked_demographics": ingested["linked"],
        },
        parameters,
    )
    assignments = catalog.load("persona_assignments")
    employees = ingested["employees"]
    active = employees.loc[employees["employment_status"] == "active", "pid"]
    inferred = assignments[assignments["assignment_source"] == "inferred"]
    assert sorted(inferred["pid"]) == sorted(active)
    assert (inferred["persona_id"] != "unassigned").all()
    survey = assignments[assignments["assignment_source"] == "survey"]
    assert sorted(survey["pid"]) == sorted(item_scores["pid"])
    evaluation = catalog.load("typing_evaluation")
    assert evaluation["features"] == features
    assert 0.0 < evaluation["accuracy"] <= 1.0 and 0.0 < evaluation["baseline"] <= 1.0
    assert not pd.isna(assignments["persona_name"]).any()
