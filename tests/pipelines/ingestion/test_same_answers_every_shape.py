"""The same answers, exported by every tool in both languages, score identically."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.codebook import Codebook
from segmentation.pipelines.ingestion.nodes import (
    match_respondents,
    parse_roster,
    parse_survey,
    pseudonymise,
    score_items,
)
from segmentation.sample import generate_organisation
from segmentation.sample.exports import (
    write_google_forms_csv,
    write_limesurvey_csv,
    write_microsoft_forms_xlsx,
    write_qualtrics_csv,
    write_roster_csv,
    write_surveymonkey_csv,
)

from .helpers import read

WRITERS = {
    "microsoft_forms": (write_microsoft_forms_xlsx, "survey.xlsx"),
    "google_forms": (write_google_forms_csv, "survey.csv"),
    "qualtrics": (write_qualtrics_csv, "survey.csv"),
    "limesurvey": (write_limesurvey_csv, "survey.csv"),
    "surveymonkey": (write_surveymonkey_csv, "survey.csv"),
}
WAVE = "2026-09"


@pytest.fixture(scope="module")
def organisation(questionnaire):
    return generate_organisation(300, seed=3, codebook=Codebook.from_params(questionnaire))


def _scored_table(path, roster, questionnaire, survey_params) -> tuple[str, pd.DataFrame]:
    responses, rejects, detected = parse_survey(read(path), questionnaire, survey_params)
    assert rejects.empty, rejects
    matched, match_rejects = match_respondents(responses, roster, [], detected)
    assert match_rejects.empty, match_rejects
    _, answers, _, _ = pseudonymise(roster, matched, questionnaire, "k")
    return detected["shape"], score_items(answers, questionnaire).drop(
        columns="submitted_at"
    ).set_index("pid")


@pytest.mark.parametrize("language", ["en", "he"])
def test_every_export_shape_gives_the_same_scored_table(
    tmp_path, organisation, questionnaire, survey_params, roster_params, language
):
    codebook = Codebook.from_params(questionnaire)
    answers = organisation.answers[WAVE]
    answers = answers[organisation.truth[WAVE].responses["defect"].to_numpy() == ""].reset_index(
        drop=True
    )
    roster_raw = read(write_roster_csv(organisation.roster, tmp_path / "roster.csv"), "roster")
    roster, roster_rejects, _, _ = parse_roster(roster_raw, roster_params, WAVE, None)
    assert roster_rejects.empty

    tables = {}
    for shape, (write, name) in WRITERS.items():
        path = write(answers, tmp_path / shape / name, codebook, language=language)
        detected_shape, tables[shape] = _scored_table(path, roster, questionnaire, survey_params)
        assert detected_shape == shape
    reference = tables["qualtrics"]
    assert len(reference) == len(answers) > 100
    for shape, table in tables.items():
        pd.testing.assert_frame_equal(table, reference, obj=shape)

    # and they are the answers that were written, reverse-coded
    expected = answers.set_index("employee_id")[codebook.scored_items].astype(float)
    for item in codebook.reverse_items:
        expected[item] = 6 - expected[item]
    by_employee = reference.rename(index=dict(zip(*_pid_map(roster), strict=True)))
    np.testing.assert_array_equal(by_employee.loc[expected.index].to_numpy(), expected.to_numpy())


def _pid_map(roster: pd.DataFrame) -> tuple[list[str], list[str]]:
    from segmentation.pipelines.ingestion.nodes import pseudonymous_ids

    return list(pseudonymous_ids(roster["employee_id"], "k")), list(roster["employee_id"])
