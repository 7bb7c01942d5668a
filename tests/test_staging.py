"""A wave's outputs appear all at once or not at all: staged during the run, moved into place at its end."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from kedro.framework.hooks.manager import _create_hook_manager
from kedro.io import AbstractDataset, DataCatalog
from kedro.pipeline import Node, Pipeline
from kedro.runner import SequentialRunner

from segmentation.staging import (
    JOURNAL,
    StagedOutputsHook,
    finish_interrupted_moves,
    staged_config,
    staging_folder,
)

WAVE = "2026-09"


def _catalog(project):
    data = project / "data"
    catalog = DataCatalog.from_config(
        {
            "rejects": {
                "type": "text.TextDataset",
                "filepath": str(data / "02_intermediate" / WAVE / "rejects.csv"),
            },
            "lists": {
                "type": "partitions.PartitionedDataset",
                "path": str(data / "08_reporting" / WAVE / "targeting"),
                "dataset": "text.TextDataset",
                "filename_suffix": ".csv",
                "overwrite": True,
            },
            "report": {
                "type": "text.TextDataset",
                "filepath": str(data / "08_reporting" / WAVE / "report.html"),
            },
            "roster": {
                "type": "text.TextDataset",
                "filepath": str(data / "01_raw" / "hr" / "roster.csv"),
            },
        }
    )
    catalog["params:wave"] = WAVE
    return catalog


def _pipeline(fail_at_report: bool) -> Pipeline:
    def report(rejects):
        if fail_at_report:
            raise RuntimeError("crash while writing the report")
        return "new report"

    return Pipeline(
        [
            Node(lambda roster: "new rejects", "roster", "rejects", name="reject"),
            Node(lambda rejects: {"all_personas": "new list"}, "rejects", "lists", name="lists"),
            Node(report, "rejects", "report", name="report"),
        ]
    )


def _run(project, fail_at_report: bool, hook: StagedOutputsHook, finish: bool = True) -> None:
    catalog, pipeline = _catalog(project), _pipeline(fail_at_report)
    hook.before_pipeline_run({"project_path": str(project)}, pipeline, catalog)
    manager = _create_hook_manager()
    manager.register(hook)  # Kedro's runner tells the hook which datasets were saved
    try:
        SequentialRunner().run(pipeline, catalog, manager)
    except RuntimeError:
        hook.on_pipeline_error()
        raise
    if finish:
        hook.after_pipeline_run()


def _outputs(project) -> dict[str, str]:
    return {
        str(p.relative_to(project)): p.read_text()
        for p in sorted((project / "data").rglob("*"))
        if p.is_file() and ".staging" not in p.parts and "01_raw" not in p.parts
    }


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "data" / "01_raw" / "hr").mkdir(parents=True)
    (tmp_path / "data" / "01_raw" / "hr" / "roster.csv").write_text("roster")
    _run(tmp_path, False, StagedOutputsHook())
    return tmp_path


def test_a_complete_run_moves_every_output_into_place(project):
    assert _outputs(project) == {
        f"data/02_intermediate/{WAVE}/rejects.csv": "new rejects",
        f"data/08_reporting/{WAVE}/targeting/all_personas.csv": "new list",
        f"data/08_reporting/{WAVE}/report.html": "new report",
    }
    assert not staging_folder(project / "data", WAVE).exists()


def test_a_run_that_crashes_midway_leaves_the_previous_outputs_untouched(project):
    for path in (project / "data").rglob("*.*"):
        if path.is_file() and "01_raw" not in path.parts:
            path.write_text("old " + path.name)
    before = _outputs(project)
    with pytest.raises(RuntimeError):
        _run(project, True, StagedOutputsHook())
    assert _outputs(project) == before
    staged = staging_folder(project / "data", WAVE)
    assert (
        staged / "02_intermediate" / WAVE / "rejects.csv"
    ).read_text() == "new rejects"  # kept apart for a look


def test_a_killed_run_leaves_the_previous_outputs_and_the_next_run_starts_clean(project):
    before = _outputs(project)
    _run(
        project, False, StagedOutputsHook(), finish=False
    )  # killed before its end: no after_pipeline_run
    assert _outputs(project) == before
    _run(project, False, StagedOutputsHook())
    assert _outputs(project) == before  # same content, and no leftover of the killed run
    assert not staging_folder(project / "data", WAVE).exists()


def test_moves_interrupted_halfway_are_finished_by_the_next_run(project):
    staged = staging_folder(project / "data", WAVE)
    final = project / "data" / "08_reporting" / WAVE / "report.html"
    (staged / "08_reporting" / WAVE).mkdir(parents=True)
    (staged / "08_reporting" / WAVE / "report.html").write_text("moved late")
    (staged / JOURNAL).write_text(
        json.dumps([[str(staged / "08_reporting" / WAVE / "report.html"), str(final)]])
    )
    finish_interrupted_moves(staged)
    assert final.read_text() == "moved late" and not (staged / JOURNAL).exists()


def test_a_wave_name_cannot_lead_the_staging_folder_out_of_data(tmp_path):
    assert staging_folder(tmp_path, "../../etc") == tmp_path / ".staging" / "etc"


def test_a_saved_model_moves_with_its_digest_and_keeps_its_signing_key(tmp_path):
    from segmentation.datasets import SignedPickleDataset, model_signing_key

    model_path = tmp_path / "data" / "06_models" / WAVE / "persona_model.pkl"
    catalog = DataCatalog.from_config(
        {
            "persona_model": {
                "type": "segmentation.datasets.SignedPickleDataset",
                "filepath": str(model_path),
            }
        }
    )
    catalog["params:wave"] = WAVE
    catalog["pseudonym_key"] = "k"
    catalog.get("persona_model").use_signing_key(
        model_signing_key("k")
    )  # as the project's hook does
    pipeline = Pipeline([Node(lambda: {"k": 3}, None, "persona_model", name="fit")])
    hook = StagedOutputsHook()
    hook.before_pipeline_run({"project_path": str(tmp_path)}, pipeline, catalog)
    manager = _create_hook_manager()
    manager.register(hook)
    SequentialRunner().run(pipeline, catalog, manager)
    hook.after_pipeline_run()
    reader = SignedPickleDataset(str(model_path))
    reader.use_signing_key(model_signing_key("k"))
    assert reader.load() == {"k": 3}  # the digest beside it moved too, and matches


def test_a_table_kept_in_memory_is_staged_and_each_reader_gets_its_own(tmp_path):
    """employees and kin (KeptInMemoryDataset) go through staging like any file; no reader sees another's change."""
    data_root = tmp_path / "data"
    config = {
        "type": "segmentation.kept_in_memory.KeptInMemoryDataset",
        "dataset": {"type": "pandas.ParquetDataset", "filepath": "data/03_primary/w/e.parquet"},
    }
    staged_conf, final, staged = staged_config(config, data_root, data_root / ".staging" / "w")
    assert staged_conf["dataset"]["filepath"] == str(staged)
    assert final == data_root / "03_primary" / "w" / "e.parquet"
    kept = AbstractDataset.from_config("employees", staged_conf)
    table = pd.DataFrame({"pid": ["a", "b"], "age": [30, 40]})
    kept.save(table)
    assert staged.is_file() and pd.read_parquet(staged).equals(table)
    first = kept.load()
    first.loc[0, "age"] = 99
    first["extra"] = 1
    second = kept.load()
    assert second.equals(table) and first is not second
