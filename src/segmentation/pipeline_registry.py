"""Project pipelines."""

import functools
import importlib
import pkgutil
from collections.abc import Mapping

from kedro.pipeline import Pipeline

from segmentation import pipelines as stages_package

# Handovers that are never written to disk: clear identifiers (emails, names),
# who was rejected from the roster, who opted out, anonymous respondents'
# demographic answers. A stage run on its own (`kedro run --pipeline campaign`)
# rebuilds the ones it needs from the raw files with the nodes that make them;
# every other input it reads from disk.
IN_MEMORY_HANDOVERS = ("contacts", "roster_rejected_keys", "opt_outs", "linked_demographics")


def find_stages() -> dict[str, Pipeline]:
    """Every stage under ``pipelines/``, by folder name.

    Not Kedro's ``find_pipelines``: under ``--pipeline X`` that finds stage X
    only, and a stage run alone needs the nodes of the others that make its
    in-memory handovers.
    """
    return {
        info.name: importlib.import_module(
            f"{stages_package.__name__}.{info.name}"
        ).create_pipeline()
        for info in pkgutil.iter_modules(stages_package.__path__)
        if info.ispkg
    }


@functools.cache
def stage_pipelines() -> dict[str, Pipeline]:
    """:func:`find_stages`, built once per process (the console and the runner both ask)."""
    return find_stages()


def stage_sequence(stages: Mapping[str, Pipeline]) -> list[str]:
    """The stages in the order their data flows: a stage comes after every stage whose outputs it reads.

    Stages with no order between them come by name. Should two stages read
    each other's outputs, the rest keep their names' order.
    """
    after = {
        name: {
            other
            for other, upstream in stages.items()
            if other != name and stage.inputs() & upstream.all_outputs()
        }
        for name, stage in stages.items()
    }
    sequence: list[str] = []
    while len(sequence) < len(after):
        ready = sorted(n for n in after if n not in sequence and after[n] <= set(sequence))
        sequence.append(ready[0] if ready else min(n for n in after if n not in sequence))
    return sequence


def register_pipelines() -> dict[str, Pipeline]:
    """Register every stage; the default runs them all.

    Each stage's pipeline also holds the nodes that make the in-memory
    handovers it reads, so that every stage runs alone after a full run.
    """
    stages = find_stages()
    everything = sum(stages.values())
    pipelines = {}
    for name, stage in stages.items():
        needed = [dataset for dataset in IN_MEMORY_HANDOVERS if dataset in stage.inputs()]
        pipelines[name] = everything.to_outputs(*needed) + stage if needed else stage
    pipelines["__default__"] = everything
    return pipelines
