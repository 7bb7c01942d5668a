"""The benchmark harness end to end on a small organisation (the benchmark itself is not a test).

Runs ``benchmarks/run.py`` on 2,000 employees, with the peers on small samples,
into a temporary folder: the run must succeed and write a results table with
the machine, the sizes, the peers and per-node times.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_harness_runs_on_2000_employees(tmp_path):
    out = tmp_path / "results.md"
    command = [
        sys.executable, str(PROJECT_ROOT / "benchmarks" / "run.py"),
        "--sizes", "2000", "--workdir", str(tmp_path / "work"), "--out", str(out),
        "--notebook-sample", "500", "--stepmix-sample", "300", "--kprototypes-sample", "200",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    text = out.read_text(encoding="utf-8")
    assert "## Machine" in text and "cores:" in text and "Python" in text
    assert "| 2,000 | xlsx |" in text
    assert "| parse_roster |" in text and "| total |" in text

    results = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["results"]
    (size,) = results
    ours = size["ours"]
    assert ours["returncode"] == 0 and ours["seconds"] > 0 and ours["peak_mib"] > 0
    assert 0.5 < ours["ari"] <= 1.0
    assert ours["timings"]["total"] > 0
    for name in ("notebook", "stepmix", "kprototypes"):
        peer = size["peers"][name]
        if "error" in peer and "No module named" in peer["error"]:
            continue  # the benchmark extra (stepmix, kmodes) is not installed
        assert "error" not in peer, peer.get("error")
        assert peer["sampled"] and peer["rows"] <= 500
        assert -1.0 <= peer["ari"] <= 1.0
