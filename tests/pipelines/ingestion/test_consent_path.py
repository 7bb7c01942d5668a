"""A respondent who did not consent is placed by the HR-only typing model, never by their answers."""

from __future__ import annotations

import click
import pytest
import yaml
from click.testing import CliRunner

from segmentation.cli import _explain_input_errors
from segmentation.codebook import Codebook
from segmentation.errors import InputFileError
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

from ...conftest import PROJECT_ROOT, load_parameters
from .helpers import read, write_csv

WAVE = "2026-09"


def test_non_consenting_respondents_are_inferred_from_hr_data(
    tmp_path, questionnaire, survey_params, roster_params
):
    codebook = Codebook.from_params(questionnaire)
    organisation = generate_organisation(600, seed=5, codebook=codebook)
    answers = organisation.answers[WAVE]
    answers = answers[organisation.truth[WAVE].responses["defect"].to_numpy() == ""].reset_index(
        drop=True
    )
    path = write_google_forms_csv(answers, tmp_path / "survey.csv", codebook)
    # add the consent question the way a form builder would: one more column
    lines = path.read_text(encoding="utf-8").splitlines()
    refusers = set(answers["email"].str.casefold().iloc[:20])
    consent = ["Consent"] + [
        "No" if line.split(",")[1].casefold() in refusers else "Yes" for line in lines[1:]
    ]
    path.write_text(
        "\n".join(f"{line},{c}" for line, c in zip(lines, consent, strict=True)) + "\n",
        encoding="utf-8",
    )

    roster, _, rejected_keys, _ = parse_roster(
        read(write_roster_csv(organisation.roster, tmp_path / "roster.csv"), "roster"),
        roster_params,
        WAVE,
        None,
    )
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

    personas = load_parameters("personas")
    # Who is placed by HR data alone is the subject, not how well k is chosen or the
    # personas typed: fewer candidate ks, bootstraps, restarts and folds than shipped.
    personas["personas"]["k_selection"].update({"k_max": 5, "n_init": 3, "n_bootstrap": 4})
    personas["personas"]["model"]["n_init"] = 3
    personas["personas"]["typing"]["cv_folds"] = 3
    parameters = {
        **personas,
        "questionnaire": questionnaire,
        "wave": WAVE,
        "wave_date": None,
        "seed": 0,
        "anonymity": {"min_group_size": 5},
    }
    catalog = run_in_memory(
        create_pipeline(stable_identities=False),
        {"employees": employees, "item_scores": item_scores},
        parameters,
    )
    assignments = catalog.load("persona_assignments").set_index("pid")
    active_refusers = employees.loc[
        employees["pid"].isin(refuser_pids) & employees["employment_status"].eq("active"), "pid"
    ]
    assert len(active_refusers) >= 15
    assert (assignments.loc[active_refusers, "assignment_source"] == "inferred").all()
    assert not set(active_refusers) & set(catalog.load("construct_scores")["pid"])


def _consent_survey(
    tmp_path, questionnaire, consent_header: str, rows_above: list[list[str]] | None = None
):
    """A Google Forms export with a consent column headed ``consent_header``; e00002 said no."""
    items = [i for i, s in questionnaire["items"].items() if s["scale"] != "text"]
    rows = [
        ["Timestamp", "Email Address", consent_header, *items],
        ["03/02/2026 09:00:00", "e00001@example.org", "Yes", *["4"] * len(items)],
        ["03/02/2026 09:00:00", "e00002@example.org", "No", *["4"] * len(items)],
    ]
    return read(write_csv(tmp_path / "survey.csv", rows))


def test_a_configured_consent_column_that_is_not_found_stops_the_run(
    tmp_path, questionnaire, survey_params
):
    """Was: silently ignored, so a respondent who said "No" was used."""
    raw = _consent_survey(tmp_path, questionnaire, "Do you agree to take part?")
    params = {**survey_params, "consent_column": ["I consent to the use of my answers"]}
    with pytest.raises(InputFileError) as caught:
        parse_survey(raw, questionnaire, params)
    message = str(caught.value)
    assert message.startswith(
        f"{raw.source}: the consent column set in survey.consent_column (I consent to the use of my answers) is not in the export's headers"
    )
    assert "\n" not in message


def test_the_cli_stops_with_exit_code_2_on_it(tmp_path, questionnaire, survey_params):
    """The one line reaches the user through the project's run command (exit 2, no traceback)."""
    raw = _consent_survey(tmp_path, questionnaire, "Do you agree to take part?")
    params = {**survey_params, "consent_column": ["I consent"]}

    @click.command()
    def run():
        parse_survey(raw, questionnaire, params)

    result = CliRunner().invoke(click.command()(_explain_input_errors(run.callback)))
    assert result.exit_code == 2
    assert "the consent column set in survey.consent_column (I consent)" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "header",
    [
        "  i AGREE to take part.  ",
        "\u201cI agree to\u00a0take   part\u201d",
        "I agree to take part:",
    ],
)
def test_consent_headers_match_as_tolerantly_as_item_headers(
    tmp_path, questionnaire, survey_params, header
):
    raw = _consent_survey(tmp_path, questionnaire, header)
    # the same answer everywhere: straight-lining, not checked here
    responses, rejects, detected = parse_survey(
        raw,
        questionnaire,
        {
            **survey_params,
            "consent_column": ["I agree to take part"],
            "straight_lining": {"check": False},
        },
    )
    assert detected["consent_column"] == header
    assert rejects[["row", "reason"]].values.tolist() == [[3, "no_consent"]]
    assert responses["email"].tolist() == ["e00001@example.org"]


def test_consent_question_found_in_a_second_header_row(tmp_path, survey_params):
    """SurveyMonkey puts a matrix or a long question's text in the second header row, as it does for items."""
    questionnaire = yaml.safe_load(
        (PROJECT_ROOT / "docs" / "examples" / "exports" / "questionnaire.yml").read_text(
            encoding="utf-8"
        )
    )["questionnaire"]
    lines = (
        (PROJECT_ROOT / "docs" / "examples" / "exports" / "surveymonkey.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    answers = ["Yes", "No", "Yes"]
    lines = [
        lines[0] + ",Consent",
        lines[1] + ",I agree that my answers are used",
        *(f"{line},{a}" for line, a in zip(lines[2:], answers, strict=True)),
    ]
    (tmp_path / "survey.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    params = {**survey_params, "consent_column": ["I agree that my answers are used."]}
    responses, rejects, _ = parse_survey(read(tmp_path / "survey.csv"), questionnaire, params)
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [4, "Consent", "No", "no_consent"]
    ]
    assert responses["email"].tolist() == ["dana@example.org", "lea@example.org"]


def test_the_real_limesurvey_consent_paragraph_matches_its_plain_spelling(realdata, survey_params):
    """The GenAI export's consent header is ~900 characters with tabs and no-break spaces."""
    raw = read(realdata / "genai_workplace_survey_2024_limesurvey_export.csv")
    header = raw.cells.iat[0, 4]
    assert "\t" in header and "\u00a0" in header
    plain = " ".join(header.replace("\u00a0", " ").split())
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
    shape = {**survey_params["shapes"]["limesurvey"], "respondent_id": ["Response ID"]}
    params = {**survey_params, "consent_column": [plain], "shapes": {"limesurvey": shape}}
    responses, rejects, detected = parse_survey(raw, questionnaire, params)
    assert detected["consent_column"] == header
    # everyone used said yes; the one "No" never submitted (rejected as incomplete before consent is asked)
    said = dict(zip(raw.row_numbers[1:], raw.cells.iloc[1:, 4], strict=True))
    assert {said[r] for r in responses["_row"]} == {"Yes"}
    no_rows = [r for r, v in said.items() if v == "No"]
    assert len(no_rows) == 1 and rejects.loc[rejects["row"] == no_rows[0], "reason"].tolist() == [
        "incomplete"
    ]
    assert not (
        rejects["reason"] == "answer_not_in_scale"
    ).any()  # a blank answer is unanswered, not off the scale
    assert len(responses) + rejects.loc[rejects["action"] == "row_rejected", "row"].nunique() == 124
