"""Fixtures of the report tests: one organisation, reports built once per language."""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner
from openpyxl import load_workbook

from segmentation.pipelines.report import create_pipeline, nodes
from tests.conftest import load_parameters
from tests.libreoffice import convert

from .browser import Rendering, chromium, render, screenshot_folder
from .helpers import (
    WAVE,
    World,
    anonymity_params,
    make_world,
    project_catalog_config,
    report_params,
)


@dataclass
class BuiltReport:
    html: str
    xlsx: bytes
    html_path: Path
    xlsx_path: Path
    outputs: dict

    def workbook(self):
        return load_workbook(io.BytesIO(self.xlsx))

    def workbook_text(self) -> str:
        """Every cell value of every sheet, as one text."""
        wb = self.workbook()
        return "\n".join(
            str(cell.value)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None
        )


@dataclass
class PrintedWorkbook:
    workbook: Path  # the whole workbook as a PDF
    personas: Path  # the Personas sheet alone as a PDF
    returncode: int
    log: str  # what LibreOffice said


def value_proposition_params() -> dict:
    """The playbook's value propositions, as the project's campaign parameters give them."""
    return load_parameters("campaign")["campaign"]["playbook"]["value_propositions"]


def build_report(world: World, root: Path, **report_overrides) -> BuiltReport:
    """Run the report pipeline through Kedro with the project's catalog entries for the two files."""
    catalog = DataCatalog.from_config(project_catalog_config(root))
    params = {
        "params:report": report_params(**report_overrides),
        "params:questionnaire": load_parameters("questionnaire")["questionnaire"],
        "params:anonymity": anonymity_params(),
        "params:campaign.playbook.value_propositions": value_proposition_params(),
        "params:wave": WAVE,
        "params:wave_date": None,
    }
    for name, value in {**params, **world.inputs()}.items():
        catalog[name] = copy.deepcopy(value)
    pipeline = create_pipeline()
    outputs = SequentialRunner().run(pipeline, catalog)
    html_path = root / "data" / "08_reporting" / WAVE / "persona_report.html"
    xlsx_path = root / "data" / "08_reporting" / WAVE / "persona_report.xlsx"
    return BuiltReport(
        html_path.read_text(encoding="utf-8"),
        xlsx_path.read_bytes(),
        html_path,
        xlsx_path,
        {**outputs, **report_figures(world, **report_overrides)},
    )


def report_figures(world: World, **report_overrides) -> dict:
    """The intermediate figures, from the node functions called in pipeline order (no charts)."""
    report, anonymity = report_params(**report_overrides), anonymity_params()
    playbook, profiles, summary = nodes.read_handoffs(
        world.playbook, world.persona_profiles, world.persona_summary, report
    )
    base = nodes.build_report_base(
        world.employees,
        world.construct_scores,
        world.item_scores,
        world.persona_assignments,
        WAVE,
        None,
        report,
        anonymity,
    )
    overview = nodes.summarise_report_overview(
        world.ingestion_summary, base, profiles, WAVE, None, report, anonymity
    )
    situation = nodes.analyse_situation(base, report, anonymity)
    return {
        "report_base": base,
        "report_overview": overview,
        "report_situation": situation,
        "report_swot": nodes.derive_swot(situation, overview, report),
        "report_personas": nodes.build_persona_cards(
            base,
            profiles,
            playbook,
            world.open_text,
            report,
            anonymity,
            value_proposition_params(),
        ),
        "report_method": nodes.summarise_method(summary, report, anonymity),
    }


@pytest.fixture(scope="session")
def world() -> World:
    return make_world()


@pytest.fixture(scope="session")
def english_report(world, tmp_path_factory) -> BuiltReport:
    return build_report(world, tmp_path_factory.mktemp("report_en"))


@pytest.fixture(scope="session")
def hebrew_report(world, tmp_path_factory) -> BuiltReport:
    return build_report(world, tmp_path_factory.mktemp("report_he"), language="he")


@pytest.fixture(scope="session")
def rendered_pages(english_report, hebrew_report, tmp_path_factory) -> dict[str, Rendering]:
    """Both languages' report and one-pagers as Chromium shows them, one launch per page.

    ``report_<language>`` (1280 px wide) and ``one_pager_<language>`` (900 px, printed to PDF
    too); each has its screenshot, DOM and console log. $REPORT_SCREENSHOTS keeps the PNGs.
    """
    if chromium() is None:
        pytest.skip("headless Chromium is not installed (apt-get install -y chromium)")
    out = screenshot_folder(tmp_path_factory.mktemp("pages"))
    pages = {}
    for language, built in (("en", english_report), ("he", hebrew_report)):
        pages[f"report_{language}"] = render(built.html_path, out / f"report_{language}.png")
        pages[f"one_pager_{language}"] = render(
            built.html_path.parent / "persona_one_pagers.html",
            out / f"one_pager_{language}.png",
            900,
            1300,
            pdf=out / f"one_pagers_{language}.pdf",
        )
    return pages


@pytest.fixture(scope="session")
def workbook_pdfs(english_report, tmp_path_factory) -> PrintedWorkbook:
    """The English workbook, and its Personas sheet alone, as LibreOffice prints them (one start)."""
    folder = tmp_path_factory.mktemp("workbook_pdfs")
    personas = english_report.workbook()
    for name in personas.sheetnames:
        if name != "Personas":
            del personas[name]
    personas.save(folder / "personas.xlsx")
    done = convert([english_report.xlsx_path, folder / "personas.xlsx"], "pdf", folder)
    return PrintedWorkbook(
        folder / f"{english_report.xlsx_path.stem}.pdf",
        folder / "personas.pdf",
        done.returncode,
        done.stdout + done.stderr,
    )
