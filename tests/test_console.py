"""The console: the project's messages and warnings on screen, Kedro's dataset chatter in the log file."""

from __future__ import annotations

import io
import logging
from types import SimpleNamespace

from kedro.io import DataCatalog, MemoryDataset
from kedro_datasets.text import TextDataset

from segmentation.console import (
    ConsoleFilter,
    StageProgressHook,
    dataset_path,
    quiet_console,
    stage_of_nodes,
)
from segmentation.kept_in_memory import KeptInMemoryDataset


def _record(name: str, level: int) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "message", None, None)


def test_filter_keeps_project_messages_and_every_warning():
    keep = ConsoleFilter().filter
    assert keep(_record("segmentation.pipelines.ingestion.nodes", logging.INFO))
    assert keep(_record("kedro.io.data_catalog", logging.WARNING))
    assert keep(_record("sklearn", logging.ERROR))
    assert not keep(_record("kedro.io.data_catalog", logging.INFO))
    assert not keep(_record("kedro.runner.sequential_runner", logging.INFO))
    assert not keep(_record("segmentation.hooks", logging.DEBUG))


def test_quiet_console_filters_the_named_handler_once():
    root = logging.getLogger("test_console_root")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.set_name("console")
    root.addHandler(handler)
    try:
        quiet_console(root)
        quiet_console(root)
        assert sum(isinstance(f, ConsoleFilter) for f in handler.filters) == 1
        handler.handle(_record("kedro.io", logging.INFO))
        handler.handle(_record("kedro.io", logging.WARNING))
        assert stream.getvalue() == "WARNING: message\n"
    finally:
        root.removeHandler(handler)


def test_dataset_path_names_files_and_skips_memory(tmp_path):
    kept = {"type": "text.TextDataset", "filepath": str(tmp_path / "briefs.csv")}
    catalog = DataCatalog(
        {
            "report": TextDataset(filepath=str(tmp_path / "r.html")),
            "mem": MemoryDataset(1),
            "kept": KeptInMemoryDataset(kept),
        }
    )
    assert dataset_path(catalog, "report").endswith("r.html")
    assert dataset_path(catalog, "kept").endswith("briefs.csv")  # through the wrapper
    assert dataset_path(catalog, "mem") is None
    assert dataset_path(catalog, "absent") is None


def test_stages_come_from_the_registered_pipelines():
    a, b = SimpleNamespace(name="read"), SimpleNamespace(name="draw")
    pipelines = {
        "__default__": SimpleNamespace(nodes=[a, b]),
        "ingestion": SimpleNamespace(nodes=[a]),
        "report": SimpleNamespace(nodes=[b]),
    }
    assert stage_of_nodes(pipelines) == {"read": "ingestion", "draw": "report"}


def test_hook_prints_a_line_per_stage_and_the_paths_at_the_end(tmp_path, caplog):
    hook = StageProgressHook()
    nodes = [SimpleNamespace(name="n1"), SimpleNamespace(name="n2")]
    with caplog.at_level(logging.INFO, logger="segmentation.console"):
        hook.before_pipeline_run(
            {"runtime_params": {"wave": "2026-09"}}, SimpleNamespace(nodes=nodes)
        )
        for node in nodes:
            hook.before_node_run(node)
            hook.after_node_run(node)
        catalog = DataCatalog(
            {
                "persona_report_html": TextDataset(filepath=str(tmp_path / "persona_report.html")),
                "run_summary": TextDataset(filepath=str(tmp_path / "run_summary.json")),
            }
        )
        hook.after_dataset_saved("persona_report_html")
        hook.after_pipeline_run(catalog)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "Running 2 steps in 1 stages for wave 2026-09."
    assert "▸ pipeline (2 steps)" in messages
    assert messages[-2].startswith("Finished in") and messages[-2].endswith("Outputs:")
    # only what this run wrote: the run summary is in the catalog but was not saved
    assert messages[-1].split()[0] == "Report" and messages[-1].endswith("persona_report.html")


def test_a_partial_run_that_writes_no_output_names_no_path(tmp_path, caplog):
    """`kedro run --pipeline ingestion` on a fresh checkout listed a report it never wrote."""
    hook = StageProgressHook()
    with caplog.at_level(logging.INFO, logger="segmentation.console"):
        hook.before_pipeline_run({}, SimpleNamespace(nodes=[SimpleNamespace(name="n1")]))
        catalog = DataCatalog(
            {"persona_report_html": TextDataset(filepath=str(tmp_path / "persona_report.html"))}
        )
        hook.after_pipeline_run(catalog)
    last = caplog.records[-1].getMessage()
    assert last.startswith("Finished in") and last.endswith("s.")


def test_each_stage_is_announced_once_before_its_first_read_and_again_in_the_next_run(caplog):
    from segmentation.pipeline_registry import stage_pipelines

    stages = stage_pipelines()
    parse_roster = next(n for n in stages["ingestion"].nodes if n.name == "parse_roster")
    parse_opt_out = next(n for n in stages["campaign"].nodes if n.name == "parse_opt_out")
    check_playbook = next(n for n in stages["campaign"].nodes if n.name == "check_playbook")
    nodes = [check_playbook, parse_roster, parse_opt_out]  # the configuration check runs first
    hook = StageProgressHook()
    with caplog.at_level(logging.INFO, logger="segmentation.console"):
        for _ in range(2):  # the hook lives as long as the process: a second run starts afresh
            hook.before_pipeline_run({}, SimpleNamespace(nodes=nodes))
            for node in nodes:
                hook.before_dataset_loaded(node)
                logging.getLogger("segmentation.console").info("reading %s", node.name)
                hook.before_dataset_loaded(node)
                hook.before_node_run(node)
                hook.after_node_run(node)
    messages = [r.getMessage() for r in caplog.records if not r.getMessage().startswith("  ")]
    run = [
        "Running 3 steps in 2 stages.",
        "reading check_playbook",  # reads parameters only: its stage starts later, with its data
        "▸ ingestion (1 step)",
        "reading parse_roster",
        "▸ campaign (1 step)",
        "reading parse_opt_out",
    ]
    assert messages == run + run
