"""The questionnaire's scales: any length and range, per-scale thresholds, any languages."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from segmentation import codebook as codebook_module
from segmentation.codebook import Codebook, QuestionnaireError, Scale
from segmentation.pipelines.ingestion.nodes import parse_survey, score_items
from segmentation.pipelines.personas.nodes import select_golden_questions

from .pipelines.ingestion.helpers import read, write_csv

SEVEN = [
    "Strongly disagree",
    "Disagree",
    "Somewhat disagree",
    "Neutral",
    "Somewhat agree",
    "Agree",
    "Strongly agree",
]


def seven_point_questionnaire(**scale_extra) -> dict:
    """A small German/English survey on a numeric 1-7 scale, like the UTAUT2 file."""
    return {
        "scales": {"likert7": {"min": 1, "max": 7, **scale_extra}, "nps": {"min": 0, "max": 10}},
        "missing_labels": {"en": ["Prefer not to answer", ""]},
        "constructs": {"effort": ["EE1", "EE2"], "intention": ["INT1"], "recommend": ["R1"]},
        "items": {
            "EE1": {
                "scale": "likert7",
                "en": "Trello is easy to use.",
                "de": "Trello ist einfach.",
            },
            "EE2": {"scale": "likert7", "reverse": True, "de": "Trello ist kompliziert."},
            "INT1": {"scale": "likert7", "en": "I intend to use Trello."},
            "R1": {"scale": "nps", "en": "Would you recommend it?"},
        },
    }


# ------------------------------------------------------------------ the standard scales stay as they were


def test_standard_scales_keep_the_thresholds_the_report_used(questionnaire):
    codebook = Codebook.from_params(questionnaire)
    for scale in codebook.scales.values():
        assert (scale.min, scale.max, scale.points) == (1, 5, 5)
        assert scale.agree_from == 4  # the old report.agree_from
        assert (scale.low_below, scale.high_from) == (2.5, 3.5)  # the old report.levels
    assert codebook.languages == ("en", "he")
    assert codebook.label("agreement", 4, "he") == "מסכים/ה"


def test_short_form_labels_only_still_reads():
    scale = Scale.from_params("yn", {"en": ["No", "Yes"], "de": ["Nein", "Ja"]})
    assert (scale.min, scale.max, scale.agree_from) == (1, 2, 2)
    assert scale.answer_lookup()["ja"] == 2.0


# ------------------------------------------------------------------ any length, any range


@pytest.mark.parametrize(
    "spec, bounds, agree_from, disagree_to, levels",
    [
        ({"min": 1, "max": 7}, (1, 7), 5, 3, (3.25, 4.75)),
        ({"min": 0, "max": 10}, (0, 10), 6, 4, (3.75, 6.25)),
        ({"min": 1, "max": 4}, (1, 4), 3, 2, (2.125, 2.875)),
        ({"labels": {"en": ["No", "Yes"]}}, (1, 2), 2, 1, (1.375, 1.625)),
        ({"min": 1, "max": 7, "agree": {"top_box": 2}}, (1, 7), 6, 2, (3.25, 4.75)),
        ({"min": 1, "max": 7, "agree": {"share": 0.5}}, (1, 7), 4, 4, (3.25, 4.75)),
        (
            {
                "min": 1,
                "max": 5,
                "agree": {"share": 0.75},
                "levels": {"low_below": 0.25, "high_from": 0.75},
            },
            (1, 5),
            4,
            2,
            (2.0, 4.0),
        ),
    ],
)
def test_scale_bounds_and_thresholds_come_from_the_scale(
    spec, bounds, agree_from, disagree_to, levels
):
    scale = Scale.from_params("s", spec)
    assert scale.bounds == bounds
    assert scale.agree_from == agree_from
    assert scale.disagree_to == disagree_to
    assert (scale.low_below, scale.high_from) == pytest.approx(levels)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"min": 1, "max": 12}, "12 points"),
        ({"min": 3, "max": 3}, "1 points"),
        (
            {"min": 1, "max": 7, "labels": {"en": ["a", "b", "c", "d", "e"]}},
            "5 labels in en for 7 points",
        ),
        (
            {"labels": {"en": ["a", "b", "c"], "de": ["a", "b"]}},
            "different number of labels per language",
        ),
        ({"min": 1, "max": 5, "agree": {"top_box": 5}}, "agree.top_box is 5"),
        ({"min": 1, "max": 5, "agree": {"share": 1.5}}, "not a share of the range"),
        ({"min": 1, "max": 5, "agree": {"from": 4}}, "agree must be"),
        (
            {"min": 1, "max": 5, "levels": {"low_below": 0.8, "high_from": 0.2}},
            "is above levels.high_from",
        ),
        ({"min": 1}, "neither labels nor a max"),
    ],
)
def test_bad_scales_stop_with_one_line(spec, message):
    with pytest.raises(QuestionnaireError, match=message) as caught:
        Scale.from_params("s", spec)
    assert str(caught.value).startswith("the questionnaire (parameters_questionnaire.yml): scale s")


def test_a_construct_may_not_mix_ranges():
    q = seven_point_questionnaire()
    q["constructs"]["effort"] = ["EE1", "R1"]
    with pytest.raises(
        QuestionnaireError, match=r"construct effort mixes items on different ranges \(0-10, 1-7\)"
    ):
        Codebook.from_params(q)


def test_reverse_scoring_is_min_plus_max_minus_answer():
    """Was ``6 - x`` whatever the scale: a 7 became -1."""
    codebook = Codebook.from_params(seven_point_questionnaire())
    responses = pd.DataFrame(
        {
            "pid": ["a", "b", "c"],
            "EE1": [7.0, 1.0, 4.0],
            "EE2": [7.0, 1.0, np.nan],
            "INT1": 1.0,
            "R1": 0.0,
        }
    )
    scored = score_items(responses, seven_point_questionnaire())
    assert scored["EE2"].tolist()[:2] == [1.0, 7.0] and np.isnan(scored["EE2"].iloc[2])
    assert scored["EE1"].tolist() == [7.0, 1.0, 4.0]  # not reverse-coded: untouched
    assert codebook.scales["nps"].reverse(np.array([0, 10, 3])).tolist() == [10, 0, 7]


# ------------------------------------------------------------------ reading answers on any scale


def _generic_survey(tmp_path, answers: list[list[str]]):
    rows = [["employee_id", "submitted_at", "EE1", "EE2", "INT1", "R1"]]
    rows += [[f"{n:05d}", "2026-03-02", *a] for n, a in enumerate(answers, start=1)]
    return read(write_csv(tmp_path / "survey.csv", rows))


def test_answers_6_and_7_are_kept_on_a_7_point_scale(tmp_path, survey_params):
    """Was: every answer above 5 set missing and the respondent rejected as incomplete."""
    raw = _generic_survey(
        tmp_path,
        [["6", "7", "7", "10"], ["7", "6.0", "1", "0"], ["8", "0", "Prefer not to answer", "11"]],
    )
    responses, rejects, detected = parse_survey(raw, seven_point_questionnaire(), survey_params)
    assert detected["items_found"] == 4
    kept = responses.set_index("respondent_id")
    assert kept.loc["00001", ["EE1", "EE2", "INT1", "R1"]].tolist() == [6.0, 7.0, 7.0, 10.0]
    assert kept.loc["00002", ["EE1", "EE2", "INT1", "R1"]].tolist() == [7.0, 6.0, 1.0, 0.0]
    # off the scale (8 on 1-7, 0 on 1-7, 11 on 0-10): set missing and listed; a missing label is missing, not wrong
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [4, "EE1", "8", "answer_not_in_scale"],
        [4, "EE2", "0", "answer_not_in_scale"],
        [4, "R1", "11", "answer_not_in_scale"],
        [4, "(items)", "0 of 4 items answered", "incomplete"],
    ]


def test_labelled_answers_in_any_language(tmp_path, survey_params):
    q = seven_point_questionnaire(
        labels={"en": SEVEN, "de": ["Gar nicht", "2", "3", "4", "5", "6", "Voll und ganz"]}
    )
    raw = _generic_survey(tmp_path, [["Somewhat agree", "Voll und ganz", "strongly DISAGREE", "9"]])
    responses, rejects, _ = parse_survey(raw, q, survey_params)
    assert rejects.empty
    assert responses.loc[0, ["EE1", "EE2", "INT1", "R1"]].tolist() == [5.0, 7.0, 1.0, 9.0]


# ------------------------------------------------------------------ what "agrees", "high" and "low" mean


def test_agreeing_on_a_7_point_scale_is_its_top_boxes_not_4_and_up():
    """Was "agrees from 4": on a 7-point scale that counted the neutral answer as agreeing."""
    codebook = Codebook.from_params(seven_point_questionnaire())
    answers = pd.Series([4.0, 4.0, 4.0, 5.0, 7.0, np.nan])
    agrees = codebook.agrees("INT1", answers)
    assert agrees.tolist()[:5] == [False, False, False, True, True] and agrees.isna().iloc[5]
    assert agrees.mean() == pytest.approx(0.4)  # share among those who answered
    assert codebook.agrees("intention", answers).equals(
        agrees
    )  # a single-item construct asks its item's scale
    top_two = Codebook.from_params(seven_point_questionnaire(agree={"top_box": 2}))
    assert top_two.agrees("INT1", answers).mean() == pytest.approx(0.2)


def test_score_levels_follow_the_scale():
    codebook = Codebook.from_params(seven_point_questionnaire())
    scores = pd.Series([1.0, 3.24, 3.25, 4.74, 4.75, 7.0, np.nan])
    levels = codebook.level("effort", scores)
    assert levels.tolist()[:6] == ["low", "low", "medium", "medium", "high", "high"] and pd.isna(
        levels.iloc[6]
    )
    with pytest.raises(KeyError, match="neither an item nor a construct"):
        codebook.agrees("nothing", scores)


def test_constructs_meet_on_a_common_0_to_100_scale_when_their_ranges_differ():
    codebook = Codebook.from_params(seven_point_questionnaire())
    scores = pd.DataFrame(
        {"effort": [1.0, 4.0, 7.0], "intention": [7.0, 5.5, np.nan], "recommend": [0.0, 5.0, 10.0]}
    )
    same, axis = codebook.comparable_scores(scores, ["effort", "intention"])
    assert axis == (1.0, 7.0) and same.equals(scores[["effort", "intention"]])
    common, axis = codebook.comparable_scores(scores, ["effort", "recommend"])
    assert axis == (0.0, 100.0)
    assert common["effort"].tolist() == [0.0, 50.0, 100.0]
    assert common["recommend"].tolist() == [0.0, 50.0, 100.0]
    assert codebook.to_common("intention", 5.5) == pytest.approx(75.0)
    assert codebook.construct_scale("recommend").from_common(75.0) == pytest.approx(7.5)


# ------------------------------------------------------------------ any languages


@pytest.fixture()
def fresh_fallback_warnings(monkeypatch):
    monkeypatch.setattr(codebook_module, "_WARNED_FALLBACKS", set())


def test_missing_language_falls_back_to_the_first_with_one_warning(caplog, fresh_fallback_warnings):
    """Was ``KeyError: 'he'`` for any item without Hebrew text."""
    codebook = Codebook.from_params(seven_point_questionnaire(labels={"en": SEVEN}))
    assert codebook.languages == ("en", "de")
    with caplog.at_level(logging.WARNING, logger="segmentation.codebook"):
        assert codebook.item_text("EE1", "he") == "Trello is easy to use."
        assert codebook.item_text("INT1", "he") == "I intend to use Trello."
        assert (
            codebook.item_text("EE2", "he") == "Trello ist kompliziert."
        )  # no English: the next language that has it
        assert codebook.item_text("EE1", "de") == "Trello ist einfach."
        assert codebook.label("likert7", 7, "he") == "Strongly agree"
        assert codebook.label("nps", 7, "he") == "7"  # numeric scale: the number
    fallbacks = [r.getMessage() for r in caplog.records]
    assert fallbacks == [
        "No 'he' text for item EE1 (and maybe others); using 'en' instead.",
        "No 'he' text for item EE2 (and maybe others); using 'de' instead.",
    ]


def test_golden_questions_speak_the_questionnaire_languages(fresh_fallback_warnings):
    """The typing tool listed ``text_en`` and ``text_he`` for every item: a KeyError without Hebrew."""
    rng = np.random.default_rng(0)
    q = seven_point_questionnaire()
    persona = np.repeat(["P1", "P2"], 30)
    items = pd.DataFrame(
        {
            "pid": [f"p{i}" for i in range(60)],
            "EE1": np.where(persona == "P1", 6.0, 2.0) + rng.integers(0, 2, 60),
            "EE2": np.where(persona == "P1", 2.0, 6.0),
            "INT1": rng.integers(1, 8, 60).astype(float),
            "R1": 5.0,
        }
    )
    golden = select_golden_questions(
        items,
        pd.DataFrame({"pid": items["pid"], "persona_id": persona}),
        q,
        ["effort", "intention"],
        {"min_items": 1, "max_items": 2, "tolerance": 0.0, "cv_folds": 3, "sample_size": 60},
        {"min_group_size": 5},
        0,
    )
    first = golden["items"][0]
    assert first["item_id"] == "EE1"
    assert (first["text_en"], first["text_de"]) == ("Trello is easy to use.", "Trello ist einfach.")
    assert "text_he" not in first
    assert golden["rule"].startswith("Ask these items (answers 1-7 as given")
    # reverse items' typical answers are given as asked (8 - the reversed mean), not 6 - x
    assert {i["item_id"] for i in golden["items"]} <= {"EE1", "EE2", "INT1"}
