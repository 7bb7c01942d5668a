"""What a run prints on screen: a line per stage, the slow steps, the warnings and where the outputs are.

Kedro's own progress (every dataset loaded and saved, every node started and
finished) is written to the log file only (``conf/logging.yml``): on screen it
buried the one warning to act on under a thousand lines. :class:`ConsoleFilter`
lets through the project's own messages and every warning;
:class:`StageProgressHook` writes the stage lines and the closing summary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

from kedro.framework.hooks import hook_impl

from segmentation.runner import reads_only_parameters

logger = logging.getLogger("segmentation.console")

# Outputs named in the closing summary, in this order, with their words.
SUMMARY_OUTPUTS = (
    ("persona_report_html", "Report"),
    ("persona_one_pagers_html", "One-pagers"),
    ("persona_report_xlsx", "Workbook"),
    ("targeting_lists", "Targeting lists"),
    ("champions", "Champions"),
    ("manager_briefs", "Manager briefs"),
    ("run_summary", "Run summary"),
)
SLOW_STEP_SECONDS = 2.0


class ConsoleFilter(logging.Filter):
    """On screen: the project's messages at INFO and up, anyone's warnings and errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return record.name.startswith("segmentation") and record.levelno >= logging.INFO


class ConsoleFormatter(logging.Formatter):
    """The message alone; warnings and errors say so first, so they stand out."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{record.levelname}: {message}"
        return message


def dataset_path(catalog: Any, name: str) -> str | None:
    """Where a catalog dataset writes (its filepath or folder), or None for in-memory ones."""
    if name not in catalog:
        return None
    try:
        described = catalog.get(name)._describe()
    except Exception:  # a dataset without a description has no path to show
        return None
    path = described.get("filepath") or described.get("path")
    inner = described.get("dataset")
    if not path and isinstance(inner, dict):  # a wrapper (KeptInMemoryDataset): its file's
        path = inner.get("filepath") or inner.get("path")
    return str(PurePosixPath(str(path))) if path else None


def stage_of_nodes(pipelines: Mapping[str, Any]) -> dict[str, str]:
    """Node name -> the stage (pipeline) it belongs to; the first one named when several hold it."""
    stages = {}
    for stage, pipeline in pipelines.items():
        if stage == "__default__":
            continue
        for node in pipeline.nodes:
            stages.setdefault(node.name, stage)
    return stages


CONSOLE_HANDLER = "console"


def quiet_console(root: logging.Logger | None = None) -> None:
    """Put :class:`ConsoleFilter` and :class:`ConsoleFormatter` on the ``console`` handler of ``conf/logging.yml``.

    Kedro's logging config may name only classes of ``logging`` and
    ``kedro.logging``, so the project's filter is attached here, once.
    """
    for handler in (root or logging.getLogger()).handlers:
        if handler.get_name() == CONSOLE_HANDLER and not any(
            isinstance(f, ConsoleFilter) for f in handler.filters
        ):
            handler.addFilter(ConsoleFilter())
            handler.setFormatter(ConsoleFormatter())


class StageProgressHook:
    """A line when each stage starts and ends, a line for each slow step, and a closing summary."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        quiet_console()

    def __init__(self) -> None:
        self._stages: dict[str, str] = {}
        self._remaining: dict[str, int] = {}
        self._started: dict[str, float] = {}
        self._stage_started: dict[str, float] = {}
        self._saved: set[str] = set()
        self._run_started = 0.0

    def _load_stages(self, nodes: Iterable[Any]) -> None:
        # The stages as their modules define them: a registered stage pipeline also holds the
        # nodes of other stages that make its in-memory handovers (pipeline_registry.py).
        from segmentation.pipeline_registry import stage_pipelines

        stages = stage_of_nodes(stage_pipelines())
        self._stages = {node.name: stages.get(node.name, "pipeline") for node in nodes}
        self._remaining = {}
        for stage in self._stages.values():
            self._remaining[stage] = self._remaining.get(stage, 0) + 1

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any) -> None:
        self._run_started = time.perf_counter()
        self._stage_started = {}
        self._saved = set()
        self._load_stages(pipeline.nodes)
        wave = (run_params.get("runtime_params") or {}).get("wave")
        logger.info(
            "Running %d steps in %d stages%s.",
            len(self._stages),
            len(self._remaining),
            f" for wave {wave}" if wave else "",
        )

    def _enter_stage_of(self, node: Any) -> None:
        """The stage's line, once, before anything of the stage happens (its first read included).

        A node that reads only parameters (a configuration check, run before
        everything else) does not start its stage.
        """
        stage = self._stages.get(node.name, "pipeline")
        if stage not in self._stage_started and not reads_only_parameters(node):
            self._stage_started[stage] = time.perf_counter()
            steps = self._remaining.get(stage, 1)
            logger.info("▸ %s (%d step%s)", stage, steps, "" if steps == 1 else "s")

    @hook_impl
    def before_dataset_loaded(self, node: Any) -> None:
        self._enter_stage_of(node)

    @hook_impl
    def before_node_run(self, node: Any) -> None:
        self._enter_stage_of(node)
        self._started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node: Any) -> None:
        seconds = time.perf_counter() - self._started.pop(node.name, time.perf_counter())
        if seconds >= SLOW_STEP_SECONDS:
            logger.info("    %s took %.1f s", node.name, seconds)
        stage = self._stages.get(node.name, "pipeline")
        self._remaining[stage] = self._remaining.get(stage, 1) - 1
        if self._remaining[stage] == 0 and stage in self._stage_started:
            logger.info(
                "  %s done in %.1f s",
                stage,
                time.perf_counter() - self._stage_started.get(stage, 0.0),
            )

    @hook_impl
    def after_dataset_saved(self, dataset_name: str) -> None:
        self._saved.add(dataset_name)

    @hook_impl
    def after_pipeline_run(self, catalog: Any) -> None:
        """The closing lines: the paths of the outputs this run wrote (a partial run writes fewer)."""
        written = [
            (words, path)
            for name, words in SUMMARY_OUTPUTS
            if name in self._saved and (path := dataset_path(catalog, name))
        ]
        seconds = time.perf_counter() - self._run_started
        logger.info("Finished in %.1f s.%s", seconds, " Outputs:" if written else "")
        for words, path in written:
            logger.info("  %-16s %s", words, path)
