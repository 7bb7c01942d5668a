"""Every export shape of docs/survey_exports.md, read from its tiny example in docs/examples/exports."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from segmentation.errors import InputFileError
from segmentation.pipelines.ingestion.nodes import parse_survey

from ...conftest import PROJECT_ROOT
from .helpers import read, write_csv

EXAMPLES = PROJECT_ROOT / "docs" / "examples" / "exports"


@pytest.fixture(scope="module")
def example_questionnaire() -> dict:
    return yaml.safe_load((EXAMPLES / "questionnaire.yml").read_text(encoding="utf-8"))[
        "questionnaire"
    ]


@pytest.mark.parametrize(
    "name, shape, carries_id, marks_unfinished",
    [
        ("microsoft_forms.xlsx", "microsoft_forms", False, False),
        ("google_forms.csv", "google_forms", False, False),
        ("qualtrics.csv", "qualtrics", True, True),
        ("limesurvey.csv", "limesurvey", True, True),
        ("surveymonkey.csv", "surveymonkey", True, False),
    ],
)
def test_each_example_export_is_read_alike(
    name, shape, carries_id, marks_unfinished, example_questionnaire, survey_params
):
    responses, rejects, detected = parse_survey(
        read(EXAMPLES / name), example_questionnaire, survey_params
    )
    assert detected["shape"] == shape
    assert detected["items_found"] == 3 and detected["items_missing"] == []
    by_email = responses.set_index("email")
    assert by_email.loc["dana@example.org", ["Q1", "Q2", "Q3"]].tolist() == [5.0, 1.0, 10.0]
    assert by_email.loc["dana@example.org", "FREE"] == "A place to ask experts"
    omer = by_email.loc["omer@example.org", ["Q1", "Q2", "Q3"]].tolist()
    assert omer[0] == 2.0 and np.isnan(omer[1]) and omer[2] == 0.0
    ids = ["00001", "00002", "00003"][: len(by_email)]
    assert by_email["respondent_id"].tolist() == (ids if carries_id else [""] * len(ids))
    if marks_unfinished:  # the third respondent stopped: the tool says so, and the row is not used
        assert "lea@example.org" not in by_email.index
        assert rejects[["row", "reason"]].values.tolist() == [
            [detected["header_rows"] + 3, "incomplete"]
        ]
    else:
        assert by_email.loc["lea@example.org", ["Q1", "Q2"]].tolist() == [4.0, 2.0]
        assert rejects.empty


def test_surveymonkey_reads_matrix_rows_from_its_second_header_row(
    example_questionnaire, survey_params
):
    raw = read(EXAMPLES / "surveymonkey.csv")
    assert (
        raw.cells.iat[0, 10] == ""
        and raw.cells.iat[1, 10] == "New tools are more trouble than they are worth."
    )
    _, _, detected = parse_survey(raw, example_questionnaire, survey_params)
    assert detected["header_rows"] == 2


def test_limesurvey_blank_submission_date_means_not_completed(example_questionnaire, survey_params):
    _, rejects, detected = parse_survey(
        read(EXAMPLES / "limesurvey.csv"), example_questionnaire, survey_params
    )
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [4, "Date submitted", "not submitted (last page 2)", "incomplete"]
    ]


def test_limesurvey_question_code_headers_are_recognised(
    tmp_path, example_questionnaire, survey_params
):
    rows = [
        ["id", "submitdate", "lastpage", "startlanguage", "email", "Q1", "Q2", "Q3"],
        ["1", "2024-05-01 10:00:00", "3", "de", "a@example.org", "Stimme zu", "Keine Angabe", "7"],
        ["2", "", "1", "de", "b@example.org", "Stimme voll zu", "", ""],
    ]
    responses, rejects, detected = parse_survey(
        read(write_csv(tmp_path / "named.csv", rows)), example_questionnaire, survey_params
    )
    assert detected["shape"] == "limesurvey"
    assert responses[["email", "Q1", "Q3"]].values.tolist() == [["a@example.org", 4.0, 7.0]]
    assert rejects[["row", "column", "reason"]].values.tolist() == [[3, "submitdate", "incomplete"]]


def test_unknown_shape_names_inspect_and_the_shapes_setting(
    tmp_path, example_questionnaire, survey_params
):
    raw = read(
        write_csv(tmp_path / "export.csv", [["Respondent", "When", "Q1"], ["7", "today", "Agree"]])
    )
    with pytest.raises(InputFileError) as caught:
        parse_survey(raw, example_questionnaire, survey_params)
    message = str(caught.value)
    assert (
        "matches none of the export shapes in the survey.shapes setting: qualtrics (ResponseId + Finished), "
        in message
    )
    assert (
        "limesurvey (Response ID + Date submitted + Last page), surveymonkey (Respondent ID + Collector ID)"
        in message
    )
    assert f"run `segmentation inspect {raw.source} --env NAME`" in message
    assert "under survey.shapes in conf/<env>/parameters_ingestion.yml" in message
