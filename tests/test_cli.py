"""The project's ``kedro run`` wrapper: problems the user can fix give one line and exit code 2."""

from __future__ import annotations

import errno
import logging
import os
from unittest import mock

import pandas as pd
import pytest
from kedro.io import DataCatalog

from segmentation.cli import INPUT_ERROR_EXIT_CODE, _explain_input_errors
from segmentation.datasets import SpreadsheetSafeCSVDataset
from segmentation.errors import RunStopped


def _run(callback, capsys, caplog) -> tuple[int, str]:
    caplog.set_level(logging.DEBUG, logger="segmentation")
    with pytest.raises(SystemExit) as stopped:
        _explain_input_errors(callback)()
    return stopped.value.code, capsys.readouterr().err


def _save_rejects(path):
    catalog = DataCatalog({"rejects": SpreadsheetSafeCSVDataset(str(path))})
    return lambda: catalog.save("rejects", pd.DataFrame({"file": ["roster.csv"], "row": [2]}))


def _assert_one_line_and_logged(output: str, expected_first_line: str, caplog) -> None:
    lines = output.splitlines()
    assert lines == [
        expected_first_line,
        "The run stopped; fix this and run again. Details: logs/debug.log",
    ]
    assert "Traceback" not in output
    assert any(
        r.levelno == logging.DEBUG and r.exc_info for r in caplog.records
    )  # the traceback goes to the debug log


def test_a_stop_in_a_node_is_one_line_and_exit_2(capsys, caplog):
    def stop():
        raise RuntimeError("node failed") from RunStopped(
            "survey responses", "only 3 usable responses.", "at least 15."
        )

    code, output = _run(stop, capsys, caplog)
    assert code == INPUT_ERROR_EXIT_CODE == 2
    _assert_one_line_and_logged(
        output, "Error: survey responses: only 3 usable responses. Expected: at least 15.", caplog
    )


def test_a_full_disk_is_one_line_and_exit_2(tmp_path, capsys, caplog):
    path = tmp_path / "rejects.csv"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    with mock.patch.object(pd.DataFrame, "to_csv", full):
        code, output = _run(_save_rejects(path), capsys, caplog)
    assert code == 2
    _assert_one_line_and_logged(
        output,
        f"Error: {path}: the disk is full (no space left on device); this wave's previous outputs were left as they were. "
        "Expected: free space on the disk that holds data/.",
        caplog,
    )


def test_a_read_only_output_folder_is_one_line_and_exit_2(tmp_path, capsys, caplog):
    folder = tmp_path / "08_reporting"
    folder.mkdir()
    path = folder / "rejects.csv"
    denied = OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    if os.geteuid() == 0:  # root writes anywhere: refuse the write as a read-only folder would
        patch = mock.patch.object(pd.DataFrame, "to_csv", side_effect=denied)
    else:
        folder.chmod(0o555)
        patch = mock.patch.dict(os.environ)
    try:
        with patch:
            code, output = _run(_save_rejects(path), capsys, caplog)
    finally:
        folder.chmod(0o755)
    assert code == 2
    _assert_one_line_and_logged(
        output,
        f"Error: {path}: permission denied; this wave's previous outputs were left as they were. "
        "Expected: a data/ folder this user can write to (check its permissions).",
        caplog,
    )


def test_other_errors_are_not_hidden(capsys, caplog):
    def bug():
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        _explain_input_errors(bug)()


def _project_catalog(tmp_path, pipeline) -> DataCatalog:
    """The project's catalog for wave 2026-09 under ``tmp_path``, with the run's parameters
    and the pseudonymisation key (a hook adds it to a real run's catalog)."""
    from tests.conftest import catalog_config_under

    catalog = DataCatalog.from_config(catalog_config_under(tmp_path, "2026-09"))
    for name in pipeline.inputs():
        if name.startswith("params:") or name == "parameters":
            catalog[name] = {}
    catalog["pseudonym_key"] = "test-key"
    return catalog


def test_starting_inside_a_stage_is_one_line_naming_what_to_run_instead(tmp_path, capsys, caplog):
    """`kedro run --from-nodes scrub_known_people`: its inputs live in memory only (was Kedro's
    bare ValueError and a traceback)."""
    from segmentation.pipeline_registry import register_pipelines
    from segmentation.runner import StageByStageRunner, stage_pipelines, unsaved_inputs_problem

    everything = register_pipelines()["__default__"]
    assert (
        unsaved_inputs_problem(
            everything, _project_catalog(tmp_path, everything), stage_pipelines()
        )
        is None
    )
    middle = everything.from_nodes("scrub_known_people")
    catalog = _project_catalog(tmp_path, middle)

    code, output = _run(lambda: StageByStageRunner().run(middle, catalog), capsys, caplog)
    assert code == 2
    first = output.splitlines()[0]
    assert first.startswith(
        "Error: kedro run: the nodes asked for read contacts, open_text_unscrubbed"
    )
    assert "(analyse_situation, " in first and " pseudonymise, " in first
    assert first.endswith(
        "Expected: a run that starts where its inputs are saved: `kedro run --pipeline ingestion`."
    )
    _assert_one_line_and_logged(output, first, caplog)
    assert not list(tmp_path.rglob("*.parquet"))  # nothing ran
