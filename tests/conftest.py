"""Shared fixtures: the project's own configuration and the contract's examples."""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from kedro.config import OmegaConfigLoader

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
CONTRACT_EXAMPLES = SHARED / "contract" / "examples"
REALDATA = SHARED / "realdata"


def load_parameters(name: str) -> dict:
    """One ``parameters_<name>.yml`` as Kedro reads it (``${globals:...}`` resolved).

    Read once per process (OmegaConf takes 0.02-0.2 s a file, and the helpers ask
    hundreds of times); each caller gets its own copy to change.
    """
    return copy.deepcopy(_read_base_config(f"parameters_{name}", f"parameters_{name}*"))


@functools.cache
def _read_base_config(key: str, pattern: str | None = None, wave: str | None = None) -> dict:
    """conf/base's ``key`` (its files: ``pattern``, else Kedro's own) as Kedro resolves it, read once per process."""
    loader = OmegaConfigLoader(
        str(PROJECT_ROOT / "conf"),
        base_env="base",
        default_run_env="base",
        config_patterns={key: [pattern]} if pattern else None,
        runtime_params={"wave": wave} if wave else None,
    )
    return loader[key]


# Catalog keys that name a local file or folder (as segmentation.hooks.PATH_KEYS).
CATALOG_PATH_KEYS = ("filepath", "path", "models_path", "outputs_path")


def catalog_config_under(root: Path, wave: str, *files: str) -> dict:
    """conf/base's catalog as Kedro resolves it for ``wave``, with every data/ path under ``root``.

    ``files`` (``"catalog_campaign.yml"``, ...) keep only the entries those files
    define; none keeps every entry.
    """
    config = copy.deepcopy(_read_base_config("catalog", wave=wave))
    if files:
        names = set()
        for name in files:
            text = (PROJECT_ROOT / "conf" / "base" / name).read_text(encoding="utf-8")
            names |= {key for key in yaml.safe_load(text) if not key.startswith("_")}
        config = {name: entry for name, entry in config.items() if name in names}
    for entry in config.values():
        while isinstance(entry, dict):  # an entry, then the dataset it wraps (``dataset:``)
            for key in CATALOG_PATH_KEYS:
                if isinstance(entry.get(key), str) and entry[key].startswith("data/"):
                    entry[key] = f"{root.as_posix()}/{entry[key]}"
            entry = entry.get("dataset")
    return config


@pytest.fixture(scope="session")
def questionnaire() -> dict:
    return load_parameters("questionnaire")["questionnaire"]


@pytest.fixture(scope="session")
def ingestion_params() -> dict:
    return load_parameters("ingestion")


@pytest.fixture(scope="session")
def roster_params(ingestion_params) -> dict:
    return ingestion_params["roster"]


@pytest.fixture(scope="session")
def survey_params(ingestion_params) -> dict:
    return ingestion_params["survey"]


@pytest.fixture()
def contract_examples() -> Path:
    if not CONTRACT_EXAMPLES.is_dir():
        pytest.skip("the shared data contract is not beside this checkout")
    return CONTRACT_EXAMPLES


@pytest.fixture()
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("shared/realdata is not beside this checkout")
    return REALDATA


# ------------------------------------------------------------------ two workers (pytest-xdist)
# The suite runs on every core (``-n auto --dist loadgroup`` in pyproject.toml). A worker builds
# a session or module fixture for itself, so tests that share a costly one are sent to one
# worker as a group: the sample's runs, the report built once per language, and the tests of a
# module that share a module-scoped fixture (a run of their own, most of them). A slow test's
# module is a group too: xdist hands out groups before single tests, so the long runs start
# first instead of keeping one worker busy after the other has finished.
SHARED_FIXTURE_GROUPS = {
    "sample_runs": "sample_runs",
    "stage_rerun": "sample_runs",
    "english_report": "built_reports",
    "hebrew_report": "built_reports",
}


def xdist_group_of(item: pytest.Item) -> str | None:
    """The group a test runs in under pytest-xdist, or None to run on whichever worker is free."""
    names = item.fixturenames
    shared = next((SHARED_FIXTURE_GROUPS[n] for n in names if n in SHARED_FIXTURE_GROUPS), None)
    if shared is not None:
        return shared
    definitions = item._fixtureinfo.name2fixturedefs  # the fixtures this test resolves to
    if item.get_closest_marker("slow") or any(
        definitions.get(n) and definitions[n][-1].scope == "module" for n in names
    ):
        return item.nodeid.split("::")[0]
    return None


def pytest_itemcollected(item: pytest.Item) -> None:
    """Marks each test with its group as it is collected, before xdist reads the marks."""
    group = xdist_group_of(item)
    if group is not None:
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, each grouped test's id ends in ``@<group>``, which is how xdist groups.

    xdist 3.8 writes that suffix into ``item._nodeid``, which pytest 9.2 no longer reads (it
    keeps the id in ``item._id``), so without this the groups are silently ignored
    (pytest-dev/pytest-xdist#1386). Does nothing where xdist's own suffix took effect.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = {
            m.args[0] if m.args else m.kwargs.get("name", "default")
            for m in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(map(str, names)))
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(item.nodeid + suffix)


# ------------------------------------------------------------------ the sample through Kedro
# Running the pipeline is most of the suite's time: the two sample waves run once per
# session (``sample_runs``) and every end-to-end test reads that one run.
MARCH, SEPTEMBER = "2026-03", "2026-09"
# Appended to 2026-09's activity log: one row for each reason a row is rejected.
BAD_ACTIVITY_ROWS = [
    ("99999", "2026-09-10T08:00:00", "visit", "unknown_employee", "employee_id"),
    ("00013", "not a date", "visit", "invalid_date", "timestamp"),
    ("00013", "2026-09-10T08:00:00", "dance", "not_allowed_value", "action"),
    ("00013", "2026-10-02T08:00:00", "post", "after_wave_end", "timestamp"),
    ("", "2026-09-10T08:00:00", "visit", "missing_value", "employee_id"),
]
# The stages in the order a wave runs them; each must run alone once its inputs exist.
STAGES = ["ingestion", "personas", "campaign", "waves", "report", "reporting"]


def _own_environments(directory: str, names: list[str]) -> list[str]:
    """The environment folders of the checkout's conf/ other than base and local."""
    if Path(directory) != PROJECT_ROOT / "conf":
        return []
    return [n for n in names if (Path(directory) / n).is_dir() and n not in ("base", "local")]


def copy_project(target: Path) -> Path:
    """A private copy of the project (conf, sample data) so runs never touch the checkout."""
    shutil.copytree(
        PROJECT_ROOT / "src",
        target / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    for name in ["pyproject.toml", ".telemetry"]:
        source = PROJECT_ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target / name)
    # base and local only: an environment a developer made with `segmentation inspect` in the
    # checkout (conf/genai/) would otherwise make a test's own `inspect --env genai` refuse to overwrite it
    shutil.copytree(PROJECT_ROOT / "conf", target / "conf", ignore=_own_environments)
    shutil.copytree(PROJECT_ROOT / "data" / "01_raw", target / "data" / "01_raw")
    (target / "logs").mkdir()
    return target


def run_in_copy(
    project: Path, *args: str, timeout: int = 300, **environ: str
) -> subprocess.CompletedProcess:
    """``python ARGS`` in a project copy, as a user runs it there: its own source, logging and conf."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={
            **os.environ,
            "PYTHONPATH": str(project / "src"),
            "KEDRO_LOGGING_CONFIG": str(project / "conf" / "logging.yml"),
            **environ,
        },
    )


def copy_outputs(source: Path, target: Path) -> None:
    """Every output folder (02-08) of ``source`` into ``target``."""
    for folder in (source / "data").glob("0[2-8]_*"):
        shutil.copytree(folder, target / "data" / folder.name, dirs_exist_ok=True)


@contextlib.contextmanager
def inside(project: Path) -> Iterator[None]:
    """In ``project`` as ``kedro run`` there has it: the project bootstrapped, its folder the working one."""
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    cwd = os.getcwd()
    os.chdir(project)
    try:
        yield
    finally:
        os.chdir(cwd)


def run_session(
    project: Path,
    pipeline_names: list[str] | None = None,
    env: str | None = None,
    console: list[str] | None = None,
    **runtime_params,
) -> dict | None:
    """One ``kedro run [--env ENV]`` in-process; the wave's run summary when the run wrote one.

    The runner is the one ``kedro run`` uses (``segmentation.cli.DEFAULT_RUNNER``), not
    Kedro's SequentialRunner. ``console`` gets the lines the run's console handler would have
    printed (its filter and format) for the messages that reach the root logger here.
    """
    from kedro.framework.session import KedroSession
    from kedro.utils import load_obj

    from segmentation.cli import DEFAULT_RUNNER
    from segmentation.console import ConsoleFilter, ConsoleFormatter

    handler = logging.Handler(logging.INFO)
    handler.addFilter(ConsoleFilter())
    handler.setFormatter(ConsoleFormatter())
    handler.emit = lambda record: console.append(handler.format(record))
    if console is not None:
        logging.getLogger().addHandler(handler)
    try:
        with (
            inside(project),
            KedroSession.create(
                project_path=project, env=env, runtime_params=runtime_params
            ) as session,
        ):
            session.run(pipeline_names=pipeline_names, runner=load_obj(DEFAULT_RUNNER)())
    finally:
        logging.getLogger().removeHandler(handler)
    summary = project / "data" / "08_reporting" / runtime_params["wave"] / "run_summary.json"
    return json.loads(summary.read_text()) if summary.exists() else None


def kedro_run_in_process(project: Path, *args: str):
    """``kedro run ARGS`` through the project's own command (``segmentation.cli``), in this process.

    What the command prints and its exit code (``click.testing.Result``) without an
    interpreter's start-up, for tests whose subject is what the command does, not that it is a
    process: ``run_in_copy`` keeps real-process cases (``sample_runs``, the broken roster).
    """
    from click.testing import CliRunner

    from segmentation.cli import cli

    with inside(project):
        return CliRunner().invoke(cli, ["run", *args])


def wave_outputs(project: Path, wave: str) -> dict[str, bytes]:
    """Every file a run of ``wave`` wrote, except the run's timings."""
    files = {}
    for folder in sorted((project / "data").glob(f"0[2-8]_*/{wave}")):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "run_timings.json":
                files[str(path.relative_to(project))] = path.read_bytes()
    return files


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory) -> SimpleNamespace:
    """2026-03 then 2026-09 (whose activity log gets a few bad rows): a KedroSession, then ``kedro run``.

    2026-03 runs with its charts undrawn (blank PNGs, ``tests/undrawn_charts.py``): 2026-09
    reads March's data and models, never its pictures, and every chart 2026-09 draws is real.

    ``after_march`` holds the outputs as they were before 2026-09 ran;
    ``console`` the lines ``kedro run --params wave=2026-09`` printed.
    """
    project = copy_project(tmp_path_factory.mktemp("sample"))
    log = project / "data" / "01_raw" / "waves" / SEPTEMBER / "activity.csv"
    clean_lines = len(log.read_text(encoding="utf-8").splitlines())
    log.write_text(
        log.read_text(encoding="utf-8")
        + "".join(f"{e},{t},{a}\n" for e, t, a, *_ in BAD_ACTIVITY_ROWS),
        encoding="utf-8",
    )
    from tests.undrawn_charts import charts_undrawn

    # March's pictures are no test's subject (no test opens its report); 2026-09's are drawn
    with charts_undrawn():
        summaries = {MARCH: run_session(project, wave=MARCH)}
    after_march = tmp_path_factory.mktemp("after_march")
    copy_outputs(project, after_march)
    # 2026-09 as a user runs it, `kedro run` on the command line: the console tests read its screen
    console = run_in_copy(
        project, "-m", "kedro", "run", "--params", f"wave={SEPTEMBER}", timeout=600, COLUMNS="80"
    )
    assert console.returncode == 0, console.stdout[-3000:] + console.stderr[-3000:]
    summary = project / "data" / "08_reporting" / SEPTEMBER / "run_summary.json"
    summaries[SEPTEMBER] = json.loads(summary.read_text(encoding="utf-8"))
    return SimpleNamespace(
        project=project,
        after_march=after_march,
        summaries=summaries,
        clean_lines=clean_lines,
        outputs=wave_outputs(project, SEPTEMBER),
        console=(console.stdout + console.stderr).splitlines(),
    )


@pytest.fixture(scope="session")
def stage_rerun(sample_runs, tmp_path_factory) -> SimpleNamespace:
    """2026-09 run again stage by stage (``kedro run --pipeline <stage>``), in a copy of ``sample_runs``."""
    project = copy_project(tmp_path_factory.mktemp("stage_rerun"))
    shutil.copy(
        sample_runs.project / "data" / "01_raw" / "waves" / SEPTEMBER / "activity.csv",
        project / "data" / "01_raw" / "waves" / SEPTEMBER / "activity.csv",
    )
    copy_outputs(sample_runs.project, project)
    for stage in STAGES:
        run_session(project, [stage], wave=SEPTEMBER)
    timings = json.loads(
        (project / "data" / "08_reporting" / SEPTEMBER / "run_timings.json").read_text()
    )
    summary = json.loads(
        (project / "data" / "08_reporting" / SEPTEMBER / "run_summary.json").read_text()
    )
    return SimpleNamespace(
        project=project, outputs=wave_outputs(project, SEPTEMBER), summary=summary, timings=timings
    )
