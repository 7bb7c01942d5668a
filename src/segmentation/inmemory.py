"""Run a pipeline in memory, fed with parameters as Kedro's context feeds them.

For tests, notebooks and benchmarks that want a stage's every dataset without
touching the catalog's files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner


class KeptDataset(MemoryDataset):
    """In memory and never released by the runner, so every dataset stays readable."""

    def _release(self) -> None:
        pass


def parameter_inputs(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``params:a`` and ``params:a.b`` entries for every nested parameter."""
    feed: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        feed[f"params:{prefix}"] = value
        if isinstance(value, Mapping):
            for key, child in value.items():
                walk(f"{prefix}.{key}", child)

    for key, value in parameters.items():
        walk(key, value)
    return feed


def neutral_inputs() -> dict[str, Any]:
    """Inputs that a run of a named survey leaves empty, so callers need not build them."""
    import pandas as pd

    return {
        "linked_demographics": pd.DataFrame({"pid": pd.Series([], dtype=object)}),
        # no earlier run of the wave: every candidate k is measured
        "earlier_persona_count_selection": {},
    }


def run_in_memory(
    pipeline: Pipeline, data: Mapping[str, Any], parameters: Mapping[str, Any]
) -> DataCatalog:
    """Run ``pipeline`` on ``data`` and ``parameters``; the catalog keeps every dataset.

    An input the caller leaves out that has a neutral value (a named survey's
    ``linked_demographics``) gets it.
    """
    inputs = {**neutral_inputs(), **parameter_inputs(parameters), **data}
    catalog = DataCatalog(
        {
            name: KeptDataset(inputs[name], copy_mode="assign")
            if name in inputs
            else KeptDataset(copy_mode="assign")
            for name in pipeline.datasets()
        }
    )
    SequentialRunner().run(pipeline, catalog)
    return catalog
