"""The import graph runs one way: stages import shared modules, never each other.

Code two stages share lives below them (``segmentation.<module>``), so a stage
can change without reaching into another's internals.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PIPELINES = Path(__file__).resolve().parents[1] / "src" / "segmentation" / "pipelines"
STAGES = sorted(p.name for p in PIPELINES.iterdir() if (p / "__init__.py").is_file())


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, anywhere in the file (relative imports resolved)."""
    package = ["segmentation", "pipelines", *path.parent.relative_to(PIPELINES).parts]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def other_stages(path: Path, stage: str) -> set[str]:
    prefix = "segmentation.pipelines."
    return {
        name.split(".")[2]
        for name in imported_modules(path)
        if name.startswith(prefix) and name.split(".")[2] in STAGES and name.split(".")[2] != stage
    }


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_another(stage):
    crossings = {
        str(path.relative_to(PIPELINES)): sorted(other_stages(path, stage))
        for path in sorted((PIPELINES / stage).rglob("*.py"))
        if other_stages(path, stage)
    }
    assert crossings == {}


def test_the_scanner_sees_absolute_relative_and_nested_imports(tmp_path, monkeypatch):
    stage = tmp_path / "waves"
    stage.mkdir()
    (stage / "nodes.py").write_text(
        "from segmentation.pipelines.report.anonymity import x\n"
        "from ..campaign import nodes\n"
        "def f():\n    import segmentation.pipelines.personas.model\n"
        "from . import gamification\nfrom segmentation import jsonable\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "PIPELINES", tmp_path)
    monkeypatch.setattr(
        __import__(__name__, fromlist=["x"]), "STAGES", ["campaign", "personas", "report", "waves"]
    )
    assert other_stages(stage / "nodes.py", "waves") == {"report", "campaign", "personas"}
