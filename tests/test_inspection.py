"""What ``segmentation inspect`` guesses about each column, and the starter it writes from the guesses."""

from __future__ import annotations

import pytest
import yaml

from segmentation.inspection import (
    age_band_bounds,
    classify_column,
    classify_columns,
    gender_map,
    guess_constructs,
    guess_role,
    item_ids,
    matching_ladder,
    multi_select_options,
    numeric_range,
    option_stems,
)
from segmentation.starter_conf import starter_environment, yaml_value

from .conftest import load_parameters


@pytest.fixture(scope="module")
def vocab() -> dict:
    return load_parameters("inspect")["inspect"]


def kind(vocab, header, values, **kwargs):
    return classify_column(0, header, values, vocab, **kwargs).kind


def test_numeric_rating_has_its_range_and_bad_ranges_are_not_ratings():
    assert numeric_range(["1", "7", "4"]) == (1, 7)
    assert numeric_range(["0", "10"]) == (0, 10)
    assert numeric_range(["3", "3"]) is None  # one point is no scale
    assert numeric_range(["1", "12"]) is None  # beyond an 11-point scale
    assert numeric_range(["1.5", "2"]) is None
    assert numeric_range([]) is None


def test_labelled_rating_takes_the_shortest_ladder_that_holds_every_answer(vocab):
    ladders = vocab["ladders"]
    assert matching_ladder(["Daily", "never", "Weekly "], ladders) == "use_frequency_5"
    assert matching_ladder(["Agree", "Strongly agree", "Disagree"], ladders) == "agreement_5"
    assert matching_ladder(["Somewhat agree", "Agree"], ladders) == "agreement_7"
    assert matching_ladder(["Red", "Blue"], ladders) is None
    assert matching_ladder(["Agree"], ladders) is None


def test_every_kind_of_column(vocab):
    assert kind(vocab, "PE1", ["1", "7", "6", "2"]) == "rating"
    assert (
        kind(vocab, "How often do you use it?", ["Daily", "Weekly", "Never", "", "N/A"]) == "rating"
    )
    assert (
        kind(vocab, "Do you feel encouraged?", ["Yes", "No", "I don't know.", "Other", ""])
        == "yes_no"
    )
    assert kind(vocab, "Response ID", ["1", "2", "3"]) == "respondent_id"
    assert kind(vocab, "Employee ID", ["E1", "E2"]) == "employee_id"
    assert kind(vocab, "Your address", ["a@x.org", "b@y.com"]) == "email"
    assert kind(vocab, "Date submitted", ["1980-01-01 00:00:00", ""]) == "timestamp"
    assert kind(vocab, "Last page", ["6", "3", ""]) == "completion"
    assert kind(vocab, "Please give your consent [I agree]", ["Yes", "No", "N/A"]) == "consent"
    assert kind(vocab, "Which age group do you belong to?", ["25-34", "18-24"]) == "demographic"
    assert kind(vocab, "What is your gender identity?", ["Male", "Female"]) == "demographic"
    assert (
        kind(vocab, "Which team sport?", ["Football", "Tennis", "Golf", "Football"])
        == "single_choice"
    )
    assert (
        kind(vocab, "Which apps?", ["Slack, Teams", "Teams", "Slack, Zoom", "Zoom, Teams", "Slack"])
        == "multi_select"
    )
    assert (
        kind(
            vocab,
            "Tell us more",
            [f"answer number {i} is long enough to be prose, really" for i in range(30)],
        )
        == "free_text"
    )
    assert kind(vocab, "Anything?", ["", " "]) == "empty"
    # the export shape's own columns are what the shape says
    assert kind(vocab, "ResponseId", ["R_1"], role="employee_id") == "employee_id"


def test_a_word_inside_another_is_not_a_demographic(vocab):
    # "age" inside "usage", "level" of education
    assert kind(vocab, "Usage of the intranet", ["Daily", "Never"]) == "rating"
    assert (
        kind(vocab, "Highest level of education", ["Bachelor", "Master", "PhD"]) == "single_choice"
    )


def test_underscores_separate_words_in_coded_headers(vocab):
    # headers as survey tools export variable names (seen in a real export: Q17_Age, Q19_Sex)
    assert kind(vocab, "Q17_Age", ["18-24", "25-34", "35-44"]) == "demographic"
    assert kind(vocab, "Q19_Sex", ["1", "2", "1"]) == "demographic"
    # still whole words: "age" inside "Q3_Usage" is not an age
    assert kind(vocab, "Q3_Usage", ["1", "2", "3", "4", "5"]) == "rating"


def test_one_column_per_option_is_a_multi_select_and_other_is_a_write_in(vocab):
    headers = [
        "Purpose? [Writing]",
        "Purpose? [Coding]",
        "Purpose? [Other]",
        "Purpose? [Design]",
        "Age",
    ]
    assert option_stems(headers) == {"purpose": [0, 1, 2, 3]}
    columns = [["Yes", "No"], ["No", "Yes"], ["googling", ""], ["N/A", "Yes"], ["30", "41"]]
    kinds = [g.kind for g in classify_columns(headers, columns, vocab)]
    assert kinds == [
        "multi_select_option",
        "multi_select_option",
        "free_text",
        "multi_select_option",
        "demographic",
    ]


def test_numeric_items_share_the_widest_range_they_show(vocab):
    guesses = classify_columns(["HM1", "HM2", "PE1"], [["2", "7"], ["3", "6"], ["1", "7"]], vocab)
    assert [(g.detail["low"], g.detail["high"]) for g in guesses] == [(1, 7)] * 3
    assert "read on 1-7" in guesses[0].note


def test_age_bands_and_multi_select_options():
    assert age_band_bounds("25-34") == (25.0, 35.0)
    assert age_band_bounds("65 or above") == (65.0, float("inf"))
    assert age_band_bounds("under 25") == (0.0, 25.0)
    assert age_band_bounds("3") is None
    assert multi_select_options(["A, B", "B", "A, C", "C, B"]) == ["A", "B", "C"]
    assert multi_select_options(["A", "B", "C"]) is None


def test_item_ids_and_constructs_from_prefixes(vocab):
    guesses = classify_columns(
        ["PE1", "PE2", "long question one?", "Q? [a]", "Q? [b]", "GM1"],
        [["1", "5"], ["2", "5"], ["Agree", "Disagree"], ["Yes", "No"], ["No", "Yes"], ["1", "5"]],
        vocab,
    )
    ids = item_ids(guesses)
    assert ids == {0: "PE1", 1: "PE2", 2: "Q1", 3: "Q2_1", 4: "Q2_2", 5: "GM1"}
    constructs, notes = guess_constructs(list(ids.values()))
    assert constructs == {
        "pe": ["PE1", "PE2"],
        "q1": ["Q1"],
        "q2_1": ["Q2_1"],
        "q2_2": ["Q2_2"],
        "gm1": ["GM1"],
    }
    assert notes["pe"] == "items sharing the id prefix PE"


def test_gender_answers_meet_the_roster_spelling(vocab):
    words = vocab["gender_words"]
    assert gender_map(["Male", "Female", "Non-binary"], ["F", "M"], words) == {
        "Male": "M",
        "Female": "F",
    }
    assert gender_map(["m", "f"], ["Female", "Male"], words) == {"m": "Male", "f": "Female"}
    assert gender_map(["x"], ["F"], words) == {}


def _starter(vocab, headers, columns, roster=None, env="acme"):
    guesses = classify_columns(headers, columns, vocab)
    return starter_environment(
        env, "survey.csv", guesses, None, vocab, roster, "data/elsewhere.csv"
    )


def test_anonymous_starter_links_demographics_to_the_roster_and_parses_as_yaml(vocab):
    headers = [
        "PE1",
        "PE2",
        "How often do you use your smartphone for work?",
        "Age group",
        "Gender",
        "Consent [I agree]",
    ]
    columns = [
        ["1", "7", "4"],
        ["2", "6", "5"],
        ["Daily", "Never", "Weekly"],
        ["25-34", "35-44", "65 or above"],
        ["Male", "Female", "Male"],
        ["Yes", "No", "Yes"],
    ]
    starter = _starter(vocab, headers, columns, {"gender": ["F", "M"]})
    assert starter.anonymous
    files = {name: yaml.safe_load(text) for name, text in starter.files.items()}
    q = files["parameters_questionnaire.yml"]["questionnaire"]
    assert q["scales"]["numeric_1_7"] == {"min": 1, "max": 7}
    assert q["scales"]["use_frequency_5"]["labels"]["en"][0] == "Never"
    assert q["constructs"] == {"pe": ["PE1", "PE2"], "q1": ["Q1"]}
    assert q["roles"] == {"mobile_use": "q1"}
    assert q["items"]["Q1"] == {
        "scale": "use_frequency_5",
        "en": "How often do you use your smartphone for work?",
    }
    survey = files["parameters_ingestion.yml"]["survey"]
    assert survey["consent_column"] == ["Consent [I agree]"]
    assert survey["roster_link"]["age"]["bands"]["65 or above"] == [65, None]
    assert survey["roster_link"]["gender"]["values"] == {"Male": "M", "Female": "F"}
    assert survey["shapes"]["acme_export"]["detect"] == [["PE1"], ["PE2"]]
    personas = files["parameters_personas.yml"]["personas"]
    assert personas["typing"]["categorical"] == ["linked_age", "linked_gender"]
    assert personas["basis"] == ["pe", "q1"]
    assert files["catalog.yml"]["survey_raw"]["filepath"] == "data/elsewhere.csv"
    # every guess carries its comment
    assert all(
        "# guess" in line
        for line in starter.files["parameters_questionnaire.yml"].splitlines()
        if line.strip().startswith(("pe:", "q1:", "numeric_1_7:"))
    )


def test_named_starter_has_no_roster_link_and_the_same_export_gives_the_same_files(vocab):
    headers = ["Email", "IN1", "IN2"]
    columns = [["a@x.org", "b@x.org"], ["1", "5"], ["2", "4"]]
    first = _starter(vocab, headers, columns)
    assert not first.anonymous
    assert "roster_link" not in first.files["parameters_ingestion.yml"]
    assert yaml.safe_load(first.files["parameters_ingestion.yml"])["survey"]["shapes"][
        "acme_export"
    ]["email"] == ["Email"]
    assert _starter(vocab, headers, columns).files == first.files


def test_codes_that_are_not_ages_are_not_linked_and_said_so(vocab):
    starter = _starter(
        vocab, ["PE1", "PE2", "age"], [["1", "5"], ["2", "4"], ["1", "2"]], {"gender": ["F"]}
    )
    assert "roster_link: {}" in starter.files["parameters_ingestion.yml"]
    assert any("codes, not age bands" in line for line in starter.check)
    assert any("no employee can be placed" in line for line in starter.check)


def test_yaml_values_escape_interpolation():
    assert yaml.safe_load(f"a: {yaml_value('cost ${x}')}")["a"] == "cost \\${x}"


def test_ages_in_years_are_not_called_codes(vocab):
    # as in the real SMMH (13-91) and effects-of-social-media (14-23) Google Forms exports
    for ages in (
        ["13", "21", "22", "26", "35", "48", "91"],
        ["14", "15", "16", "17", "18", "19", "20", "23"],
    ):
        starter = _starter(
            vocab,
            ["PE1", "PE2", "What is your age?"],
            [["1", "5"], ["2", "4"], ages],
            {"gender": ["F"]},
        )
        assert any("ages in years" in line for line in starter.check), starter.check
        assert not any("codes, not age bands" in line for line in starter.check)


def test_role_words_start_a_word_and_never_sit_inside_one(vocab):
    # the real effects-of-social-media export: "inappropriate" is no mobile app
    words = vocab["role_words"]
    assert (
        guess_role(["How much are you exposed to inappropriate content on these platforms?"], words)
        is None
    )
    assert guess_role(["How often do you use apps on your smartphone?"], words) == "mobile_use"
    assert guess_role(["I am among the first to try an innovation"], words) == "innovativeness"
