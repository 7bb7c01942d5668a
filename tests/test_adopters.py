"""Adopter categories: one rule (segmentation.adopters), one key (globals.yml `adopters`)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import yaml
from kedro.config import OmegaConfigLoader

from segmentation.adopters import adopter_categories, adopter_scale
from segmentation.pipelines.personas.nodes import adopter_categories as persona_adopter_categories
from segmentation.pipelines.report.analysis import _adopters as report_adopters

from .conftest import PROJECT_ROOT

CHANGED = {
    "construct": "innovativeness",
    "innovators": 1.5,
    "early_adopters": 0.5,
    "early_majority": -0.25,
    "late_majority": -1.25,
    "order": ["pioneers", "followers_early", "majority_early", "majority_late", "holdouts"],
    "innovator_categories": ["pioneers"],
    "conservative_categories": ["holdouts"],
}


def test_changing_the_one_key_changes_what_profiles_and_report_read(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(PROJECT_ROOT / "conf" / "base", conf / "base")
    (conf / "local").mkdir()
    globals_file = conf / "base" / "globals.yml"
    values = yaml.safe_load(globals_file.read_text(encoding="utf-8"))
    values["adopters"] = CHANGED
    globals_file.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    parameters = OmegaConfigLoader(str(conf), base_env="base", default_run_env="local")[
        "parameters"
    ]
    assert parameters["personas"]["profiles"]["adopters"] == CHANGED
    assert parameters["report"]["adopters"] == CHANGED


def test_profiles_and_report_categorise_alike_under_a_changed_rule():
    rng = np.random.default_rng(0)
    scores = pd.Series(np.append(rng.normal(3, 1, 400), [np.nan, np.nan]))
    persona_category, scale = persona_adopter_categories(scores, CHANGED)
    respondents = pd.DataFrame({"innovativeness": scores})
    report_adopters(respondents, {"innovativeness": "innovativeness"}, CHANGED)
    known = scores.notna()
    assert persona_category[known].tolist() == respondents["adopter"][known].tolist()
    assert (persona_category[~known] == "unknown").all() and respondents["adopter"][
        ~known
    ].isna().all()
    assert set(persona_category.dropna()) == {*CHANGED["order"], "unknown"}
    assert scale["mean"] == adopter_scale(scores)["mean"]


def test_categories_follow_the_bounds_and_leave_unknown_scores_unknown():
    scores = pd.Series([2.6, 1.0, 0.0, -1.0, -1.25, -1.3, np.nan])
    out = adopter_categories(scores, CHANGED, {"mean": 0.0, "sd": 1.0})
    assert out[:6].tolist() == [
        "pioneers",
        "followers_early",
        "majority_early",
        "majority_late",
        "majority_late",
        "holdouts",
    ]
    assert pd.isna(out[6])
    # no spread: every score is read on a unit scale instead of dividing by zero
    flat = adopter_categories(pd.Series([1.0, 1.0]), CHANGED, adopter_scale(pd.Series([1.0, 1.0])))
    assert flat.tolist() == ["majority_early", "majority_early"]
