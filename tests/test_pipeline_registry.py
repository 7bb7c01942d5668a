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
