"""Hostile input through a real KedroSession: every CSV and workbook the run writes, parsed back.

The shipped sample's roster is rewritten as ``roster.csv`` with the attack of
issue 12 (org unit ``Ops-North\\r=1+1``: a bare carriage return that used to
start a CSV row of its own with ``=1+1``) and, in some rows of every column,
the values of :data:`HOSTILE` (control characters, formula prefixes,
full-width look-alikes, RTL and zero-width marks, emoji, a 1 MB cell); the
wave's Qualtrics export gets them in its ids, emails, answers and free text
(shown in the report for this run), and the opt-out file is saved as Excel
saves it. The run's charts are left undrawn (the files are the question):
tests/test_charts.py draws the same kinds of text in every kind of chart. Every CSV the run writes is read back with Python's ``csv`` module
and every workbook with openpyxl: each row has the header's column count, no
cell reads as a formula, no control character is left. The other export
shapes get the same values through the ingestion nodes
(``test_every_export_shape_survives_hostile_values``).
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from segmentation.codebook import Codebook
from segmentation.datasets import SpreadsheetSafeCSVDataset, TabularExportDataset
from segmentation.parsing import concat_rejects
from segmentation.pipelines.ingestion.nodes import match_respondents, parse_roster, parse_survey
from segmentation.sample import generate_organisation
from segmentation.sample.exports import write_roster_csv
from tests.pipelines.ingestion.helpers import read
from tests.pipelines.ingestion.test_same_answers_every_shape import WRITERS
from tests.test_end_to_end import _copy_project, _run
from tests.undrawn_charts import charts_undrawn

pytestmark = pytest.mark.slow

WAVE = "2026-09"
CR_ATTACK = "Ops-North\r=1+1"
HOSTILE = [
    CR_ATTACK,
    "line\n=2+2",
    "nul\x00=3",
    '=HYPERLINK("http://evil.example","x")',
    "+972-1",
    "-2+3",
    "@SUM(1)",
    "\uff1d1+1",
    "\u202e\u200f=rtl",
    "\u200b=zw",
    "\U0001f642 =1",
    "\t=tab",
    "x" * 1_000_000,
]


def _formula_like(text: str) -> bool:
    """A cell a spreadsheet could run: first visible character (NFKC) is = + - @, unless it is a number."""
    try:
        float(text)
        return False
    except ValueError:
        pass
    visible = [c for c in text if not (c.isspace() or unicodedata.category(c) in ("Cf", "Zs"))]
    return bool(visible) and unicodedata.normalize("NFKC", visible[0])[:1] in ("=", "+", "-", "@")


def _rows(path: Path) -> list[list[str]]:
    """An input file's rows (its 1 MB cells need a larger field limit than outputs get)."""
    limit = csv.field_size_limit(2**31 - 1)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    finally:
        csv.field_size_limit(limit)


def _write(path: Path, rows: list[list[str]], bom: bool = False) -> None:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _sprinkle(rows: list[list[str]], columns: range, spare: set[str]) -> None:
    """Every value of HOSTILE into a few rows of every column (not the rows holding a ``spare`` value)."""
    targets = [i for i, row in enumerate(rows) if not spare & {cell.lower() for cell in row}]
    for c in columns:
        for h, value in enumerate(HOSTILE):
            rows[targets[(c * len(HOSTILE) + h) * 3 % len(targets)]][c] = value


def _write_hostile_roster(project: Path, spare: set[str]) -> int:
    """The roster as ``roster.csv`` with the CR attack on every Ops-North row and HOSTILE everywhere else.

    ``spare`` ids keep their rows; returns the number of Ops-North rows.
    """
    hr = project / "data" / "01_raw" / "hr"
    cells = TabularExportDataset(str(hr / "roster.xlsx")).load().cells
    (hr / "roster.xlsx").unlink()
    header = cells.iloc[0].tolist()
    rows = cells.iloc[1:].values.tolist()
    org_unit = header.index("org_unit")
    ops_north = [row for row in rows if row[org_unit] == "Ops-North"]
    for row in ops_north:
        row[org_unit] = CR_ATTACK
    _sprinkle(rows, range(len(header)), spare | {row[0] for row in ops_north})
    _write(hr / "roster.csv", [header, *rows])
    return len(ops_north)


def _write_hostile_survey(project: Path) -> None:
    """The wave's Qualtrics export with HOSTILE in its ids, emails, language, answers and free text."""
    path = project / "data" / "01_raw" / "waves" / WAVE / "survey.csv"
    rows = _rows(path)
    header, body = rows[0], rows[3:]
    columns = [
        header.index(c)
        for c in ("RecipientEmail", "ExternalReference", "UserLanguage", "SM1", "CH4", "OPEN1")
    ]
    for c in columns:
        for h, value in enumerate(HOSTILE):
            body[(c * 31 + h * 7) % len(body)][c] = value
    _write(path, [*rows[:3], *body], bom=True)


def _show_free_text(project: Path) -> None:
    path = project / "conf" / "base" / "parameters_report.yml"
    text = path.read_text(encoding="utf-8")
    assert "show_open_text: false" in text
    path.write_text(text.replace("show_open_text: false", "show_open_text: true"), encoding="utf-8")


def written_files(project: Path, wave: str) -> tuple[list[Path], list[Path]]:
    """Every CSV and every workbook a run of ``wave`` wrote."""
    data = project / "data"
    folders = sorted(data.glob(f"0[2-8]_*/{wave}"))
    return (
        sorted(p for f in folders for p in f.rglob("*.csv")),
        sorted(p for f in folders for p in f.rglob("*.xlsx")),
    )


def csv_problems(path: Path) -> list[str]:
    """Rows whose width differs from the header's, and cells that read as formulas."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        delimiter = (
            ";"
            if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",")
            else ","
        )
        rows = list(csv.reader(handle, delimiter=delimiter))
    problems = []
    width = len(rows[0]) if rows else 0
    for n, row in enumerate(rows, start=1):
        if len(row) != width:
            problems.append(
                f"{path.name} record {n}: {len(row)} cells, header has {width}: {row[:3]}"
            )
        problems += [
            f"{path.name} record {n}: formula-like cell {cell[:40]!r}"
            for cell in row
            if _formula_like(cell)
        ]
        problems += [
            f"{path.name} record {n}: control character in {cell[:40]!r}"
            for cell in row
            if any(unicodedata.category(c) == "Cc" and c != "\n" for c in cell)
        ]
    return problems


def workbook_problems(path: Path) -> list[str]:
    problems = []
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{path.name}!{sheet.title}!{cell.coordinate}: a formula")
                elif isinstance(cell.value, str) and _formula_like(cell.value):
                    problems.append(
                        f"{path.name}!{sheet.title}!{cell.coordinate}: formula-like {cell.value[:40]!r}"
                    )
    return problems


def _opt_out_saved_by_excel(project: Path) -> list[str]:
    """The opt-out file as Excel saves it (ids lose their leading zeros), plus an entry naming nobody.

    Returns the roster ids of everyone who opted out by id, and the emails of those who did by email.
    """
    path = project / "data" / "01_raw" / "campaign" / "opt_out.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    opted = [r[0] for r in rows[1:] if r[0]]
    assert all(i.startswith("0") for i in opted)  # the sample's ids have leading zeros
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [rows[0], *[[r[0].lstrip("0"), r[1]] for r in rows[1:]], ["99999", ""]]
        )
    return opted, [r[1].lower() for r in rows[1:] if r[1]]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    project = _copy_project(tmp_path_factory.mktemp("hostile"))
    opted_out, opted_out_emails = _opt_out_saved_by_excel(project)
    changed = _write_hostile_roster(project, set(opted_out) | set(opted_out_emails))
    _write_hostile_survey(project)
    _show_free_text(project)
    # the files are the question; hostile text in every kind of chart: tests/test_charts.py
    with charts_undrawn():
        summary = _run(project, WAVE)
    return SimpleNamespace(project=project, changed=changed, opted_out=opted_out, summary=summary)


def test_every_csv_and_workbook_parses_back_whole_and_inert(hostile_run):
    project, changed = hostile_run.project, hostile_run.changed
    assert changed > 50
    csvs, workbooks = written_files(project, WAVE)
    names = {p.name for p in csvs}
    assert {
        "rejects.csv",
        "champions.csv",
        "manager_briefs.csv",
        "top_contributors.csv",
        "all_personas.csv",
    } <= names
    problems = [p for path in csvs for p in csv_problems(path)] + [
        p for path in workbooks for p in workbook_problems(path)
    ]
    assert problems == []
    # the org unit arrives whole, on its own row, as one cell
    with open(
        project / "data" / "08_reporting" / WAVE / "targeting" / "all_personas.csv",
        encoding="utf-8-sig",
        newline="",
    ) as f:
        listed = list(csv.DictReader(f))
    assert sum(r["org_unit"] == "Ops-North =1+1" for r in listed) > 50
    assert all(r["employee_id"] and r["persona_id"] for r in listed)


def test_cleaned_cells_are_listed_and_their_rows_kept(hostile_run):
    project, changed = hostile_run.project, hostile_run.changed
    with open(
        project / "data" / "02_intermediate" / WAVE / "rejects.csv",
        encoding="utf-8-sig",
        newline="",
    ) as f:
        rejects = list(csv.DictReader(f))
    cleaned = [
        r
        for r in rejects
        if r["action"] == "value_cleaned"
        and r["reason"] == "control_characters"
        and r["file"] == "data/01_raw/hr/roster.csv"
    ]
    assert (
        sum(r["column"] == "org_unit" and r["value"] == "Ops-North =1+1" for r in cleaned)
        >= changed
    )
    roster = _rows(project / "data" / "01_raw" / "hr" / "roster.csv")[1:]
    with_controls = sum(
        any(unicodedata.category(c) == "Cc" for c in cell.strip()) for row in roster for cell in row
    )
    assert len(cleaned) == with_controls > changed
    assert all(int(r["row"]) > 1 for r in cleaned)


def test_opt_outs_saved_by_excel_are_honoured_everywhere_and_an_unknown_one_is_listed(hostile_run):
    """Issue 12: opt-out ids that lost their leading zeros matched nobody, and opted-out people stayed listed."""
    project, opted_out = hostile_run.project, set(hostile_run.opted_out)
    reporting = project / "data" / "08_reporting" / WAVE
    files = [
        *sorted((reporting / "targeting").glob("*.csv")),
        reporting / "champions.csv",
        reporting / "manager_briefs.csv",
        reporting / "gamification" / "top_contributors.csv",
    ]
    for path in files:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert not opted_out & {cell for row in rows[1:] for cell in row}, path.name
    with open(
        project / "data" / "02_intermediate" / WAVE / "opt_out_rejects.csv",
        encoding="utf-8-sig",
        newline="",
    ) as f:
        listed = list(csv.DictReader(f))
    assert sorted(
        r["value"].split(" (roster: ")[1].rstrip(")")
        for r in listed
        if r["reason"] == "id_matched_after_normalising"
    ) == sorted(opted_out)
    assert [(r["value"], r["reason"]) for r in listed if r["reason"] == "matches_nobody"] == [
        ("99999", "matches_nobody")
    ]
    opt_out = hostile_run.summary["campaign"]["opt_out"]
    assert (
        opt_out["matched_after_normalising"] == len(opted_out) and opt_out["matching_nobody"] == 1
    )
    assert hostile_run.summary["campaign"]["opt_out_entries_matching_nobody"] == 1
    assert any("match nobody" in w for w in opt_out["warnings"])


@pytest.fixture(scope="module")
def small_organisation(questionnaire):
    return generate_organisation(150, seed=3, codebook=Codebook.from_params(questionnaire))


@pytest.mark.parametrize("shape", sorted(WRITERS))
def test_every_export_shape_survives_hostile_values(
    tmp_path, small_organisation, shape, questionnaire, survey_params, roster_params
):
    """HOSTILE in the ids, emails, names and free text of each export shape: every row used or rejected, the rejects inert."""
    write, name = WRITERS[shape]
    # an xlsx cell cannot hold control characters (Excel never writes them): the others only
    values = [
        v
        for v in HOSTILE
        if not (name.endswith(".xlsx") and any(unicodedata.category(c) == "Cc" for c in v))
    ]
    answers = small_organisation.answers[WAVE].copy()
    for c, column in enumerate(["employee_id", "email", "name", "recipient_email", "OPEN1"]):
        answers[column] = answers[column].astype(object)
        for h, value in enumerate(values):
            answers.loc[(c * len(values) + h) * 3 % len(answers), column] = value
    path = write(answers, tmp_path / shape / name, Codebook.from_params(questionnaire))
    roster, _, _, _ = parse_roster(
        read(write_roster_csv(small_organisation.roster, tmp_path / "roster.csv"), "roster"),
        roster_params,
        WAVE,
        None,
    )
    responses, survey_rejects, detected = parse_survey(read(path), questionnaire, survey_params)
    matched, match_rejects = match_respondents(responses, roster, [], detected)
    rejects = concat_rejects([survey_rejects, match_rejects])
    assert detected["rows_read"] == len(matched) + int((rejects["action"] == "row_rejected").sum())
    assert len(matched) > 50
    out = tmp_path / "rejects.csv"
    SpreadsheetSafeCSVDataset(str(out), encoding="utf-8-sig").save(rejects)
    assert csv_problems(out) == []
    assert len(_rows(out)) == len(rejects) + 1
