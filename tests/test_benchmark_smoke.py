"""The benchmark harness end to end on a small organisation (the benchmark itself is not a test).

Runs ``benchmarks/run.py`` on 2,000 employees, with the peers on small samples,
into a temporary folder: the run must succeed and write a results table with
the machine, the sizes, the peers and per-node times. Every run it measures is
a real ``kedro run`` (or peer) in a process of its own, as in the benchmark,
but shorter: at 2,000 employees ``--pipelines ingestion,personas`` (what the
adjusted Rand index needs: the persona assignments), on the shipped sample
``--sample-pipeline ingestion``. The harness itself runs in the test's process
(its ``main``: no interpreter of its own to start, its imports mostly made);
the script runs as a process in the notebook peer (``run.py peer notebook``).
The whole run is the benchmark's, and the suite's end-to-end tests'.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

from .conftest import PROJECT_ROOT, load_parameters

pytestmark = pytest.mark.slow


def test_harness_runs_on_2000_employees(tmp_path, monkeypatch):
    out = tmp_path / "results.md"
    # one OpenMP thread in the measured processes: the notebook peer's k-means otherwise keeps a
    # second thread spinning (1-2 s of CPU); what this test checks is that the harness works
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    argv = [
        "--sizes",
        "2000",
        "--workdir",
        str(tmp_path / "work"),
        "--out",
        str(out),
        "--notebook-sample",
        "500",
        "--peers",
        "notebook",
        "--sample-runs",
        "1",
        # real but shorter runs: the whole pipeline is the benchmark's and the end-to-end tests'
        "--sample-pipeline",
        "ingestion",
        "--pipelines",
        "ingestion,personas",
    ]
    harness, path = _harness(), list(sys.path)
    try:
        # the harness in this process; what it measures (kedro run, the notebook peer) in processes
        # of their own, under its launcher, as in the benchmark
        assert harness.main(argv) == 0
    finally:
        sys.path[:] = path  # main puts the project's src first, as the script needs

    text = out.read_text(encoding="utf-8")
    assert "## Machine" in text and "cores:" in text and "Python" in text
    assert "| 2,000 | xlsx |" in text
    assert "| parse_roster |" in text and "| total |" in text
    assert "## The shipped sample (2,000 employees)" in text
    assert "- The shipped sample, `kedro run` on a fresh copy under 8 s:" in text
    assert "## Memory profile" in text and "- 2,000 employees, peak " in text
    # the 2,000 run was part of the pipeline: the table says so, and judges nothing on it
    assert (
        "- **Partial run at 2,000 employees**: `kedro run --pipelines ingestion,personas`, "
        "not the whole run." in text
    )
    assert "| node | 2,000 (partial run) |" in text
    assert "inside the nodes of `kedro run --pipelines ingestion,personas`: " in text
    assert (
        "- 2,000: figures for `kedro run --pipelines ingestion,personas` only, "
        "not the whole run, not judged" in text
    )
    assert "- 2,000: ARI at least the best peer's" not in text

    results = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["results"]
    (size,) = results
    assert size["pipelines"] == ["ingestion", "personas"]
    ours = size["ours"]
    assert ours["returncode"] == 0 and ours["seconds"] > 0 and ours["peak_mib"] > 0
    assert 0.5 < ours["ari"] <= 1.0
    # no run_summary.json without the reporting stage: k from the personas stage's selection
    selection = load_parameters("personas")["personas"]["k_selection"]
    assert selection["k_min"] <= ours["chosen_k"] <= selection["k_max"]
    assert f"| {ours['chosen_k']} ({size['planted_k']}) |" in text
    assert ours["timings"]["total"] > 0
    # the personas stage's nodes ran, and no later stage's (no charts, no report)
    assert {"parse_roster", "select_persona_count", "assign_personas"} <= set(ours["timings"])
    assert not any(node.startswith(("draw_", "render_")) for node in ours["timings"])
    assert ours["peak_mib_after_node"] and max(ours["peak_mib_after_node"].values()) > 0
    peer = size["peers"]["notebook"]
    assert "error" not in peer, peer.get("error")
    assert peer["sampled"] and peer["rows"] <= 500
    assert -1.0 <= peer["ari"] <= 1.0
    assert size["peers"]["stepmix"] == {"skipped": "not in --peers"}
    sample = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["sample"]
    assert sample["fresh"]["returncode"] == 0 and sample["again"] == []
    assert sample["fresh"]["seconds"] > 0 and sample["fresh"]["peak_mib"] > 0
    assert sample["timings"]["timings_seconds"]["total"] > 0
    assert {"parse_roster", "parse_survey"} <= set(sample["timings"]["timings_seconds"])
    assert "`kedro run --pipeline ingestion` in a fresh copy of the project" in text
    assert "for `kedro run --pipeline ingestion` only, not judged" in text
    assert "| load survey_raw |" in text


def _harness():
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    try:
        import run
    finally:
        sys.path.remove(str(PROJECT_ROOT / "benchmarks"))
    return run


def test_a_commands_peak_memory_is_its_own_not_the_harnesss(tmp_path):
    import numpy as np

    held = np.ones(
        400 * 2**20 // 8
    )  # the harness holds 400 MiB, as it holds a generated organisation
    result = _harness().run_timed(
        [sys.executable, "-c", "pass"], tmp_path, dict(os.environ), tmp_path / "log"
    )
    assert result["returncode"] == 0 and held.sum() > 0
    # a bare interpreter: tens of MiB, not the 400 MiB a child forked straight from here reports
    assert 0 < result["peak_mib"] < 100


def test_repeated_runs_report_the_median_time_and_the_highest_peak():
    median_of = _harness().median_of
    runs = [
        {"seconds": 31.0, "peak_mib": 800.0, "ari": 0.9},
        {"seconds": 25.0, "peak_mib": 900.0, "ari": 0.9},
        {"seconds": 40.0, "peak_mib": 850.0, "ari": 0.9},
    ]
    chosen = median_of(runs)
    assert chosen["seconds"] == 31.0 and chosen["peak_mib"] == 900.0
    assert chosen["all_seconds"] == [31.0, 25.0, 40.0]
    # an even count takes the lower middle run, never an average that no run had
    assert median_of(runs[:2])["seconds"] == 25.0


def _size(n: int, fmt: str, seconds: float, peak: float, notebook: float | None) -> dict:
    peers = {"notebook": {"seconds": notebook}} if notebook else {}
    return {"n": n, "format": fmt, "ours": {"seconds": seconds, "peak_mib": peak}, "peers": peers}


def test_the_issue_targets_are_judged_on_the_measured_figures():
    lines = _harness().target_lines(
        [
            _size(100_000, "xlsx", 20.0, 900.0, 60.0),
            _size(1_000_000, "csv", 50.0, 2900.0, 22.0),
            _size(2_000_000, "csv", 115.0, 3100.0, 40.0),
        ],
        {"fresh": {"seconds": 9.5}},
    )
    text = "\n".join(lines)
    assert "on a fresh copy under 8 s: 9.5 s, **missed**" in text
    # a sample run of one pipeline (the harness's own test) is no figure for the whole run's target
    partial = _harness().target_lines([], {"fresh": {"seconds": 3.0}, "pipeline": "ingestion"})
    assert "under 8 s: 3.0 s, for `kedro run --pipeline ingestion` only, not judged" in "\n".join(
        partial
    )
    assert (
        "100,000 from xlsx in at most 35% of the notebook's time: 20.0 s / 60.0 s = 33%, met"
        in text
    )
    assert "2.5 times the notebook's time: 50.0 s / 22.0 s = 2.27x, met" in text
    assert "- 1,000,000: peak memory under 3 GiB: 2,900 MiB, met" in text
    assert "2.2 times the 1,000,000 time: 115.0 s / 50.0 s = 2.30x, **missed**" in text
    assert "- 2,000,000: peak memory under 3 GiB: 3,100 MiB, **missed**" in text


def test_the_memory_profile_names_the_nodes_that_raised_the_peak():
    result = _size(1_000_000, "csv", 50.0, 2900.0, None)
    result["ours"]["peak_mib_after_node"] = {"read": 1000.0, "small": 1010.0, "join": 2900.0}
    text = "\n".join(_harness().memory_markdown([result]))
    assert (
        "- 1,000,000 employees, peak 2,900 MiB inside the nodes: read +1,000 (to 1,000); join +1,890 (to 2,900)"
        in text
    )


def test_a_partial_run_at_a_size_is_said_plainly_and_judged_on_nothing():
    harness = _harness()
    # a 1,000,000 run of two pipelines whose figures would meet every target of a whole run
    partial = _size(1_000_000, "csv", 30.0, 2000.0, 22.0)
    partial["pipelines"] = ["ingestion", "personas"]
    partial["ours"]["ari"], partial["peers"]["notebook"]["ari"] = 0.9, 0.8
    whole = _size(2_000_000, "csv", 40.0, 3100.0, None)
    text = "\n".join(harness.target_lines([partial, whole]))
    assert (
        "- 1,000,000: figures for `kedro run --pipelines ingestion,personas` only, "
        "not the whole run, not judged" in text
    )
    assert "1,000,000 from csv in at most" not in text
    assert "- 1,000,000: peak memory" not in text and "- 1,000,000: ARI" not in text
    # a whole run is judged on its own figures, never against a partial one
    assert "times the 1,000,000 time" not in text
    assert "- 2,000,000: peak memory under 3 GiB: 3,100 MiB, **missed**" in text

    for r in (partial, whole):
        r.update(survey_rows=10, planted_k=5)
        r["peers"] = {name: {"skipped": "not in --peers"} for name in harness.PEERS}
        r["ours"].update(
            chosen_k=5,
            ari=0.9,
            timings={"parse_roster": 1.0, "total": 1.0},
            peak_mib_after_node={"parse_roster": 1000.0},
        )
    info = {"cores": "2", "memory": "8 GiB", "cpu": "cpu", "platform": "os", "python": "3"}
    info["libraries"] = "kedro"
    markdown = harness.results_markdown([partial, whole], info, "python benchmarks/run.py")
    assert (
        "- **Partial run at 1,000,000 employees**: `kedro run --pipelines ingestion,personas`, "
        "not the whole run. Our wall time, peak memory and times per node there are of those "
        "pipelines only" in markdown
    )
    assert "Partial run at 2,000,000" not in markdown
    assert "| node | 1,000,000 (partial run) | 2,000,000 |" in markdown
    assert "| dataset | 1,000,000 (partial run) | 2,000,000 |" in markdown
    assert (
        "- 1,000,000 employees, peak 1,000 MiB inside the nodes of "
        "`kedro run --pipelines ingestion,personas`: parse_roster +1,000" in markdown
    )
    assert "- 2,000,000 employees, peak 1,000 MiB inside the nodes: parse_roster" in markdown
    # a whole benchmark says nothing of partial runs
    whole_only = harness.results_markdown([whole], info, "python benchmarks/run.py")
    assert "partial" not in whole_only.lower() and "--pipelines" not in whole_only


def test_the_timings_of_a_run_of_several_pipelines_are_found_in_either_order():
    timing_entry = _harness().timing_entry
    # RunTimingHook joins the names Kedro hands over; `kedro run --pipelines a,b` passes them
    # through a set, so their order changes from one process to the next
    timings = {"__default__": {"run": "whole"}, "personas+ingestion": {"run": "two"}}
    assert timing_entry(timings, ["ingestion", "personas"]) == {"run": "two"}
    assert timing_entry(timings, None) == {"run": "whole"}
    with pytest.raises(SystemExit, match="no timings of ingestion, only of: __default__, personas"):
        timing_entry(timings, ["ingestion"])
