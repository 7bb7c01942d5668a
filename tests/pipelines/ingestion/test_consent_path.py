"""A respondent who did not consent is placed by the HR-only typing model, never by their answers."""

from __future__ import annotations

from segmentation.codebook import Codebook
from segmentation.inmemory import run_in_memory
from segmentation.pipelines.ingestion.nodes import (
    match_respondents,
    parse_roster,
    parse_survey,
    pseudonymise,
    pseudonymous_ids,
    score_items,
)
from segmentation.pipelines.personas import create_pipeline
from segmentation.sample import generate_organisation
from segmentation.sample.exports import write_google_forms_csv, write_roster_csv

from ...conftest import load_parameters
from .helpers import read

WAVE = "2026-09"


def test_non_consenting_respondents_are_inferred_from_hr_data(tmp_path, questionnaire, survey_params, roster_params):
    codebook = Codebook.from_params(questionnaire)
    organisation = generate_organisation(600, seed=5, codebook=codebook)
    answers = organisation.answers[WAVE]
    answers = answers[organisation.truth[WAVE].responses["defect"].to_numpy() == ""].reset_index(drop=True)
    path = write_google_forms_csv(answers, tmp_path / "survey.csv", codebook)
    # add the consent question the way a form builder would: one more column
    lines = path.read_text(encoding="utf-8").splitlines()
    refusers = set(answers["email"].str.casefold().iloc[:20])
    consent = ["Consent"] + ["No" if line.split(",")[1].casefold() in refusers else "Yes" for line in lines[1:]]
    path.write_text("\n".join(f"{line},{c}" for line, c in zip(lines, consent, strict=True)) + "\n", encoding="utf-8")

    roster, _, rejected_keys, _ = parse_roster(read(write_roster_csv(organisation.roster, tmp_path / "roster.csv"), "roster"), roster_params, WAVE, None)
    responses, rejects, detected = parse_survey(read(path), questionnaire, survey_params)
    assert (rejects["reason"] == "no_consent").sum() == 20
    matched, _ = match_respondents(responses, roster, rejected_keys, detected)
    employees, raw_answers, _, _ = pseudonymise(roster, matched, questionnaire, "k")
    item_scores = score_items(raw_answers, questionnaire)

    refuser_ids = roster.loc[roster["email_key"].isin(refusers), "employee_id"]
    refuser_pids = set(pseudonymous_ids(refuser_ids, "k"))
    assert len(refuser_pids) == 20
    assert not refuser_pids & set(item_scores["pid"])
    assert not employees.loc[employees["pid"].isin(refuser_pids), "responded"].any()

    parameters = {**load_parameters("personas"), "questionnaire": questionnaire, "wave": WAVE, "wave_date": None,
                  "seed": 0, "anonymity": {"min_group_size": 5}}
    catalog = run_in_memory(create_pipeline(stable_identities=False), {"employees": employees, "item_scores": item_scores}, parameters)
    assignments = catalog.load("persona_assignments").set_index("pid")
    active_refusers = employees.loc[employees["pid"].isin(refuser_pids) & employees["employment_status"].eq("active"), "pid"]
    assert len(active_refusers) >= 15
    assert (assignments.loc[active_refusers, "assignment_source"] == "inferred").all()
    assert not set(active_refusers) & set(catalog.load("construct_scores")["pid"])
