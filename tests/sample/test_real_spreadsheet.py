"""The sample's workbooks open in a real spreadsheet program (LibreOffice), not only in Python readers."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.datasets import TabularExportDataset

from ..conftest import PROJECT_ROOT
from ..libreoffice import convert

WORKBOOKS = ["hr/roster.xlsx", "waves/2026-03/survey.xlsx"]


@pytest.fixture(scope="module")
def converted_by_libreoffice(tmp_path_factory):
    """Both workbooks saved as csv by LibreOffice, in one start of it: (the folder, its result)."""
    folder = tmp_path_factory.mktemp("libreoffice")
    result = convert(
        [PROJECT_ROOT / "data" / "01_raw" / relative for relative in WORKBOOKS],
        "csv:Text - txt - csv (StarCalc):44,34,76",
        folder,
    )
    return folder, result


@pytest.mark.parametrize("relative", WORKBOOKS)
def test_libreoffice_reads_the_sample_workbook_as_the_pipeline_does(
    relative, converted_by_libreoffice
):
    workbook = PROJECT_ROOT / "data" / "01_raw" / relative
    folder, result = converted_by_libreoffice
    assert result.returncode == 0, result.stderr
    converted = pd.read_csv(
        folder / (workbook.stem + ".csv"), dtype=str, keep_default_na=False, header=None
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
