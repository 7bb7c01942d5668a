"""RunTimingHook: timings go to their own dataset, one entry per pipeline selection."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro_datasets.json import JSONDataset

from segmentation.hooks import RunTimingHook


@pytest.fixture()
def catalog(tmp_path) -> DataCatalog:
    return DataCatalog(
        {
            "run_timings": JSONDataset(filepath=str(tmp_path / "run_timings.json")),
            "run_summary": JSONDataset(filepath=str(tmp_path / "run_summary.json")),
        }
    )


def _run(hook: RunTimingHook, catalog: DataCatalog, pipeline_names, nodes: list[str]) -> None:
    hook.before_pipeline_run()
    for name in nodes:
        node = SimpleNamespace(name=name, outputs=[])
        hook.before_node_run(node)
        hook.after_node_run(node)
    hook.after_pipeline_run({"run_id": "r", "pipeline_names": pipeline_names}, catalog)


def test_fresh_checkout_partial_run_writes_timings_without_a_summary(catalog, tmp_path):
    _run(RunTimingHook(), catalog, ["ingestion"], ["validate_roster", "validate_survey"])
    timings = json.loads((tmp_path / "run_timings.json").read_text())
    assert set(timings) == {"ingestion"}
    assert set(timings["ingestion"]["timings_seconds"]) == {
        "validate_roster",
        "validate_survey",
        "total",
    }
    assert timings["ingestion"]["nodes_run"] == 2
    assert not (tmp_path / "run_summary.json").exists()


def test_partial_run_keeps_the_full_runs_timings_and_never_touches_the_summary(catalog, tmp_path):
    summary = {"wave": "2026-09", "ingestion": {"files": {}}}
    catalog.save("run_summary", summary)
    hook = RunTimingHook()
    _run(hook, catalog, None, ["a", "b", "c"])
    _run(hook, catalog, ["report"], ["c"])
    timings = json.loads((tmp_path / "run_timings.json").read_text())
    assert set(timings) == {"__default__", "report"}
    assert set(timings["__default__"]["timings_seconds"]) == {"a", "b", "c", "total"}
    assert set(timings["report"]["timings_seconds"]) == {"c", "total"}
    assert json.loads((tmp_path / "run_summary.json").read_text()) == summary


def test_every_stored_load_is_listed_however_quick_and_handovers_are_not(catalog):
    catalog["handover"] = MemoryDataset([1])
    hook = RunTimingHook()
    hook.after_catalog_created(catalog)
    hook.before_pipeline_run()
    catalog.save("run_summary", {"wave": "w"})
    for name in ("run_summary", "handover"):
        hook.before_dataset_loaded(name)
        catalog.load(name)
        hook.after_dataset_loaded(name)
    hook.before_dataset_saved("handover")
    hook.after_dataset_saved("handover")
    assert set(hook.io_timings) == {"load run_summary"}
    assert hook.io_timings["load run_summary"] >= 0


def test_each_node_records_the_peak_memory_reached_so_far(catalog, tmp_path):
    hook = RunTimingHook()
    hook.before_pipeline_run()
    first = SimpleNamespace(name="small", outputs=[])
    hook.before_node_run(first)
    hook.after_node_run(first)
    big = SimpleNamespace(name="big", outputs=[])
    hook.before_node_run(big)
    ballast = bytearray(300 * 1024 * 1024)  # touches 300 MiB: the peak must show it
    ballast[::4096] = b"x" * len(ballast[::4096])
    hook.after_node_run(big)
    del ballast
    hook.after_pipeline_run({"run_id": "r", "pipeline_names": None}, catalog)
    peaks = json.loads((tmp_path / "run_timings.json").read_text())["__default__"][
        "peak_mib_after_node"
    ]
    assert list(peaks) == ["small", "big"]
    assert peaks["big"] >= peaks["small"] + 250 or peaks["small"] > 300


def test_a_cached_model_reader_gets_the_signing_key_too(tmp_path):
    """previous_wave_outputs is cached (two stages read it): the dataset inside still checks signatures."""
    from segmentation.datasets import model_signing_key
    from segmentation.hooks import PseudonymKeyHook

    from .conftest import catalog_config_under

    config = catalog_config_under(tmp_path, "2026-09", "catalog_waves.yml")
    catalog = DataCatalog.from_config({"previous_wave_outputs": config["previous_wave_outputs"]})
    PseudonymKeyHook().after_catalog_created(catalog, {"pseudonymisation": {"key": "k"}})
    cached = catalog.get("previous_wave_outputs")
    assert type(cached).__name__ == "CachedDataset"
    assert cached._dataset._signing_key == model_signing_key("k")
