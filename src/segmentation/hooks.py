"""Project hooks: run parameters checked, the pseudonymisation key, run timings."""

from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import MemoryDataset

from segmentation.datasets import model_signing_key
from segmentation.errors import ParameterError
from segmentation.waves import check_wave_name

logger = logging.getLogger(__name__)

PSEUDONYM_KEY_ENV = "SEGMENTATION_PSEUDONYM_KEY"
# Used only when no key is configured, so that the shipped sample runs out of
# the box. Pseudonyms made with it are not secret: a warning says so.
SAMPLE_FALLBACK_KEY = "segmentation-sample-key-not-secret"


def resolve_pseudonym_key(conf_creds: dict[str, Any], environ: dict[str, str]) -> str:
    """Pick the key: credentials first, then the environment, then the sample key."""
    key = (conf_creds or {}).get("pseudonymisation", {}).get("key") or environ.get(
        PSEUDONYM_KEY_ENV
    )
    if key:
        return str(key)
    logger.warning(
        "No pseudonymisation key configured (conf/local/credentials.yml "
        "'pseudonymisation.key' or $%s): using the public sample key. "
        "Pseudonymous ids are then NOT secret; set a key before running real data.",
        PSEUDONYM_KEY_ENV,
    )
    return SAMPLE_FALLBACK_KEY


# Catalog entry keys that name a local file or folder.
PATH_KEYS = ("filepath", "path", "models_path", "outputs_path")


def paths_outside(conf_catalog: Mapping[str, Any], data_root: Path) -> list[tuple[str, str]]:
    """(entry, path) of every catalog path that resolves outside ``data_root``.

    Relative paths are taken from the project folder (Kedro makes
    ``filepath`` and ``path`` absolute there), ``..`` and symbolic links
    followed. Remote paths (``s3://...``) are the operator's choice and are
    not checked.
    """
    root, project = data_root.resolve(), data_root.parent
    outside = []
    for name, entry in conf_catalog.items():
        for config in _configs_within(entry):
            for key in PATH_KEYS:
                value = config.get(key)
                if (
                    isinstance(value, str)
                    and "://" not in value
                    and not (project / value).resolve().is_relative_to(root)
                ):
                    outside.append((str(name), value))
    return outside


def _configs_within(entry: Any) -> list[Mapping[str, Any]]:
    """A catalog entry's config and that of the dataset it wraps (``dataset:``, as in CachedDataset)."""
    configs = []
    while isinstance(entry, Mapping):
        configs.append(entry)
        entry = entry.get("dataset")
    return configs


def datasets_within(dataset: Any) -> list[Any]:
    """A dataset and the one it wraps, if any (Kedro's CachedDataset keeps it in ``_dataset``)."""
    found = []
    while dataset is not None and dataset not in found:
        found.append(dataset)
        dataset = getattr(dataset, "_dataset", None)
    return found


def check_given_waves(runtime_params: Mapping[str, Any], pattern: str) -> None:
    """Each wave ``--params`` names (``wave``, ``previous_wave``), checked as a wave name.

    As in the check of the merged parameters, an empty ``wave`` is an error and
    a null ``previous_wave`` means none. A value that is itself an
    interpolation (``${...}``) is left to that check, which sees what it
    resolves to.
    """
    for name in ("wave", "previous_wave"):
        if name not in runtime_params:
            continue
        value = runtime_params[name]
        if (isinstance(value, str) and "${" in value) or (
            name == "previous_wave" and value is None
        ):
            continue
        check_wave_name(name, value, pattern)


class RunParametersHook:
    """Refuses a run whose wave names are not wave names, or whose catalog reaches outside ``data/``.

    The waves ``--params`` names are checked against ``wave_name_pattern`` of
    ``globals.yml`` as soon as the context exists, before any parameter file is
    read (a bad ``--params wave=`` stops in about a second); every wave again
    once the parameter files are merged, before the pipelines are imported;
    the catalog once its configuration is resolved, before any dataset is read
    or written. So ``--params wave=2026-09/../../elsewhere`` stops with one
    line (exit 2), having touched nothing.
    """

    def __init__(self) -> None:
        self._project_path = Path.cwd()

    @hook_impl
    def after_context_created(self, context) -> None:
        self._project_path = Path(context.project_path)
        loader = context.config_loader
        # the --params first, against globals' rule: a bad one stops before any parameter file is read
        pattern = loader["globals"].get("wave_name_pattern")
        if pattern is not None:
            check_given_waves(loader.runtime_params or {}, pattern)
        # then every wave with the parameter files merged (not ``context.params``: that imports
        # every pipeline)
        self._check_waves(loader["parameters"])

    @hook_impl
    def after_catalog_created(self, conf_catalog, parameters) -> None:
        # Kedro hands over {"parameters": ..., "params:<name>": ...}
        self._check_waves(parameters["parameters"])
        outside = paths_outside(conf_catalog, self._project_path / "data")
        if outside:
            name, path = outside[0]
            raise ParameterError(
                f"catalog entry '{name}'",
                f"its path {path} resolves outside the project's data/ folder.",
                "every input and output inside data/; check --params and conf/*/catalog*.yml.",
            )

    @staticmethod
    def _check_waves(params: Mapping[str, Any]) -> None:
        pattern = params["wave_name_pattern"]
        check_wave_name("wave", params.get("wave"), pattern)
        if params.get("previous_wave") is not None:
            check_wave_name("previous_wave", params["previous_wave"], pattern)


class PseudonymKeyHook:
    """Hands the pseudonymisation key to the pipeline as the ``pseudonym_key`` input.

    Credentials never reach nodes through parameters; this hook reads them
    once the catalog exists and registers the key as an in-memory dataset.
    Datasets that keep pickles (``use_signing_key``) get a key derived from it.
    """

    @hook_impl
    def after_catalog_created(self, catalog, conf_creds) -> None:
        key = resolve_pseudonym_key(conf_creds, dict(os.environ))
        catalog["pseudonym_key"] = key
        # Datasets that save or load pickles sign and check them with a key derived from it.
        signing_key = model_signing_key(key)
        for name in list(catalog):
            for dataset in datasets_within(catalog.get(name)):
                if hasattr(dataset, "use_signing_key"):
                    dataset.use_signing_key(signing_key)


class RunTimingHook:
    """Records each node's wall time, and every load and save of a stored dataset, in ``run_timings``.

    The timings go to their own dataset, never into a pipeline output: the run
    summary stays exactly what ``summarise_run`` wrote. ``run_timings`` keeps one
    entry per pipeline selection (``__default__``, ``ingestion``, ...), so timing
    a partial run replaces that selection's entry and leaves the full run's alone.
    """

    DATASET = "run_timings"

    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self.timings: dict[str, float] = {}
        self.io_timings: dict[str, float] = {}
        self.peak_mib: dict[str, float] = {}
        self._catalog = None

    @hook_impl
    def after_catalog_created(self, catalog) -> None:
        self._catalog = catalog

    def _in_memory(self, dataset_name: str) -> bool:
        """In-memory handovers between nodes are not I/O and are not listed."""
        if self._catalog is None or dataset_name not in self._catalog:
            return False
        return isinstance(self._catalog.get(dataset_name), MemoryDataset)

    @hook_impl
    def before_pipeline_run(self) -> None:
        self._started.clear()
        self.timings = {}
        self.io_timings = {}
        self.peak_mib = {}

    def _io_started(self, key: str) -> None:
        self._started[key] = time.perf_counter()

    def _io_finished(self, key: str, dataset_name: str) -> None:
        now = time.perf_counter()
        seconds = now - self._started.pop(key, now)
        if not self._in_memory(dataset_name):
            self.io_timings[key] = round(self.io_timings.get(key, 0.0) + seconds, 3)

    @hook_impl
    def before_dataset_loaded(self, dataset_name: str) -> None:
        self._io_started(f"load {dataset_name}")

    @hook_impl
    def after_dataset_loaded(self, dataset_name: str) -> None:
        self._io_finished(f"load {dataset_name}", dataset_name)

    @hook_impl
    def before_dataset_saved(self, dataset_name: str) -> None:
        self._io_started(f"save {dataset_name}")

    @hook_impl
    def after_dataset_saved(self, dataset_name: str) -> None:
        self._io_finished(f"save {dataset_name}", dataset_name)

    @hook_impl
    def before_node_run(self, node) -> None:
        self._started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node) -> None:
        now = time.perf_counter()
        seconds = now - self._started.pop(node.name, now)
        self.timings[node.name] = round(seconds, 3)
        # the process's peak resident memory so far: where it jumps is the node that set it
        self.peak_mib[node.name] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )
        logger.debug("Node '%s' took %.2f s", node.name, seconds)

    def timing_entry(self, run_params: dict[str, Any]) -> dict[str, Any]:
        """This run's timings, with what was run, so a reader never mixes two runs."""
        filters = {
            key: run_params[key]
            for key in (
                "tags",
                "from_nodes",
                "to_nodes",
                "node_names",
                "from_inputs",
                "to_outputs",
                "namespaces",
            )
            if run_params.get(key)
        }
        io_seconds = dict(sorted(self.io_timings.items(), key=lambda item: -item[1]))
        return {
            "run_id": run_params.get("run_id"),
            "filters": filters,
            "nodes_run": len(self.timings),
            "timings_seconds": {**self.timings, "total": round(sum(self.timings.values()), 3)},
            "io_seconds": {**io_seconds, "total": round(sum(self.io_timings.values()), 3)},
            "peak_mib_after_node": dict(self.peak_mib),
        }

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], catalog) -> None:
        if self.DATASET not in catalog:
            return
        selection = "+".join(run_params.get("pipeline_names") or ["__default__"])
        earlier = catalog.load(self.DATASET) if catalog.exists(self.DATASET) else {}
        if not isinstance(earlier, dict):
            earlier = {}
        catalog.save(self.DATASET, {**earlier, selection: self.timing_entry(run_params)})
