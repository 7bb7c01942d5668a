"""Every stage runs alone once a full run has written its inputs."""

from __future__ import annotations

import pytest
from kedro.config import OmegaConfigLoader

from segmentation.pipeline_registry import IN_MEMORY_HANDOVERS, register_pipelines

from .conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def pipelines():
    return register_pipelines()


@pytest.fixture(scope="module")
def stored() -> set[str]:
    """Names of the datasets the catalog writes to or reads from disk."""
    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), base_env="base", default_run_env="base")
    return set(loader["catalog"])


def test_the_default_pipeline_is_every_stage(pipelines):
    stages = [name for name in pipelines if name != "__default__"]
    assert {"ingestion", "personas", "campaign", "waves", "report", "reporting"} <= set(stages)
    assert set(pipelines["__default__"].nodes) == {
        n for name in stages for n in pipelines[name].nodes
    }


@pytest.mark.parametrize(
    "stage", ["ingestion", "personas", "campaign", "waves", "report", "reporting"]
)
def test_each_stage_reads_only_stored_datasets(pipelines, stored, stage):
    free = {
        name
        for name in pipelines[stage].inputs()
        if not name.startswith("params:") and name != "parameters"
    }
    # the key comes from the hooks; everything else from a file a full run wrote
    assert free - stored <= {"pseudonym_key"}


def test_in_memory_handovers_are_never_stored(stored):
    assert not set(IN_MEMORY_HANDOVERS) & stored


def test_stages_follow_their_data_flow(pipelines):
    from segmentation.pipeline_registry import stage_pipelines, stage_sequence

    assert stage_sequence(stage_pipelines()) == [
        "ingestion",
        "personas",
        "campaign",
        "waves",
        "report",
        "reporting",
    ]


def test_the_default_runner_finishes_each_stage_before_the_next(pipelines):
    from segmentation.pipeline_registry import stage_pipelines, stage_sequence
    from segmentation.runner import reads_only_parameters, stage_by_stage

    stages = stage_pipelines()
    everything = pipelines["__default__"]
    order = stage_by_stage(everything, stages)
    assert sorted(order) == sorted(everything.nodes)
    # a topological order: every node after the nodes it reads from
    seen = set()
    for node in order:
        assert everything.node_dependencies[node] <= seen, node.name
        seen.add(node)
    # the configuration checks first (a bad playbook stops the run before any input is read) ...
    checks = [node for node in order if reads_only_parameters(node)]
    assert {"check_playbook", "resolve_report_settings"} <= {node.name for node in checks}
    assert order[: len(checks)] == checks
    # ... then each stage once, in the order the data flows (Kedro's own order went back and forth)
    stage_of = {node.name: name for name, stage in stages.items() for node in stage.nodes}
    runs = [stage_of[node.name] for node in order[len(checks) :]]
    blocks = [name for i, name in enumerate(runs) if i == 0 or runs[i - 1] != name]
    assert blocks == stage_sequence(stages)
    kedro_runs = [stage_of[node.name] for node in everything.nodes]
    assert len([n for i, n in enumerate(kedro_runs) if i == 0 or kedro_runs[i - 1] != n]) > 6


def test_a_stage_run_alone_runs_its_handover_nodes_first(pipelines):
    from segmentation.pipeline_registry import stage_pipelines
    from segmentation.runner import reads_only_parameters, stage_by_stage

    stages = stage_pipelines()
    order = stage_by_stage(pipelines["campaign"], stages)
    stage_of = {node.name: name for name, stage in stages.items() for node in stage.nodes}
    runs = [stage_of[node.name] for node in order if not reads_only_parameters(node)]
    assert runs == sorted(runs, key=["ingestion", "campaign"].index)
