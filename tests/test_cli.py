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
