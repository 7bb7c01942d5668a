"""The report's thresholds and axis come from the questionnaire's scales, never from a 1-5 number."""

from __future__ import annotations

import pytest

from segmentation import charts
from segmentation.pipelines.report.analysis import on_score_axis, survey_scales
from tests.conftest import load_parameters

from .helpers import report_params


def _questionnaire(second_scale: dict) -> dict:
    return {
        "scales": {"agree5": {"labels": {"en": ["1", "2", "3", "4", "5"]}}, "other": second_scale},
        "constructs": {"attitude": ["A1", "A2"], "need_speed": ["N1"]},
        "roles": {"innovativeness": "attitude", "needs": ["need_speed"]},
        "items": {
            "A1": {"scale": "agree5", "en": "a"},
            "A2": {"scale": "agree5", "en": "b"},
            "N1": {"scale": "other", "en": "c"},
        },
    }


def test_standard_report_keeps_its_1_to_5_thresholds():
    settings = report_params()
    assert settings["score_axis"] == {"bounds": [1, 5], "common": False, "range": "1-5"}
    assert {s["agree_from"] for s in settings["scales"].values()} == {4}
    assert {(s["low_below"], s["high_from"]) for s in settings["scales"].values()} == {(2.5, 3.5)}
    assert on_score_axis(settings, "innovativeness", 3.2) == 3.2


def test_constructs_on_different_ranges_meet_on_0_to_100():
    constructs = {
        "social_media": None,
        "mobile": None,
        "innovativeness": "attitude",
        "barriers": None,
        "gamification": None,
        "needs": ["need_speed"],
        "channels": [],
        "barrier_items": [],
    }
    settings = {
        "constructs": constructs,
        **survey_scales(_questionnaire({"min": 0, "max": 10}), constructs),
    }
    assert settings["score_axis"] == {"bounds": [0.0, 100.0], "common": True, "range": "0-100"}
    assert settings["scales"]["need_speed"]["agree_from"] == 6  # above the midpoint of 0-10
    assert on_score_axis(settings, "need_speed", 7.5) == pytest.approx(75.0)
    assert on_score_axis(settings, "attitude", 4.0) == pytest.approx(75.0)
    assert on_score_axis(settings, "attitude", None) is None


@pytest.mark.parametrize("axis", [(1, 7), (0, 100)])
def test_the_trait_chart_draws_on_the_given_axis(axis):
    style = charts.ChartStyle(load_parameters("report")["report"]["charts"], rtl=False)
    png = charts.trait_dots(
        style, ["a", "b"], [axis[1] - 1, None], [axis[0] + 1, axis[0] + 2], "this", "all", axis
    )
    assert png.startswith(b"\x89PNG")
