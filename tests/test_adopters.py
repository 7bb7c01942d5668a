"""Adopter categories: one rule (segmentation.adopters), one key (globals.yml `adopters`)."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.config import OmegaConfigLoader
from openpyxl import load_workbook

from segmentation.adopters import adopter_categories, adopter_scale
from segmentation.pipelines.personas.nodes import adopter_categories as persona_adopter_categories
from segmentation.pipelines.report.analysis import _adopters as report_adopters

from .conftest import (
    PROJECT_ROOT,
    SEPTEMBER,
    copy_outputs,
    copy_project,
    load_parameters,
    run_session,
)
from .undrawn_charts import charts_undrawn

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


# ------------------------------------------------------------------ end to end: every output follows the key
# Other bounds than globals.yml's on every one, so every category's share moves.
BOUNDS = {"innovators": 1.5, "early_adopters": 0.5, "early_majority": -0.25, "late_majority": -1.25}
ADOPTERS_ROW = "Innovators versus conservatives"  # the workbook's Situation rows of the adopters


def expected_categories(innovativeness: pd.Series, adopters: dict) -> pd.Series:
    """The rule written out here on its own (not through segmentation.adopters): sd from the mean."""
    z = (innovativeness - innovativeness.mean()) / innovativeness.std(ddof=1)
    first, second, third, fourth, last = adopters["order"]
    ladder = [
        (z > adopters["innovators"], first),
        (z > adopters["early_adopters"], second),
        (z > adopters["early_majority"], third),
        (z >= adopters["late_majority"], fourth),
    ]
    category = pd.Series(last, index=z.index)
    for above, name in reversed(ladder):
        category[above] = name
    return category


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def changed_key_run(sample_runs, tmp_path_factory) -> SimpleNamespace:
    """2026-09 run again, in a copy of ``sample_runs``, with other bounds in globals.yml's ``adopters``."""
    project = copy_project(tmp_path_factory.mktemp("adopters"))
    copy_outputs(sample_runs.project, project)
    globals_file = project / "conf" / "base" / "globals.yml"
    values = yaml.safe_load(globals_file.read_text(encoding="utf-8"))
    values["adopters"].update(BOUNDS)
    globals_file.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    with charts_undrawn():  # the words and figures follow the key; the pictures are sample_runs'
        run_session(project, wave=SEPTEMBER)
    data = project / "data"
    scores = pd.read_parquet(data / "04_feature" / SEPTEMBER / "construct_scores.parquet")
    employees = pd.read_parquet(data / "03_primary" / SEPTEMBER / "employees.parquet")
    reporting = data / "08_reporting" / SEPTEMBER
    workbook = load_workbook(reporting / "persona_report.xlsx", read_only=True)
    everyone = {
        row[2]: row[3]
        for row in workbook["Situation"].iter_rows(values_only=True)
        if row[0] == ADOPTERS_ROW and row[1] == "Everyone"
    }
    workbook.close()
    parameters = yaml.safe_load((PROJECT_ROOT / "conf" / "base" / "parameters.yml").read_text())
    standard = json.loads(
        sample_runs.outputs[f"data/08_reporting/{SEPTEMBER}/persona_summary.json"]
    )
    return SimpleNamespace(
        adopters=values["adopters"],
        innovativeness=scores.set_index("pid")["innovativeness"].dropna(),
        active=set(employees.loc[employees["employment_status"] == "active", "pid"]),
        summary=json.loads((reporting / "persona_summary.json").read_text(encoding="utf-8")),
        standard=standard["innovators_vs_conservatives"],
        workbook=everyone,
        html=visible_text((reporting / "persona_report.html").read_text(encoding="utf-8")),
        min_group=parameters["anonymity"]["min_group_size"],
    )


def _shares(innovativeness: pd.Series, adopters: dict, min_group: int):
    """Each category's share, and the innovators' and conservatives' shares, as the outputs show them."""
    counts = (
        expected_categories(innovativeness, adopters)
        .value_counts()
        .reindex(adopters["order"], fill_value=0)
    )

    def share(categories):
        count = int(counts[list(categories)].sum())
        return count / int(counts.sum()) if count >= min_group else None

    return (
        {c: share([c]) for c in adopters["order"]},
        share(adopters["innovator_categories"]),
        share(adopters["conservative_categories"]),
    )


@pytest.mark.slow
def test_persona_summary_follows_a_changed_key(changed_key_run):
    run = changed_key_run
    overview = run.summary["innovators_vs_conservatives"]
    # the respondents at work, as the report counts them (one of the sample's is on leave)
    at_work = run.innovativeness[run.innovativeness.index.isin(run.active)]
    assert len(at_work) == len(run.innovativeness) - 1
    shares, innovators, conservatives = _shares(at_work, run.adopters, run.min_group)
    assert overview["n"] == len(at_work)
    assert overview["shares"] == pytest.approx(shares)
    assert overview["innovators_share"] == pytest.approx(innovators)
    assert overview["conservatives_share"] == pytest.approx(conservatives)
    for bound in ("+1.5 sd", "+0.5 sd", "-0.25 sd", "-1.25 sd"):
        assert bound in overview["rule"]
    # the key moved every share: the standard key's run shows other figures
    assert all(overview["shares"][c] != run.standard["shares"][c] for c in run.adopters["order"])


@pytest.mark.slow
def test_the_report_follows_a_changed_key_in_the_workbook_and_the_html(changed_key_run):
    run = changed_key_run
    report = load_parameters("report")["report"]
    labels = {c: report["values"]["adopters"][c]["en"] for c in run.adopters["order"]}
    headlines = report["labels"]["en"]["metrics"]
    respondents = run.innovativeness[run.innovativeness.index.isin(run.active)]
    shares, innovators, conservatives = _shares(respondents, run.adopters, run.min_group)
    counts = (
        expected_categories(respondents, run.adopters)
        .value_counts()
        .reindex(run.adopters["order"], fill_value=0)
    )
    cells = {
        label: share
        for label, share in run.workbook.items()
        if label not in (headlines["innovators"], headlines["conservatives"])
    }
    # one row per category shown; a small category only merged with a neighbour, never alone
    shown = []
    for label, share in cells.items():
        merged = [c for c in run.adopters["order"] if labels[c] in label.split(" + ")]
        assert " + ".join(labels[c] for c in merged) == label
        expected = shares[merged[0]] if len(merged) == 1 else counts[merged].sum() / counts.sum()
        assert share == pytest.approx(expected), label
        shown += merged
    assert shown == run.adopters["order"]
    assert run.workbook[headlines["innovators"]] == pytest.approx(innovators)
    assert run.workbook[headlines["conservatives"]] == pytest.approx(conservatives)
    assert (
        f"{innovators:.0%} innovators and early adopters against {conservatives:.0%} late majority"
        in run.html
    )


@pytest.mark.slow
def test_the_report_states_the_bounds_of_a_changed_key(changed_key_run):
    assert "+1.5 sd" in changed_key_run.html and "-1.25 sd" in changed_key_run.html


@pytest.mark.slow
def test_persona_summary_and_the_report_show_the_same_shares(changed_key_run):
    run = changed_key_run
    overview = run.summary["innovators_vs_conservatives"]
    assert run.workbook["Innovators + early adopters"] == pytest.approx(
        overview["innovators_share"]
    )
    assert run.workbook["Late majority + laggards"] == pytest.approx(
        overview["conservatives_share"]
    )
