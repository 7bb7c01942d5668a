"""The shipped sample through a real KedroSession, and the CLI's error path."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from segmentation.sample import generate_organisation

from .conftest import (
    MARCH,
    SEPTEMBER,
    STAGES,
    copy_project,
    kedro_run_in_process,
    run_in_copy,
    run_session,
    wave_outputs,
)

pytestmark = pytest.mark.slow

# The helpers' older names, for test modules that still import them from here.
_copy_project = copy_project


def _run(project: Path, wave: str) -> dict | None:
    return run_session(project, wave=wave)


@pytest.fixture(scope="module")
def project(sample_runs) -> Path:
    return sample_runs.project


@pytest.fixture(scope="module")
def runs(sample_runs) -> dict[str, dict]:
    return sample_runs.summaries


def _timings(project: Path, wave: str) -> dict:
    return json.loads((project / "data" / "08_reporting" / wave / "run_timings.json").read_text())


@pytest.fixture(scope="module")
def truth():
    return generate_organisation(2000, 0)


@pytest.mark.parametrize("wave", ["2026-03", "2026-09"])
def test_run_summary_adds_up(runs, wave):
    files = runs[wave]["ingestion"]["files"]
    for account in files.values():
        assert account["rows_read"] == account["rows_used"] + account["rows_rejected"] > 0
        assert account["rows_rejected"] == sum(account["rejected_by_reason"].values())
    assert runs[wave]["wave"] == wave
    assert not {"timings_seconds", "io_seconds"} & set(runs[wave])  # timings have their own file


@pytest.mark.parametrize("wave", [MARCH, SEPTEMBER])
def test_every_node_and_every_stored_load_is_timed(project, sample_runs, wave):
    timings = _timings(project, wave)["__default__"]
    assert timings["nodes_run"] == len(timings["timings_seconds"]) - 1 > 40
    assert timings["timings_seconds"]["total"] > 0
    # reading the two input files is timed however quick it was
    assert {"load roster_raw", "load survey_raw", "save run_summary"} <= set(timings["io_seconds"])


@pytest.mark.parametrize("wave, shape", [("2026-03", "microsoft_forms"), ("2026-09", "qualtrics")])
def test_rejects_carry_the_planted_defects(project, runs, truth, wave, shape):
    summary = runs[wave]["ingestion"]
    assert summary["files"]["survey"]["shape"] == shape
    planted = truth.truth[wave].defect_counts
    by_reason = summary["files"]["survey"]["rejected_by_reason"]
    for reason in ["duplicate_response", "incomplete", "unknown_employee"]:
        assert by_reason.get(reason, 0) == planted[reason], reason
    rejects = pd.read_csv(
        project / "data" / "02_intermediate" / wave / "rejects.csv",
        dtype=str,
        keep_default_na=False,
    )
    assert (rejects.groupby("reason").size() >= 1).all()
    assert set(rejects.columns) == {"file", "row", "column", "value", "reason", "action"}
    survey_rows = rejects[rejects["file"].str.startswith(f"data/01_raw/waves/{wave}/survey")]
    assert (
        len(survey_rows[survey_rows["action"] == "row_rejected"])
        == summary["files"]["survey"]["rows_rejected"]
    )


def test_primary_tables_are_pseudonymous(project, runs):
    employees = pd.read_parquet(project / "data" / "03_primary" / "2026-09" / "employees.parquet")
    scores = pd.read_parquet(project / "data" / "03_primary" / "2026-09" / "item_scores.parquet")
    for table in (employees, scores):
        assert "pid" in table.columns
        assert not {"employee_id", "email", "first_name", "last_name"} & set(table.columns)
        assert table["pid"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert set(scores["pid"]) <= set(employees["pid"])


def test_broken_input_gives_one_clear_message_and_no_traceback(tmp_path):
    project = copy_project(tmp_path)
    roster = next((project / "data" / "01_raw" / "hr").glob("roster.*"))
    roster.unlink()
    (project / "data" / "01_raw" / "hr" / "roster.csv").write_text(
        "employee_id;email\n00001;a@x.org\n", encoding="utf-8"
    )
    result = run_in_copy(project, "-m", "kedro", "run")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Error: data/01_raw/hr/roster.csv: the file is semicolon (;)-separated" in output
    assert "Traceback" not in output
    assert "Traceback" in (project / "logs" / "debug.log").read_text()
    # the console as conf/logging.yml sets it up: the stage and what is read, never Kedro's
    # dataset chatter, which goes to the debug log
    assert "▸ ingestion (9 steps)" in result.stdout.splitlines()
    assert "Reading roster file data/01_raw/hr/roster.csv" in result.stdout.splitlines()
    assert "Loading data from" not in output
    assert "Loading data from" in (project / "logs" / "debug.log").read_text()


def test_console_output_is_short_and_ends_with_the_output_paths(sample_runs):
    lines = sample_runs.console  # kedro run --params wave=2026-09, in a copy of the sample
    assert len(lines) <= 60, "\n".join(lines)
    assert any(line.startswith("WARNING: No pseudonymisation key configured") for line in lines)
    assert not any("Loading data from" in line or "Saving data to" in line for line in lines)
    # each stage once, in the order the work happens, and no message twice
    assert [line.split()[1] for line in lines if line.startswith("▸ ")] == STAGES
    assert len(set(lines)) == len(lines), "\n".join(lines)
    tail = lines[-8:]
    assert tail[0].startswith("Finished in")
    for words, path in [
        ("Report", "persona_report.html"),
        ("Workbook", "persona_report.xlsx"),
        ("Targeting lists", "targeting"),
    ]:
        line = next(x for x in tail if x.strip().startswith(words))
        assert line.rstrip().endswith(path)
    # The detail went to the log file instead.
    assert "Saving data to" in (sample_runs.project / "logs" / "debug.log").read_text()


def test_a_run_that_fails_midway_leaves_the_previous_outputs_untouched(project, runs, monkeypatch):
    """A disk that fills up when the campaign's summary is written: after the lists, rejects and
    models (the stages run one after the other), and before waves and the report."""
    from kedro_datasets.json import JSONDataset

    save = JSONDataset.save

    def full(self, data):
        if str(self._filepath).endswith("campaign_summary.json"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self._filepath))
        return save(self, data)

    monkeypatch.setattr(JSONDataset, "save", full)
    before = wave_outputs(project, "2026-09")
    assert any(name.endswith("targeting/all_personas.csv") for name in before)
    result = kedro_run_in_process(project, "--params", "wave=2026-09")
    staged = project / "data" / ".staging" / "2026-09"
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"Error: {staged}/08_reporting/2026-09/campaign_summary.json: the disk is full (no space "
        "left on device); this wave's previous outputs were left as they were. "
        "Expected: free space on the disk that holds data/.",
        "The run stopped; fix this and run again. Details: logs/debug.log",
    ]
    # every output of the complete run is as it was, and none of the failed run's is in place
    assert wave_outputs(project, "2026-09") == before
    # the failed run did write lists and rejects before the disk filled: they stayed in its staging folder
    assert (staged / "08_reporting" / "2026-09" / "targeting" / "all_personas.csv").is_file()
    assert (staged / "02_intermediate" / "2026-09" / "rejects.csv").is_file()


def test_ingestion_runs_alone_on_a_fresh_checkout(tmp_path):
    project = copy_project(tmp_path)
    assert (
        run_session(project, ["ingestion"], wave=SEPTEMBER) is None
    )  # no run summary yet, and no error
    assert (project / "data" / "03_primary" / SEPTEMBER / "employees.parquet").is_file()
    assert set(_timings(project, SEPTEMBER)) == {"ingestion"}


def test_each_stage_runs_alone_after_a_full_run_with_the_same_outputs(sample_runs, stage_rerun):
    assert stage_rerun.outputs.keys() == sample_runs.outputs.keys()
    assert [
        name
        for name in sample_runs.outputs
        if stage_rerun.outputs[name] != sample_runs.outputs[name]
    ] == []
    # each stage's timings sit beside the full run's; the run summary holds none
    assert set(stage_rerun.timings) == {"__default__", *STAGES}
    assert (
        stage_rerun.timings["__default__"]
        == _timings(sample_runs.project, SEPTEMBER)["__default__"]
    )
    assert stage_rerun.summary == sample_runs.summaries[SEPTEMBER]
