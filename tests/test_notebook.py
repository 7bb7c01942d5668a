"""The exploration notebook runs top to bottom against the shipped sample."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_explore_wave_notebook_executes_and_shows_parsed_data():
    notebook = nbformat.read(PROJECT_ROOT / "notebooks" / "explore_wave.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(PROJECT_ROOT / "notebooks")}},
    ).execute()
    outputs = [
        o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    ]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs
    )
    assert "wave 2026-09" in text
    assert "qualtrics" in text and "microsoft_forms" not in text
    assert "duplicate_response" in text and "unknown_employee" in text
