"""Construct scores, Cronbach's alpha and HR features at the wave's date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.codebook import Codebook
from segmentation.pipelines.personas.nodes import (
    cronbach_alpha,
    derive_hr_features,
    score_constructs,
)
from segmentation.waves import wave_date


def _one_response(questionnaire, answers: dict[str, float], pid: str = "a") -> pd.DataFrame:
    """One row of item scores: the given items, every other scored item missing."""
    items = Codebook.from_params(questionnaire).scored_items
    return pd.DataFrame([{"pid": pid, **{i: answers.get(i, np.nan) for i in items}}])


def test_construct_missing_when_fewer_than_half_items_answered(parameters):
    q, scoring = parameters["questionnaire"], parameters["personas"]["scoring"]
    rows = pd.concat(
        [
            _one_response(q, {"SM1": 4.0}, "one_of_three"),
            _one_response(q, {"SM1": 4.0, "SM2": 2.0}, "two_of_three"),
            _one_response(q, {"IN1": 5.0, "IN2": 4.0, "IN3": 3.0}, "three_of_six"),
            _one_response(q, {"IN1": 5.0, "IN2": 4.0}, "two_of_six"),
            _one_response(q, {"GM1": 2.0}, "single_item"),
        ],
        ignore_index=True,
    )
    scores, _ = score_constructs(rows, q, scoring)
    scores = scores.set_index("pid")
    assert np.isnan(scores.loc["one_of_three", "social_media_use"])
    assert scores.loc["two_of_three", "social_media_use"] == pytest.approx(3.0)
    assert scores.loc["three_of_six", "innovativeness"] == pytest.approx(4.0)
    assert np.isnan(scores.loc["two_of_six", "innovativeness"])
    assert scores.loc["single_item", "gamification_appeal"] == pytest.approx(2.0)
    assert np.isnan(scores.loc["single_item", "mobile_use"])


def test_reverse_items_arrive_scored_and_are_not_reversed_again(parameters):
    """Someone who agrees (4) with every positive innovativeness item and disagrees (2)
    with every reverse-worded one arrives with 4s everywhere: the score is 4, not 3."""
    q = parameters["questionnaire"]
    codebook = Codebook.from_params(q)
    items = codebook.constructs["innovativeness"]
    raw = {i: (2.0 if codebook.items[i].reverse else 4.0) for i in items}
    assert set(raw.values()) == {2.0, 4.0}  # the construct has reverse items
    scored = {i: (6 - v if codebook.items[i].reverse else v) for i, v in raw.items()}
    scores, _ = score_constructs(_one_response(q, scored), q, parameters["personas"]["scoring"])
    assert scores.loc[0, "innovativeness"] == pytest.approx(4.0)


def test_cronbach_alpha_on_known_data():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 2.0])
    assert cronbach_alpha(np.column_stack([x, x, x])) == pytest.approx(1.0)
    # two uncorrelated items of equal variance: alpha 0
    assert cronbach_alpha(np.array([[1, 1], [2, 1], [1, 2], [2, 2]], dtype=float)) == pytest.approx(
        0.0
    )
    # textbook case: 3 items with variances 1, 1, 1 and covariances 0.5 -> alpha 0.75
    items = np.array(
        [[1, 1, 0], [0, 1, 1], [1, 0, 1], [-1, -1, 0], [0, -1, -1], [-1, 0, -1]], dtype=float
    )
    assert cronbach_alpha(items) == pytest.approx(0.75)
    # rows with a missing item are left out, not imputed
    with_gap = np.vstack([items, [[5.0, np.nan, -5.0]]])
    assert cronbach_alpha(with_gap) == pytest.approx(0.75)


def test_low_alpha_is_a_warning_and_every_multi_item_construct_has_one(parameters, planted):
    q = parameters["questionnaire"]
    _, item_scores, _ = planted
    noisy = item_scores.copy()
    rng = np.random.default_rng(1)
    for item in ["BR1", "BR2", "BR3"]:
        noisy[item] = rng.integers(1, 6, len(noisy)).astype(float)
    _, reliability = score_constructs(noisy, q, parameters["personas"]["scoring"])
    multi = {c for c, items in Codebook.from_params(q).constructs.items() if len(items) > 1}
    assert set(reliability["alphas"]) == multi
    assert reliability["alphas"]["barriers"] < 0.6
    assert any("barriers" in w and "alpha" in w for w in reliability["warnings"])
    assert reliability["alphas"]["innovativeness"] > 0.6
    assert not any("innovativeness" in w for w in reliability["warnings"])


HR = {
    "age_bands": {
        "breaks": [30, 40, 50],
        "labels": {"en": ["under 30", "30-39", "40-49", "50 and over"], "he": ["a", "b", "c", "d"]},
    }
}


def test_hr_features_at_the_wave_date():
    employees = pd.DataFrame(
        {
            "pid": ["a", "b", "c", "d", "e"],
            "birth_year": pd.array([1997, 1996, 1977, 1976, None], dtype="Int64"),
            "hire_date": pd.to_datetime(
                ["2016-09-01", "2026-03-01", None, "2027-01-01", "2020-09-01"]
            ),
            "department": ["R&D"] * 5,
            "site": ["Haifa"] * 5,
            "work_pattern": ["office", "hybrid", "remote", "frontline", "office"],
            "job_level": ["manager"] * 5,
        }
    )
    hr = derive_hr_features(employees, "2026-09", None, HR).set_index("pid")
    assert hr["age"].tolist()[:4] == [29.0, 30.0, 49.0, 50.0]
    assert hr["age_band"].tolist()[:4] == ["under 30", "30-39", "40-49", "50 and over"]
    assert np.isnan(hr.loc["e", "age"]) and pd.isna(hr.loc["e", "age_band"])
    assert hr.loc["a", "tenure_years"] == pytest.approx(10.0, abs=0.01)
    assert hr.loc["b", "tenure_years"] == pytest.approx(0.5, abs=0.01)
    assert np.isnan(hr.loc["c", "tenure_years"])
    assert hr.loc["d", "tenure_years"] == 0.0  # hired after the wave date: never negative
    assert hr.loc["d", "work_pattern"] == "frontline"


def test_wave_date_defaults_to_first_day_of_wave_month_and_can_be_set():
    """The HR features are dated by the one shared rule (segmentation.waves.wave_date)."""
    assert wave_date("2026-09", None) == pd.Timestamp("2026-09-01")
    assert wave_date("2026-09", "2027-02-15") == pd.Timestamp("2027-02-15")
    employees = pd.DataFrame(
        {
            "pid": ["a"],
            "birth_year": pd.array([1990], dtype="Int64"),
            "hire_date": pd.to_datetime(["2020-01-01"]),
            "department": ["x"],
            "site": ["y"],
            "work_pattern": ["office"],
            "job_level": ["manager"],
        }
    )
    later = derive_hr_features(employees, "2026-09", "2031-01-01", HR)
    assert later.loc[0, "age"] == 41.0 and later.loc[0, "age_band"] == "40-49"
    assert derive_hr_features(employees, "2026-09", None, HR).loc[0, "age"] == 36.0
    # a wave not named YYYY-MM and no wave_date: the shared rule's message, not a bare parse error
    with pytest.raises(ValueError, match="set the wave_date parameter"):
        derive_hr_features(employees, "pilot", None, HR)
