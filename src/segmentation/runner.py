"""The project's default runner: Kedro's SequentialRunner, one stage after the other.

Kedro runs nodes in its topological order, level by level: every node
without inputs first (reading the opt-out list, the report's fixed texts),
then everything those free, so a run went back and forth between stages and
its console could only show them out of order. The same nodes in another
topological order give the same outputs; this one finishes each stage before
the next starts (ingestion, personas, campaign, waves, report, reporting), so
the console shows each stage once, in the order the work happens, and a
stage's inputs are released as soon as the stages that read them are done.
Only the nodes that read nothing but parameters (checking the playbook,
settling the report's settings) run before all others, as they did: a
configuration error stops the run before any input is read.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Mapping
from typing import Any

from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node
from kedro.runner import SequentialRunner

from segmentation.errors import RunStopped
from segmentation.pipeline_registry import stage_pipelines, stage_sequence


def reads_only_parameters(node: Node) -> bool:
    """A node that checks or prepares configuration: it reads parameters and no data."""
    inputs = list(getattr(node, "inputs", None) or [])
    return bool(inputs) and all(
        name.startswith("params:") or name == "parameters" for name in inputs
    )


def stage_by_stage(pipeline: Pipeline, stages: Mapping[str, Pipeline]) -> list[Node]:
    """``pipeline``'s nodes in a topological order that finishes each stage before the next.

    The nodes that read only parameters run first, as in Kedro's order, so that
    a bad playbook stops the run before any input is read. Then, among the
    nodes whose inputs are ready, the one of the earliest stage (in
    :func:`stage_sequence`) runs first, then Kedro's own order. A node of no
    stage runs in Kedro's order after the stages' nodes that are ready.
    """
    rank = {name: position for position, name in enumerate(stage_sequence(stages))}
    stage_rank = {node.name: rank[name] for name, stage in stages.items() for node in stage.nodes}
    kedro_order = pipeline.nodes
    position = {node: index for index, node in enumerate(kedro_order)}
    waiting = {node: set(parents) for node, parents in pipeline.node_dependencies.items()}
    children: dict[Node, list[Node]] = {node: [] for node in kedro_order}
    for node, parents in waiting.items():
        for parent in parents:
            children[parent].append(node)

    def key(node: Node) -> tuple[bool, int, int]:
        return not reads_only_parameters(node), stage_rank.get(node.name, len(rank)), position[node]

    ready = [(key(node), node) for node in kedro_order if not waiting[node]]
    heapq.heapify(ready)
    order = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for child in children[node]:
            waiting[child].discard(node)
            if not waiting[child]:
                heapq.heappush(ready, (key(child), child))
    return order


def unsaved_inputs_problem(
    pipeline: Pipeline, catalog: Any, stages: Mapping[str, Pipeline]
) -> RunStopped | None:
    """Why the nodes asked for cannot run alone: inputs that earlier nodes make in memory
    and no catalog entry saves (``kedro run --from-nodes`` a node in the middle of a stage),
    told with the nodes and stages that make them; None when every input can be read."""
    missing = sorted(name for name in pipeline.inputs() if name not in catalog)
    if not missing:
        return None
    makers = {
        output: (node.name, stage)
        for stage, stage_pipeline in stages.items()
        for node in stage_pipeline.nodes
        for output in node.outputs
    }
    nodes = sorted({makers[name][0] for name in missing if name in makers})
    ordered = [
        s for s in stage_sequence(stages) if s in {makers[n][1] for n in missing if n in makers}
    ]
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return RunStopped(
        "kedro run",
        f"the nodes asked for read {shown}, which earlier nodes ({', '.join(nodes) or 'none'}) "
        "make in memory; no run saves them.",
        "a run that starts where its inputs are saved: "
        + (f"`kedro run --pipeline {ordered[0]}`" if ordered else "`kedro run`")
        + (f", or `--from-nodes {nodes[0]}`" if len(nodes) == 1 else "")
        + ".",
    )


class _InOrder(Pipeline):
    """``pipeline`` whose nodes run in ``order`` (a topological order of the same nodes)."""

    def __init__(self, pipeline: Pipeline, order: list[Node]) -> None:
        super().__init__(pipeline.nodes)
        self._order = list(order)

    @property
    def nodes(self) -> list[Node]:
        return list(self._order)


class StageByStageRunner(SequentialRunner):
    """Kedro's SequentialRunner, running the project's stages one after the other."""

    @property
    def _logger(self) -> logging.Logger:
        # Kedro's runner messages ("Completed node: ...") go where Kedro's own go: the log file.
        return logging.getLogger(SequentialRunner.__module__)

    def run(self, pipeline: Pipeline, catalog: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Kedro's run, after checking that every input of the nodes asked for can be read:
        Kedro's own check raises a bare ValueError the user sees as a traceback."""
        problem = unsaved_inputs_problem(pipeline, catalog, stage_pipelines())
        if problem is not None:
            raise problem
        return super().run(pipeline, catalog, *args, **kwargs)

    def _run(self, pipeline: Pipeline, catalog: Any, hook_manager=None, run_id=None) -> None:
        order = stage_by_stage(pipeline, stage_pipelines())
        super()._run(_InOrder(pipeline, order), catalog, hook_manager=hook_manager, run_id=run_id)
