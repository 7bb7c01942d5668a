"""``segmentation inspect``: the command's files, its determinism and its one-line errors."""

from __future__ import annotations

import shutil

import pytest
import yaml
from click.testing import CliRunner

from segmentation.cli import cli

from .conftest import PROJECT_ROOT


@pytest.fixture()
def project(tmp_path, monkeypatch):
    shutil.copytree(PROJECT_ROOT / "conf" / "base", tmp_path / "conf" / "base")
    (tmp_path / "data" / "01_raw" / "hr").mkdir(parents=True)
    (tmp_path / "data" / "01_raw" / "hr" / "roster.csv").write_text(
        "employee_id,gender,department\nE1,F,Sales\nE2,M,Finance\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _export(
    project,
    text="PE1,PE2,Gender,Department\n1,7,Male,Sales\n4,5,Female,Finance\n7,2,Female,Legal\n",
):
    path = project / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, ["inspect", *map(str, args)])


def test_inspect_writes_a_starter_environment_and_says_what_to_check(project):
    result = invoke(_export(project), "--env", "acme")
    assert result.exit_code == 0, result.output
    assert (
        "respondents: anonymous (no employee id or email); employees typed on gender, department"
        in result.output
    )
    assert "Run: kedro run --env acme --params wave=" in result.output
    written = sorted(p.name for p in (project / "conf" / "acme").iterdir())
    assert written == [
        "catalog.yml",
        "parameters_ingestion.yml",
        "parameters_personas.yml",
        "parameters_questionnaire.yml",
        "parameters_report.yml",
    ]
    link = yaml.safe_load((project / "conf" / "acme" / "parameters_ingestion.yml").read_text())[
        "survey"
    ]["roster_link"]
    # Legal is no department of the roster: only the answers that are
    assert link["department"]["values"] == {"Finance": "Finance", "Sales": "Sales"}
    assert link["gender"]["values"] == {"Female": "F", "Male": "M"}
    catalog = yaml.safe_load((project / "conf" / "acme" / "catalog.yml").read_text())
    assert catalog["survey_raw"]["filepath"] == "export.csv"


def test_same_export_same_bytes_and_an_existing_environment_is_kept_unless_forced(project):
    export = _export(project)
    assert invoke(export, "--env", "acme").exit_code == 0
    first = {p.name: p.read_bytes() for p in (project / "conf" / "acme").iterdir()}
    kept = invoke(export, "--env", "acme")
    assert kept.exit_code == 2
    assert "already holds" in kept.output and "--force" in kept.output
    assert invoke(export, "--env", "acme", "--force").exit_code == 0
    assert {p.name: p.read_bytes() for p in (project / "conf" / "acme").iterdir()} == first


def test_an_export_in_the_wave_layout_needs_no_catalog_entry(project):
    wave = project / "data" / "01_raw" / "waves" / "2026-05"
    wave.mkdir(parents=True)
    export = shutil.copy(_export(project), wave / "survey.csv")
    result = invoke(export, "--env", "acme")
    assert result.exit_code == 0, result.output
    assert not (project / "conf" / "acme" / "catalog.yml").exists()
    assert "Run: kedro run --env acme --params wave=2026-05" in result.output


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("semicolons.csv", "PE1;PE2;PE3\n1;2;3\n", "the file is semicolon (;)-separated"),
        ("empty.csv", "", "the file is empty"),
        ("header_only.csv", "PE1,PE2\n", "has a header but no answers"),
        ("answers.txt", "PE1,PE2\n1,2\n", "'.txt' is not a format inspect reads"),
        ("broken.xlsx", "not a workbook", "the file is not a valid Excel workbook"),
    ],
)
def test_a_file_inspect_cannot_read_is_one_line_and_exit_2(project, name, text, message):
    path = project / name
    path.write_text(text, encoding="utf-8")
    result = invoke(path, "--env", "acme")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.output
    assert not (project / "conf" / "acme").exists()


def test_missing_file_and_bad_environment_names_are_one_line_errors(project):
    missing = invoke(project / "nowhere.csv", "--env", "acme")
    assert missing.exit_code == 2 and "the survey file does not exist" in missing.output
    base = invoke(_export(project), "--env", "base")
    assert (
        base.exit_code == 2 and "is not a name for a new configuration environment" in base.output
    )
    assert invoke(_export(project), "--env", "../up").exit_code == 2


def test_the_console_command_dispatches_inspect(project, monkeypatch):
    from segmentation.__main__ import main

    export = _export(project)
    with pytest.raises(SystemExit) as done:
        main(["inspect", str(export), "--env", "acme"])
    assert done.value.code == 0
    assert (project / "conf" / "acme" / "parameters_questionnaire.yml").is_file()


def test_the_environments_own_roster_mapping_is_used_to_link(project):
    (project / "data" / "01_raw" / "hr" / "roster.csv").write_text(
        "EmpNo,Geschlecht\nE1,Female\nE2,Male\n", encoding="utf-8"
    )
    (project / "conf" / "acme").mkdir(parents=True)
    (project / "conf" / "acme" / "parameters_roster.yml").write_text(
        "roster:\n  columns:\n    employee_id: [EmpNo]\n    gender: [Geschlecht]\n",
        encoding="utf-8",
    )
    result = invoke(_export(project), "--env", "acme")
    assert result.exit_code == 0, result.output
    link = yaml.safe_load((project / "conf" / "acme" / "parameters_ingestion.yml").read_text())[
        "survey"
    ]["roster_link"]
    assert link["gender"]["values"] == {"Female": "Female", "Male": "Male"}
    assert "department" not in link  # this roster has none


def test_a_test_project_copy_leaves_out_the_checkouts_own_environments(tmp_path, monkeypatch):
    """An environment made with inspect in the checkout (conf/genai/) must not reach the copies tests run in."""
    from tests import conftest

    fake = tmp_path / "checkout"
    for folder in ["src/segmentation", "conf/base", "conf/local", "conf/genai", "data/01_raw"]:
        (fake / folder).mkdir(parents=True)
    for file in [
        ".telemetry",
        "pyproject.toml",
        "conf/logging.yml",
        "conf/base/parameters.yml",
        "conf/genai/parameters.yml",
    ]:
        (fake / file).write_text("x: 1\n")
    monkeypatch.setattr(conftest, "PROJECT_ROOT", fake)
    copy = conftest.copy_project(tmp_path / "copy")
    assert sorted(p.name for p in (copy / "conf").iterdir()) == ["base", "local", "logging.yml"]
    assert (copy / "conf" / "base" / "parameters.yml").is_file()


def test_the_console_commands_help_names_inspect(capsys, monkeypatch):
    """`segmentation --help` shows the run options and names the inspect command too.

    Through the command's ``main`` in this process, as the console script calls it: what it
    prints is the subject here; ``python -m segmentation inspect`` runs as a command in
    tests/test_your_own_survey.py.
    """
    from segmentation.__main__ import main

    monkeypatch.chdir(PROJECT_ROOT)
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    shown = capsys.readouterr()
    assert done.value.code == 0, shown.err
    assert "segmentation inspect EXPORT --env NAME" in shown.out
    assert "--pipeline" in shown.out
