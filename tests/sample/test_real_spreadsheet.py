"""The sample's workbooks open in a real spreadsheet program (LibreOffice), not only in Python readers."""

from __future__ import annotations

import os
import shutil
import subprocess

import pandas as pd
import pytest

from segmentation.datasets import TabularExportDataset

from ..conftest import PROJECT_ROOT

SOFFICE = next((p for p in (shutil.which("soffice"), shutil.which("libreoffice")) if p), None)


@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (apt-get install -y libreoffice-calc-nogui)",
)
@pytest.mark.parametrize("relative", ["hr/roster.xlsx", "waves/2026-03/survey.xlsx"])
def test_libreoffice_reads_the_sample_workbook_as_the_pipeline_does(relative, tmp_path):
    workbook = PROJECT_ROOT / "data" / "01_raw" / relative
    result = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path / "home")},
    )
    assert result.returncode == 0, result.stderr
    converted = pd.read_csv(
        tmp_path / (workbook.stem + ".csv"), dtype=str, keep_default_na=False, header=None
    )
    ours = TabularExportDataset(str(workbook)).load().cells
    assert converted.shape == ours.shape
    # text cells (ids with leading zeros, emails, Hebrew labels and headers) are the same to the letter
    body = ours.iloc[1:]
    text_columns = [
        c for c in ours.columns if body[c].str.contains(r"[^\W\d_]|^0\d", regex=True).any()
    ]
    assert len(text_columns) >= 3
    if relative.startswith("hr/"):
        assert (
            0 in text_columns and body[0].str.startswith("0").any()
        )  # employee ids keep their zeros
    pd.testing.assert_frame_equal(
        converted[text_columns], ours[text_columns].astype(object), check_dtype=False
    )
