"""Hostile values in the roster, through a real KedroSession: every CSV and workbook parsed back.

The shipped sample's roster is rewritten as ``roster.csv`` with the attack of
issue 12 (org unit ``Ops-North\\r=1+1``: a bare carriage return that used to
start a CSV row of its own with ``=1+1``) and other hostile values in its text
fields. Every CSV the run writes is read back with Python's ``csv`` module and
every workbook with openpyxl: each row has the header's column count and no
cell reads as a formula.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from segmentation.datasets import TabularExportDataset
from tests.test_end_to_end import _copy_project, _run

pytestmark = pytest.mark.slow

WAVE = "2026-09"
CR_ATTACK = "Ops-North\r=1+1"
# Roster text fields and the hostile value written into some of their cells.
HOSTILE_ROSTER = {
    "first_name": ["=HYPERLINK(\"http://evil.example\",\"x\")", "\n@SUM(1+1)", "Dana\x00", "+972", "\u200b=1+1"],
    "last_name": ["\uff1d1+1", "Cohen\r\n-2+3", "\u202e@evil", "Levi\u2028=2"],
}


def _formula_like(text: str) -> bool:
    """A cell a spreadsheet could run: first visible character (NFKC) is = + - @, unless it is a number."""
    try:
        float(text)
        return False
    except ValueError:
        pass
    visible = [c for c in text if not (c.isspace() or unicodedata.category(c) in ("Cf", "Zs"))]
    return bool(visible) and unicodedata.normalize("NFKC", visible[0])[:1] in ("=", "+", "-", "@")


def _write_hostile_roster(project: Path) -> int:
    """The roster as ``roster.csv`` with hostile values; the number of rows changed."""
    hr = project / "data" / "01_raw" / "hr"
    cells = TabularExportDataset(str(hr / "roster.xlsx")).load().cells
    (hr / "roster.xlsx").unlink()
    header = cells.iloc[0].tolist()
    rows = cells.iloc[1:].values.tolist()
    changed = 0
    org_unit = header.index("org_unit")
    for i, row in enumerate(rows):
        if row[org_unit] == "Ops-North":
            row[org_unit] = CR_ATTACK
            changed += 1
        for column, values in HOSTILE_ROSTER.items():
            if i % 7 == 0:
                row[header.index(column)] = values[(i // 7) % len(values)]
    with open(hr / "roster.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return changed


def written_files(project: Path, wave: str) -> tuple[list[Path], list[Path]]:
    """Every CSV and every workbook a run of ``wave`` wrote."""
    data = project / "data"
    folders = sorted(data.glob(f"0[2-8]_*/{wave}"))
    return (sorted(p for f in folders for p in f.rglob("*.csv")), sorted(p for f in folders for p in f.rglob("*.xlsx")))


def csv_problems(path: Path) -> list[str]:
    """Rows whose width differs from the header's, and cells that read as formulas."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        delimiter = ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
        rows = list(csv.reader(handle, delimiter=delimiter))
    problems = []
    width = len(rows[0]) if rows else 0
    for n, row in enumerate(rows, start=1):
        if len(row) != width:
            problems.append(f"{path.name} record {n}: {len(row)} cells, header has {width}: {row[:3]}")
        problems += [f"{path.name} record {n}: formula-like cell {cell[:40]!r}" for cell in row if _formula_like(cell)]
        problems += [f"{path.name} record {n}: control character in {cell[:40]!r}" for cell in row
                     if any(unicodedata.category(c) == "Cc" and c != "\n" for c in cell)]
    return problems


def workbook_problems(path: Path) -> list[str]:
    problems = []
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{path.name}!{sheet.title}!{cell.coordinate}: a formula")
                elif isinstance(cell.value, str) and _formula_like(cell.value):
                    problems.append(f"{path.name}!{sheet.title}!{cell.coordinate}: formula-like {cell.value[:40]!r}")
    return problems


def _opt_out_saved_by_excel(project: Path) -> list[str]:
    """The opt-out file as Excel saves it (ids lose their leading zeros), plus an entry naming nobody.

    Returns the roster ids of everyone who opted out by id.
    """
    path = project / "data" / "01_raw" / "campaign" / "opt_out.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    opted = [r[0] for r in rows[1:] if r[0]]
    assert all(i.startswith("0") for i in opted)  # the sample's ids have leading zeros
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([rows[0], *[[r[0].lstrip("0"), r[1]] for r in rows[1:]], ["99999", ""]])
    return opted


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    project = _copy_project(tmp_path_factory.mktemp("hostile"))
    changed = _write_hostile_roster(project)
    opted_out = _opt_out_saved_by_excel(project)
    summary = _run(project, WAVE)
    return SimpleNamespace(project=project, changed=changed, opted_out=opted_out, summary=summary)


def test_a_carriage_return_never_starts_a_row_in_any_csv(hostile_run):
    project, changed = hostile_run.project, hostile_run.changed
    assert changed > 50
    csvs, workbooks = written_files(project, WAVE)
    names = {p.name for p in csvs}
    assert {"rejects.csv", "champions.csv", "manager_briefs.csv", "top_contributors.csv", "all_personas.csv"} <= names
    problems = [p for path in csvs for p in csv_problems(path)] + [p for path in workbooks for p in workbook_problems(path)]
    assert problems == []
    # the org unit arrives whole, on its own row, as one cell
    with open(project / "data" / "08_reporting" / WAVE / "targeting" / "all_personas.csv", encoding="utf-8-sig", newline="") as f:
        listed = list(csv.DictReader(f))
    assert sum(r["org_unit"] == "Ops-North =1+1" for r in listed) > 50
    assert not any(r["employee_id"].startswith(("=", "'=")) for r in listed)


def test_cleaned_cells_are_listed_and_their_rows_kept(hostile_run):
    project, changed = hostile_run.project, hostile_run.changed
    with open(project / "data" / "02_intermediate" / WAVE / "rejects.csv", encoding="utf-8-sig", newline="") as f:
        rejects = list(csv.DictReader(f))
    cleaned = [r for r in rejects if r["action"] == "value_cleaned"]
    assert sum(r["column"] == "org_unit" for r in cleaned) == changed
    assert {r["reason"] for r in cleaned} == {"control_characters"}
    assert all(r["file"] == "data/01_raw/hr/roster.csv" and int(r["row"]) > 1 for r in cleaned)


def test_opt_outs_saved_by_excel_are_honoured_everywhere_and_an_unknown_one_is_listed(hostile_run):
    """Issue 12: opt-out ids that lost their leading zeros matched nobody, and opted-out people stayed listed."""
    project, opted_out = hostile_run.project, set(hostile_run.opted_out)
    reporting = project / "data" / "08_reporting" / WAVE
    files = [*sorted((reporting / "targeting").glob("*.csv")), reporting / "champions.csv", reporting / "manager_briefs.csv",
             reporting / "gamification" / "top_contributors.csv"]
    for path in files:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert not opted_out & {cell for row in rows[1:] for cell in row}, path.name
    with open(project / "data" / "02_intermediate" / WAVE / "opt_out_rejects.csv", encoding="utf-8-sig", newline="") as f:
        listed = list(csv.DictReader(f))
    assert sorted(r["value"].split(" (roster: ")[1].rstrip(")") for r in listed if r["reason"] == "id_matched_after_normalising") == sorted(opted_out)
    assert [(r["value"], r["reason"]) for r in listed if r["reason"] == "matches_nobody"] == [("99999", "matches_nobody")]
    opt_out = hostile_run.summary["campaign"]["opt_out"]
    assert opt_out["matched_after_normalising"] == len(opted_out) and opt_out["matching_nobody"] == 1
    assert hostile_run.summary["campaign"]["opt_out_entries_matching_nobody"] == 1
    assert any("match nobody" in w for w in opt_out["warnings"])
