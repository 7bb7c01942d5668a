"""The workbook: native charts, a Personas sheet that prints one page wide, honest headers."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from segmentation.pipelines.report.workbook import header_case


def test_workbook_has_native_excel_charts(english_report):
    with zipfile.ZipFile(io.BytesIO(english_report.xlsx)) as archive:
        charts = [
            n for n in archive.namelist() if n.startswith("xl/charts/chart") and n.endswith(".xml")
        ]
        assert len(charts) >= 3
        xml = "".join(archive.read(n).decode("utf-8") for n in charts)
    assert xml.count("<barChart>") == len(charts)
    assert "'Overview'!" in xml and "'Personas'!" in xml and "'Playbook'!" in xml


def test_headers_are_title_case_and_name_what_they_hold(english_report):
    wb = english_report.workbook()
    overview = [[c.value for c in row] for row in wb["Overview"].iter_rows()]
    assert ["Measure", "Figure"] in [r[:2] for r in overview]
    # The respondents are no longer listed under an "Active headcount" header.
    header = next(r for r in overview if r[0] == "Measure")
    assert "Active Headcount" not in header
    situation = wb["Situation"]
    header = [c.value for c in situation[2]]
    assert header == [
        "Section",
        "Group",
        "Item",
        "Share",
        "Mean (1-5)",
        "Respondents",
        "Active Headcount",
    ]
    age_rows = [
        r
        for r in situation.iter_rows(min_row=3, values_only=True)
        if str(r[2]).startswith("Age mix: ")
    ]
    assert age_rows and all(r[5] is None for r in age_rows)
    assert any(isinstance(r[6], int) for r in age_rows)


def test_header_case_keeps_small_words_and_other_scripts():
    assert header_case("share of respondents", "en") == "Share of Respondents"
    assert header_case("Employees incl. inferred", "en") == "Employees incl. Inferred"
    assert header_case("Mean (1-5)", "en") == "Mean (1-5)"
    assert header_case("שיעור מהמשיבים", "he") == "שיעור מהמשיבים"


def test_rank_three_is_not_coloured_red(english_report):
    ws = english_report.workbook()["Playbook"]
    rules = [r for cf in ws.conditional_formatting for r in cf.rules if r.colorScale is not None]
    rank_rule = next(r for r in rules if len(r.colorScale.color) == 2)
    colours = [c.rgb[-6:] for c in rank_rule.colorScale.color]
    assert colours[-1] == "FFFFFF"
    assert "F8696B" not in colours


def test_personas_sheet_prints_one_page_wide_in_libreoffice(english_report, workbook_pdfs):
    pypdf = pytest.importorskip("pypdf")
    assert workbook_pdfs.returncode == 0, workbook_pdfs.log
    wb = load_workbook(io.BytesIO(english_report.xlsx))
    pages = pypdf.PdfReader(workbook_pdfs.personas).pages
    assert 1 <= len(pages) <= 4
    names = [c.value for c in wb["Personas"][1][1:]]
    assert len(names) == 4
    for page in pages:
        # Every page carries every persona's column: the sheet is split by height only.
        text = " ".join(page.extract_text().split())
        assert all(" ".join(str(n).split()) in text for n in names), text[:300]
