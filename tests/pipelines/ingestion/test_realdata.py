"""The readers on real exports written by others (../shared/realdata, never copied here)."""

from __future__ import annotations

import pytest

from segmentation.errors import InputFileError, find_input_error
from segmentation.parsing import locate_columns, parse_dates
from segmentation.pipelines.ingestion.nodes import parse_roster, parse_survey

from .helpers import huebner_roster_params, read


def _load_problem(path, role="survey") -> str:
    with pytest.raises(Exception) as caught:
        read(path, role)
    problem = find_input_error(caught.value)
    assert problem is not None
    return str(problem)


def test_excel_mangled_semicolon_csv_fails_clearly(realdata):
    message = _load_problem(realdata / "stackoverflow_2019_first997_excel_mangled.csv")
    assert (
        "stackoverflow_2019_first997_excel_mangled.csv: the file is semicolon (;)-separated"
        in message
    )
    assert "Expected: a comma-separated CSV" in message


@pytest.mark.parametrize(
    "name, shape",
    [
        ("effects_of_social_media_google_forms_responses.xlsx", "google_forms"),
        ("social_media_mental_health_google_forms_smmh.csv", "google_forms"),
        ("genai_workplace_survey_2024_limesurvey_export.csv", "limesurvey"),
    ],
)
def test_google_forms_exports_of_other_surveys_are_recognised_then_refused(
    name, shape, realdata, questionnaire, survey_params
):
    raw = read(realdata / name)
    assert raw.cells.iat[0, 0] == {"google_forms": "Timestamp", "limesurvey": "Response ID"}[shape]
    with pytest.raises(InputFileError) as caught:
        parse_survey(raw, questionnaire, survey_params)
    assert f"(detected shape: {shape}); this is not the adoption-readiness survey" in str(
        caught.value
    )


@pytest.mark.parametrize(
    "name",
    ["pierce_county_hr_employee_survey_responses.xlsx", "osmi_mental_health_in_tech_2016.csv"],
)
def test_unknown_export_shapes_stop_with_one_message(name, realdata, questionnaire, survey_params):
    raw = read(realdata / name)
    with pytest.raises(InputFileError, match="not a survey export this pipeline knows") as caught:
        parse_survey(raw, questionnaire, survey_params)
    assert "segmentation inspect" in str(caught.value) and "survey.shapes" in str(caught.value)
    assert "\n" not in str(caught.value)  # one line


def test_ibm_roster_bom_is_stripped_and_missing_columns_named(realdata, roster_params):
    raw = read(realdata / "ibm_hr_attrition_WA_Fn-UseC_.csv", "roster")
    assert raw.cells.iat[0, 0] == "Age"
    assert len(raw.cells) == 1471
    with pytest.raises(
        InputFileError,
        match="the roster has no column for employee_id, org_unit, site, job_level, work_pattern, hire_date or tenure_years or tenure_months",
    ):
        parse_roster(raw, roster_params, "2026-03", None)


def test_huebner_roster_dates_with_two_digit_years_and_a_column_mapping(realdata, roster_params):
    raw = read(realdata / "hr_dataset_v14_huebner.csv", "roster")
    header = raw.cells.iloc[0].tolist()
    found = locate_columns(
        header, {"employee_id": ["EmpID"], "birth_date": ["DOB"], "hire_date": ["DateofHire"]}
    )
    births, bad_births = parse_dates(
        raw.cells.iloc[1:, found["birth_date"]], pivot=roster_params["two_digit_year_pivot"]
    )
    hires, bad_hires = parse_dates(raw.cells.iloc[1:, found["hire_date"]])
    assert not bad_births.any() and not bad_hires.any()
    assert births.dt.year.between(1930, 2005).all()
    assert hires.dt.year.between(2005, 2019).all()
    # A user maps their headers in conf; the mapped roster then reads row by row.
    params = huebner_roster_params(roster_params, work_pattern=["nonexistent"])
    with pytest.raises(InputFileError, match="the roster has no column for work_pattern"):
        parse_roster(raw, params, "2026-03", None)


def test_limesurvey_export_blank_submission_date_is_incomplete(realdata, survey_params):
    """The GenAI-at-work LimeSurvey file: 15 of 124 responses were never submitted."""
    questionnaire = {
        "scales": {"use": {"labels": {"en": ["Never", "Rarely", "Monthly", "Weekly", "Daily"]}}},
        "constructs": {"genai_use": ["USE"]},
        "items": {
            "USE": {
                "scale": "use",
                "en": "How often do you use generative AI tools (e.g. ChatGPT) at work?",
            }
        },
    }
    # the export is anonymous: here its Response ID stands in for a respondent column, by configuration only
    shape = {**survey_params["shapes"]["limesurvey"], "respondent_id": ["Response ID"]}
    params = {**survey_params, "consent_column": [], "shapes": {"limesurvey": shape}}
    responses, rejects, detected = parse_survey(
        read(realdata / "genai_workplace_survey_2024_limesurvey_export.csv"), questionnaire, params
    )
    assert detected["shape"] == "limesurvey" and detected["rows_read"] == 124
    unsubmitted = rejects[rejects["column"] == "Date submitted"]
    assert len(unsubmitted) == 15 and set(unsubmitted["reason"]) == {"incomplete"}
    assert unsubmitted["value"].str.startswith("not submitted (last page").all()
    # of the 109 submitted, 3 left the one item blank (incomplete); the rest are read on the 5-point scale
    assert len(responses) == 106
    assert responses["USE"].value_counts().to_dict() == {
        5.0: 38,
        4.0: 28,
        1.0: 15,
        3.0: 14,
        2.0: 11,
    }
