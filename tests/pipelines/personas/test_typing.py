"""Typing non-respondents from HR fields, and who gets an assignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from segmentation.pipelines.personas.model import (
    MISSING_CATEGORY,
    as_category_text,
    imputer,
    median_of_observed,
)
from segmentation.pipelines.personas.nodes import (
    assign_personas,
    derive_hr_features,
    persona_ids,
    train_typing_model,
)


def _inputs(parameters, planted):
    employees, item_scores, truth = planted
    hr = derive_hr_features(employees, "2026-09", None, parameters["personas"]["hr_features"])
    ids = np.array(persona_ids(4), dtype=object)
    survey = pd.DataFrame({"pid": item_scores["pid"], "persona_id": ids[truth], "confidence": 0.9})
    profiles = {p: {"name": f"Name {p}", "name_he": f"שם {p}"} for p in ids}
    return employees, hr, survey, profiles


def test_typing_model_beats_the_majority_baseline(parameters, planted):
    employees, hr, survey, _ = _inputs(parameters, planted)
    model, evaluation = train_typing_model(survey, hr, parameters["personas"]["typing"], 0)
    # the planted work pattern determines the persona: HR fields type people almost perfectly
    assert evaluation["accuracy"] > 0.95
    assert evaluation["baseline"] == pytest.approx(0.25, abs=0.02)
    assert 0 <= evaluation["expected_calibration_error"] < 0.1
    assert evaluation["warnings"] == []
    proba = model.predict_proba(
        hr[parameters["personas"]["typing"]["categorical"] + ["tenure_years"]]
    )
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_uninformative_hr_fields_are_reported_as_such(parameters, planted):
    employees, hr, survey, _ = _inputs(parameters, planted)
    shuffled = survey.assign(
        persona_id=np.random.default_rng(0).permutation(survey["persona_id"].to_numpy())
    )
    _, evaluation = train_typing_model(shuffled, hr, parameters["personas"]["typing"], 0)
    assert evaluation["accuracy"] < evaluation["baseline"] + 0.1
    assert any("barely predict" in w for w in evaluation["warnings"])


def test_assignments_cover_respondents_and_active_non_respondents(parameters, planted):
    employees, hr, survey, profiles = _inputs(parameters, planted)
    employees = employees.copy()
    left = employees["pid"].isin(["p00600", "p00601"])
    employees.loc[left, "employment_status"] = "terminated"
    employees.loc[employees["pid"] == "p00000", "employment_status"] = (
        "leave"  # a respondent on leave
    )
    typing = parameters["personas"]["typing"]
    model, _ = train_typing_model(survey, hr, typing, 0)
    out = assign_personas(
        employees, survey, hr, model, profiles, typing, parameters["personas"]["naming"]
    )
    assert list(out.columns) == [
        "pid",
        "persona_id",
        "persona_name",
        "persona_name_he",
        "assignment_source",
        "confidence",
    ]
    assert out["pid"].is_unique and len(out) == 600 + 150 - 2
    assert not out["pid"].isin(["p00600", "p00601"]).any()
    assert out.loc[out["pid"] == "p00000", "assignment_source"].item() == "survey"
    inferred = out[out["assignment_source"] == "inferred"]
    assert len(inferred) == 148
    assert out["confidence"].between(0, 1).all()
    # non-respondents follow the planted work pattern -> persona link
    work = employees.set_index("pid").loc[inferred["pid"], "work_pattern"]
    expected = work.map({"office": "P1", "hybrid": "P2", "remote": "P3", "frontline": "P4"})
    assert (inferred["persona_id"].to_numpy() == expected.to_numpy()).mean() > 0.95
    assert (out["persona_name"] == "Name " + out["persona_id"]).all()
    # typed a few rows at a time (bounded memory), the answer is the same
    chunked = assign_personas(
        employees,
        survey,
        hr,
        model,
        profiles,
        {**typing, "predict_chunk_rows": 7},
        parameters["personas"]["naming"],
    )
    pd.testing.assert_frame_equal(chunked, out)


def test_low_confidence_is_unassigned(parameters, planted):
    employees, hr, survey, profiles = _inputs(parameters, planted)
    typing = {**parameters["personas"]["typing"], "min_confidence": 0.999999}
    naming = parameters["personas"]["naming"]
    model, _ = train_typing_model(survey, hr, typing, 0)
    out = assign_personas(employees, survey, hr, model, profiles, typing, naming)
    inferred = out[out["assignment_source"] == "inferred"]
    unassigned = inferred[inferred["persona_id"] == naming["unassigned"]["id"]]
    assert 0 < len(unassigned) <= len(inferred)
    assert (unassigned["confidence"] < 0.999999).all()
    assert (unassigned["persona_name"] == naming["unassigned"]["en"]).all()
    assert (unassigned["persona_name_he"] == naming["unassigned"]["he"]).all()
    assigned = inferred[inferred["persona_id"] != naming["unassigned"]["id"]]
    assert (assigned["confidence"] >= 0.999999).all()
    # respondents are never unassigned, however unsure the clusterer
    assert (out.loc[out["assignment_source"] == "survey", "persona_id"] != "unassigned").all()


def test_golden_questions_give_typical_answers_as_people_answer(parameters, planted):
    """The tool compares raw answers: a reverse item's typical answer is 6 - its scored mean."""
    from segmentation.pipelines.personas.nodes import select_golden_questions

    employees, hr, survey, _ = _inputs(parameters, planted)
    _, item_scores, truth = planted
    golden = {**parameters["personas"]["golden_questions"], "min_items": 6, "max_items": 6}
    result = select_golden_questions(
        item_scores,
        survey,
        parameters["questionnaire"],
        ["innovativeness"],
        golden,
        parameters["anonymity"],
        0,
    )
    assert sorted(i["item_id"] for i in result["items"]) == [
        "IN1",
        "IN2",
        "IN3",
        "IN4",
        "IN5",
        "IN6",
    ]
    reverse = {i["item_id"] for i in result["items"] if i["reverse"]}
    assert reverse == {"IN2", "IN4", "IN6"}
    for p, answers in result["typical_answers"].items():
        scored = item_scores.loc[survey["persona_id"].to_numpy() == p]
        for item, typical in answers.items():
            mean = scored[item].mean()
            assert typical == pytest.approx(6 - mean if item in reverse else mean)
    accuracies = [i["accuracy_up_to_this_item"] for i in result["items"]]
    assert result["accuracy"] == accuracies[-1] and result["accuracy"] > result["baseline"]


def test_no_field_to_type_on_leaves_every_employee_unassigned(parameters, planted):
    """An anonymous survey with no demographic the roster holds: no crash, nobody guessed."""
    employees, hr, survey, profiles = _inputs(parameters, planted)
    typing = {**parameters["personas"]["typing"], "categorical": [], "numeric": []}
    model, evaluation = train_typing_model(survey, hr, typing, 0)
    assert evaluation["features"] == [] and evaluation["accuracy"] is None
    assert any("no HR field to type employees on" in w for w in evaluation["warnings"])
    out = assign_personas(
        employees, survey, hr, model, profiles, typing, parameters["personas"]["naming"]
    )
    inferred = out[out["assignment_source"] == "inferred"]
    assert len(inferred) == 150
    unassigned = parameters["personas"]["naming"]["unassigned"]
    assert (inferred["persona_id"] == unassigned["id"]).all()
    assert (inferred["persona_name"] == unassigned["en"]).all()
    assert (inferred["confidence"] == 0).all()
    assert (out.loc[out["assignment_source"] == "survey", "persona_id"] != unassigned["id"]).all()


def test_category_text_is_each_value_as_text_and_missing_as_its_own_category():
    frame = pd.DataFrame(
        {
            "site": pd.Series(["North", None, "missing"], dtype="str"),
            "level": [1.0, np.nan, 2.5],
            "team": pd.Series(["A", None, "B"], dtype=object),
            "grade": pd.array([1, None, 3], dtype="Int64"),
        }
    ).set_axis([5, 7, 9])
    text = as_category_text(frame)
    assert text.index.tolist() == [5, 7, 9] and text.columns.tolist() == list(frame.columns)
    assert all(dtype == np.dtype(object) for dtype in text.dtypes)
    assert text.to_numpy().tolist() == [
        ["North", "1.0", "A", "1"],
        [MISSING_CATEGORY] * 4,
        ["missing", "2.5", "B", "3"],
    ]
    assert as_category_text(np.array([["a", None]], dtype=object)).to_numpy().tolist() == [
        ["a", MISSING_CATEGORY]
    ]


@pytest.mark.filterwarnings("ignore:Skipping features without any observed values")
def test_the_median_imputer_fills_what_scikit_learns_median_fills():
    rng = np.random.default_rng(3)
    X = rng.integers(1, 6, size=(41, 4)).astype(float) / rng.integers(1, 4, size=(41, 4))
    X[rng.random(X.shape) < 0.3] = np.nan
    X[:, 3] = np.nan  # a column nobody answered is dropped by both
    X[:, 2][:20] = np.nan  # an even count of observed values: the mean of the middle two
    expected = SimpleImputer(strategy="median").fit(X)
    ours = imputer("median").fit(X)
    np.testing.assert_array_equal(ours.statistics_, expected.statistics_)
    np.testing.assert_array_equal(ours.transform(X), expected.transform(X))
    assert median_of_observed(np.array([])) != median_of_observed(np.array([]))  # NaN, no warning
