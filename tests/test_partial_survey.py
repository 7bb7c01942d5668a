"""A survey that asks only some roles runs end to end and leaves the rest out.

The questionnaire (tests/fixtures/partial_survey) asks three needs and an
attitude to new tools on a 7-point labelled scale: no channel preferences, no
social-media or mobile use, no barriers, no gamification. The whole pipeline
runs on it with the project's own catalog (paths under a temporary folder)
and parameters, the questionnaire replaced whole.
"""

from __future__ import annotations

import copy
import csv
import io
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from openpyxl import load_workbook

from segmentation.hooks import PseudonymKeyHook
from segmentation.inmemory import parameter_inputs
from segmentation.pipelines import campaign, ingestion, personas, report, reporting, waves
from segmentation.sample import generate_organisation
from segmentation.sample.exports import write_roster_csv

from .conftest import PROJECT_ROOT, catalog_config_under

pytestmark = pytest.mark.slow

WAVE = "2026-09"
FIXTURE = Path(__file__).parent / "fixtures" / "partial_survey"
# The sample's 1-5 answers on the fixture's 7-point scale.
SEVEN_POINT = {1.0: 0, 2.0: 1, 3.0: 3, 4.0: 5, 5.0: 6}


def partial_questionnaire() -> dict:
    return yaml.safe_load((FIXTURE / "parameters_questionnaire.yml").read_text(encoding="utf-8"))[
        "questionnaire"
    ]


def project_parameters(questionnaire: dict) -> dict:
    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), base_env="base", default_run_env="base")
    parameters = copy.deepcopy(loader["parameters"])
    parameters["questionnaire"] = questionnaire
    parameters["wave"] = WAVE
    return parameters


def write_inputs(root: Path, questionnaire: dict) -> None:
    """The sample organisation's roster, and its answers to the fixture's items as a generic csv."""
    org = generate_organisation(400, 5, (WAVE,))
    raw = root / "data" / "01_raw"
    (raw / "hr").mkdir(parents=True)
    write_roster_csv(org.roster, raw / "hr" / "roster.csv")
    answers = org.clean_answers(WAVE)
    labels = questionnaire["scales"]["agree7"]["en"]
    items = list(questionnaire["items"])
    (raw / "waves" / WAVE).mkdir(parents=True)
    with open(raw / "waves" / WAVE / "survey.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["employee_id", "submitted_at", "consent", *items])
        for employee_id, row in zip(answers.index, answers[items].to_numpy(), strict=True):
            cells = ["" if np.isnan(v) else labels[SEVEN_POINT[float(v)]] for v in row]
            writer.writerow([employee_id, "2026-09-10 09:00", "yes", *cells])


def project_catalog(root: Path) -> DataCatalog:
    return DataCatalog.from_config(catalog_config_under(root, WAVE))


def run_pipeline(root: Path, parameters: dict) -> DataCatalog:
    pipeline = sum(
        module.create_pipeline()
        for module in (ingestion, personas, campaign, waves, report, reporting)
    )
    catalog = project_catalog(root)
    # as a project run: the hook hands over the pseudonymisation key and signs the saved models with it
    PseudonymKeyHook().after_catalog_created(
        catalog, {"pseudonymisation": {"key": "partial-survey-test-key"}}
    )
    for name, value in parameter_inputs(parameters).items():
        if name in pipeline.datasets():
            catalog[name] = MemoryDataset(value, copy_mode="deepcopy")
    SequentialRunner().run(pipeline, catalog)
    return catalog


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def partial_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("partial")
    questionnaire = partial_questionnaire()
    write_inputs(root, questionnaire)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("segmentation").addHandler(handler)
    try:
        catalog = run_pipeline(root, project_parameters(questionnaire))
    finally:
        logging.getLogger("segmentation").removeHandler(handler)
    return root, catalog, records


NOT_A_VALUE = re.compile(r"\b(nan|None|NaN|null)\b")


def test_one_warning_lists_every_part_the_survey_lacks(partial_run):
    _, catalog, records = partial_run
    left_out = [
        r.getMessage()
        for r in records
        if r.getMessage().startswith("Left out of this run's outputs")
    ]
    assert len(left_out) == 1
    for part in (
        "channel preferences",
        "social-media use",
        "mobile use",
        "barriers",
        "gamification appeal",
    ):
        assert part in left_out[0]
    assert "needs (" not in left_out[0] and "innovativeness (" not in left_out[0]
    assert (
        "need_paperwork" in left_out[0]
    )  # asked, but the playbook has no value proposition for it
    summary = catalog.load("run_summary")
    assert summary["campaign"]["left_out"]["left_out"][0].startswith("channel preferences")


def test_the_report_has_no_missing_values_and_no_channel(partial_run):
    root, _, _ = partial_run
    html = (root / "data" / "08_reporting" / WAVE / "persona_report.html").read_text(
        encoding="utf-8"
    )
    text = visible_text(html)
    assert not NOT_A_VALUE.search(text), NOT_A_VALUE.search(text)
    assert "Email" not in text and "stated preference" not in text.lower()
    assert (
        "how they use social media and phones" not in text and "questions this survey asked" in text
    )
    workbook = load_workbook(root / "data" / "08_reporting" / WAVE / "persona_report.xlsx")
    cells = [
        str(c.value)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert cells and not [c for c in cells if NOT_A_VALUE.search(c)]


def test_only_the_all_personas_list_and_no_channel_list(partial_run):
    root, catalog, _ = partial_run
    targeting = root / "data" / "08_reporting" / WAVE / "targeting"
    files = sorted(p.name for p in targeting.iterdir())
    assert files == ["all_personas.csv"]
    rows = list(
        csv.DictReader(
            io.StringIO((targeting / "all_personas.csv").read_text(encoding="utf-8-sig"))
        )
    )
    assert rows and all(row["primary_channel"] == "" for row in rows)
    assert not [v for row in rows for v in row.values() if NOT_A_VALUE.fullmatch(v or "")]
    playbook = catalog.load("playbook")
    for entry in playbook.values():
        assert entry["channels"]["top"] == [] and entry["lists"] == []
        if not entry.get("broad"):
            assert entry["gamification"] == {}
            assert {v["need"] for v in entry["value_propositions"]} <= {
                "need_expertise",
                "need_knowledge_reuse",
            }


def test_champions_come_from_the_attitude_construct(partial_run):
    root, catalog, _ = partial_run
    champions = catalog.load("champions")
    assert len(champions) > 0
    assert list(champions.columns) == ["employee_id", "first_name", "email", "org_unit"]
    scores = catalog.load("construct_scores")
    assert "attitude" in scores.columns and "innovativeness" not in scores.columns


def test_no_missing_value_in_any_file_written_for_people(partial_run):
    """Every csv and json of the model outputs and reports (playbook, profiles, briefs, champions,
    summaries): no nan, NaN or None."""
    root, catalog, _ = partial_run
    written = sorted(
        p
        for folder in ("07_model_output", "08_reporting")
        for p in (root / "data" / folder / WAVE).rglob("*")
        if p.suffix in {".csv", ".json"}
    )
    assert any(p.name == "manager_briefs.csv" for p in written) and any(
        p.name == "playbook.json" for p in written
    )
    for path in written:
        text = path.read_text(encoding="utf-8-sig")
        assert not re.search(r"\b(nan|NaN|None)\b", text), path.name
