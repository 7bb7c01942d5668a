"""A questionnaire in German only runs end to end: no KeyError 'he', one warning per missing language.

The survey of tests/fixtures/partial_survey (three needs and an attitude, 7
points) is written in German only, answered with German labels, and the
report is asked for in German: its own words exist in English and Hebrew
only, so it falls back to English with one warning.
"""

from __future__ import annotations

import csv
import json
import logging

import numpy as np
import pytest
from openpyxl import load_workbook

from segmentation import codebook as codebook_module
from segmentation.pipelines.report.labels import Labels
from segmentation.pipelines.report.nodes import resolve_report_settings
from tests.undrawn_charts import charts_undrawn

from .test_partial_survey import (
    SEVEN_POINT,
    WAVE,
    partial_questionnaire,
    project_parameters,
    run_pipeline,
)
from .test_partial_survey import write_inputs as write_roster_and_english_survey

pytestmark = pytest.mark.slow

GERMAN = [
    "Stimme überhaupt nicht zu",
    "Stimme nicht zu",
    "Stimme eher nicht zu",
    "Weder noch",
    "Stimme eher zu",
    "Stimme zu",
    "Stimme voll und ganz zu",
]


def german_questionnaire() -> dict:
    questionnaire = partial_questionnaire()
    questionnaire["scales"] = {"agree7": {"labels": {"de": GERMAN}}}
    questionnaire["missing_labels"] = {"de": ["Keine Angabe"]}
    questionnaire["items"] = {
        item: {"scale": "agree7", "de": f"{spec['en']} (auf Deutsch)"}
        for item, spec in questionnaire["items"].items()
    }
    return questionnaire


@pytest.fixture(scope="module")
def german_run(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setattr(codebook_module, "_WARNED_FALLBACKS", set())
    root = tmp_path_factory.mktemp("german")
    write_roster_and_english_survey(root, partial_questionnaire())
    survey = root / "data" / "01_raw" / "waves" / WAVE / "survey.csv"
    english = partial_questionnaire()["scales"]["agree7"]["en"]
    to_german = {
        label: GERMAN[SEVEN_POINT[float(n)]]
        for n, label in ((n, english[SEVEN_POINT[float(n)]]) for n in range(1, 6))
    }
    rows = list(csv.reader(survey.open(encoding="utf-8")))
    rows = [rows[0]] + [[to_german.get(cell, cell) for cell in row] for row in rows[1:]]
    with survey.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    parameters = project_parameters(german_questionnaire())
    parameters["report"] = {**parameters["report"], "language": "de"}
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("segmentation").addHandler(handler)
    try:
        # words, scales and labels are the question; 7-point charts: tests/test_charts.py
        with charts_undrawn():
            catalog = run_pipeline(root, parameters)
    finally:
        logging.getLogger("segmentation").removeHandler(handler)
    return root, catalog, records


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_german_answers_are_read_on_their_scale(german_run):
    _, catalog, _ = german_run
    summary = catalog.load("run_summary")
    assert summary["ingestion"]["answers_set_missing"] == 0
    scores = catalog.load("item_scores")
    values = set(
        np.unique(
            scores[["IN1", "ND1"]].to_numpy(dtype=float)[
                ~np.isnan(scores[["IN1", "ND1"]].to_numpy(dtype=float))
            ]
        )
    )
    assert values == {1.0, 2.0, 4.0, 6.0, 7.0}  # the German labels, read as their points


def test_a_german_report_falls_back_to_english_words_with_one_warning(german_run):
    root, catalog, records = german_run
    assert (root / "data" / "08_reporting" / WAVE / "persona_report.html").stat().st_size > 0
    golden = json.loads(
        (root / "data" / "07_model_output" / WAVE / "golden_questions.json").read_text(
            encoding="utf-8"
        )
    )
    assert golden["items"] and all(
        item["text_de"].endswith("(auf Deutsch)") and "text_he" not in item
        for item in golden["items"]
    )
    fallbacks = [r.getMessage() for r in records if "and maybe others); using" in r.getMessage()]
    assert fallbacks == [
        "No 'de' text for the report's labels (report.labels) (and maybe others); using 'en' instead."
    ]
    html = (root / "data" / "08_reporting" / WAVE / "persona_report.html").read_text(
        encoding="utf-8"
    )
    assert 'lang="en"' in html or 'dir="ltr"' in html


def test_thresholds_and_the_chart_axis_follow_the_7_point_scale(german_run):
    """Was: "agrees from 4" on every scale (the neutral answer counted) and a trait axis fixed at 1-5."""
    root, catalog, _ = german_run
    questionnaire = german_questionnaire()
    settings = resolve_report_settings(project_parameters(questionnaire)["report"], questionnaire)
    assert settings["score_axis"] == {"bounds": [1, 7], "common": False, "range": "1-7"}
    assert settings["scales"]["need_expertise"]["agree_from"] == 5
    workbook = load_workbook(root / "data" / "08_reporting" / WAVE / "persona_report.xlsx")
    rows = [[c.value for c in row] for ws in workbook.worksheets for row in ws.iter_rows()]
    assert any("Mean (1-7)" in map(str, r) for r in rows)
    assert not any("Mean (1-5)" in map(str, r) for r in rows)
    label = Labels(settings).value("constructs", "need_expertise")
    share = next(r[3] for r in rows if r[2] == label and isinstance(r[3], float))
    scores = catalog.load("construct_scores")["need_expertise"].dropna()
    assert share == pytest.approx(float((scores >= 5).mean()), abs=0.02)  # somewhat agree and above
    assert float((scores >= 4).mean()) > share + 0.05  # what the old 1-5 rule would have said
