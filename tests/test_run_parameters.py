"""Run parameters that name folders: only wave names, and nothing outside data/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from kedro.config import MissingConfigException

from segmentation.errors import ConfigurationError, ParameterError, find_run_stop
from segmentation.hooks import check_given_waves, paths_outside
from segmentation.waves import check_wave_name
from tests.conftest import PROJECT_ROOT, copy_project, kedro_run_in_process, run_in_copy


@pytest.fixture(scope="module")
def pattern() -> str:
    from segmentation.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS

    loader = CONFIG_LOADER_CLASS(str(PROJECT_ROOT / "conf"), env="base", **CONFIG_LOADER_ARGS)
    return loader["parameters"]["wave_name_pattern"]


@pytest.mark.parametrize("name", ["2026-03", "2026-09", "2026-09-pilot", "2030-12-b2"])
def test_wave_names_pass(pattern, name):
    assert check_wave_name("wave", name, pattern) == name


@pytest.mark.parametrize(
    "value, says",
    [
        ("2026-09/../../../../elsewhere/evil", "it holds a path"),
        ("..", "it holds a path"),
        ("2026-09\\..\\x", "it holds a path"),
        ("pilot", "'pilot' is not a wave name"),
        ("2026-13", "'2026-13' is not a wave name"),
        ("2026-09 ", "is not a wave name"),
        ("", "the wave is empty"),
        (None, "the wave is empty"),
        (202609, "read as the number 202609"),
        ("x\x1b[31mred", "x\\x1b[31mred"),  # shown escaped, never sent to the terminal
    ],
)
def test_anything_else_stops_with_the_problem_and_the_expected_form(pattern, value, says):
    with pytest.raises(ParameterError) as caught:
        check_wave_name("wave", value, pattern)
    message = str(caught.value)
    assert says in message
    assert "Expected: a wave named YYYY-MM" in message and "2026-09" in message
    assert "\n" not in message and "\x1b" not in message


def test_every_catalog_path_is_checked_against_data(tmp_path):
    data = tmp_path / "data"
    conf = {
        "inside": {"type": "x", "filepath": str(data / "01_raw" / "roster")},
        "folder": {"type": "x", "path": str(data / "08_reporting" / "2026-09" / "targeting")},
        "climbs": {
            "type": "x",
            "filepath": str(data / "08_reporting" / "2026-09" / ".." / ".." / ".." / "evil.csv"),
        },
        "models": {"type": "x", "models_path": str(tmp_path / "elsewhere")},
        "remote": {"type": "x", "filepath": "s3://bucket/file.csv"},
    }
    assert paths_outside(conf, data) == [
        ("climbs", conf["climbs"]["filepath"]),
        ("models", str(tmp_path / "elsewhere")),
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("params") / "project")


def _kedro_run(project: Path, params: str) -> subprocess.CompletedProcess:
    log = project / "logs" / "debug.log"
    log.unlink(missing_ok=True)
    return run_in_copy(project, "-m", "kedro", "run", "--params", params)


def _files(root: Path) -> set[Path]:
    return {
        p
        for p in root.rglob("*")
        if p.is_file() and "logs" not in p.parts and "__pycache__" not in p.parts
    }


BAD_WAVES = {
    "wave=2026-09/../../../../elsewhere/evil": "--params wave=2026-09/../../../../elsewhere/evil: '2026-09/../../../../elsewhere/evil' is not a wave name; it holds a path",
    "wave=pilot": "--params wave=pilot: 'pilot' is not a wave name.",
    "wave=": "--params wave=: the wave is empty.",
    "wave=2026_09": "--params wave=202609: the wave was read as the number 202609",
    "wave=2026-09,previous_wave=../../../../elsewhere/evil": "--params previous_wave=../../../../elsewhere/evil",
}


def _plant_surveys_where_the_traversal_points(project: Path) -> None:
    """The attack of issue 12: a survey planted outside data/, where the traversal pointed."""
    for planted in (project / "elsewhere" / "evil", project.parent / "elsewhere" / "evil"):
        planted.mkdir(parents=True, exist_ok=True)
        shutil.copy(
            project / "data" / "01_raw" / "waves" / "2026-09" / "survey.csv", planted / "survey.csv"
        )


# The process: exit 2, one line, no traceback on screen (it goes to the debug log), nothing
# touched. One case of each parameter; every value's message is checked in-process below.
@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        "wave=2026-09/../../../../elsewhere/evil",
        "wave=2026-09,previous_wave=../../../../elsewhere/evil",
    ],
)
def test_a_bad_wave_on_the_command_line_stops_before_anything_is_read_or_written(project, params):
    _plant_surveys_where_the_traversal_points(project)
    before = _files(project.parent)
    result = _kedro_run(project, params)
    screen = result.stdout + result.stderr
    assert result.returncode == 2, screen
    errors = [line for line in screen.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith(f"Error: {BAD_WAVES[params]}"), screen
    assert "Expected: a wave named YYYY-MM" in errors[0]
    assert "Traceback" not in screen
    assert "Traceback" in (project / "logs" / "debug.log").read_text()
    assert _files(project.parent) == before  # nothing read into, nothing written anywhere


def _session_stop(project: Path, params: str = "", env: str | None = None) -> ParameterError:
    """What a Kedro session of ``kedro run [--env ENV] --params PARAMS`` stops with, in-process."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from segmentation.cli import run

    # the --params as the command line reads them (YAML: 2026_09 is a number)
    option = next(option for option in run.params if option.name == "params")
    runtime_params = option.callback(None, option, params) if params else {}
    bootstrap_project(project)
    with (
        KedroSession.create(
            project_path=project, env=env, runtime_params=runtime_params
        ) as session,
        pytest.raises(ParameterError) as caught,
    ):
        session.run()
    return caught.value


@pytest.mark.parametrize("params", list(BAD_WAVES))
def test_every_bad_wave_stops_the_run_as_soon_as_the_context_exists(project, params):
    _plant_surveys_where_the_traversal_points(project)
    before = _files(project.parent)
    message = str(_session_stop(project, params))
    assert message.startswith(BAD_WAVES[params]), message
    assert "Expected: a wave named YYYY-MM" in message and "\n" not in message
    assert _files(project.parent) == before


def test_the_given_waves_are_checked_before_the_parameter_files_are_read(project, monkeypatch):
    """A bad --params wave stops in about a second: the parameter files are not even read."""
    from segmentation.config_loader import ProjectConfigLoader

    read = []
    original = ProjectConfigLoader.__getitem__
    monkeypatch.setattr(
        ProjectConfigLoader,
        "__getitem__",
        lambda self, key: read.append(key) or original(self, key),
    )
    _session_stop(project, "wave=pilot")
    assert "parameters" not in read and "globals" in read
    read.clear()
    _session_stop(project, "wave=2026-09,previous_wave=pilot")
    assert "parameters" not in read


@pytest.mark.parametrize(
    "runtime_params, stops_on",
    [
        ({}, None),
        ({"wave": "2026-09"}, None),
        (
            {"wave": "2026-09", "previous_wave": None},
            None,
        ),  # null: no previous wave, as in the files
        ({"wave": "${globals:default_wave}"}, None),  # left to the check of what it resolves to
        ({"wave": None}, "--params wave=: the wave is empty."),
        ({"previous_wave": "2026-13"}, "--params previous_wave=2026-13: '2026-13' is not"),
        ({"wave": "x", "previous_wave": "y"}, "--params wave=x:"),
        ({"wave": ["2026-09"]}, "--params wave=['2026-09']: the wave was read as the list"),
    ],
)
def test_check_given_waves_checks_only_what_the_command_line_names(
    pattern, runtime_params, stops_on
):
    if stops_on is None:
        check_given_waves(runtime_params, pattern)
        return
    with pytest.raises(ParameterError) as caught:
        check_given_waves(runtime_params, pattern)
    assert str(caught.value).startswith(stops_on), str(caught.value)


def test_a_wave_set_in_an_environments_files_is_still_checked(project):
    """The early check sees only --params; a wave in conf/<env>/parameters*.yml is checked with the files."""
    env = project / "conf" / "bad_wave"
    env.mkdir()
    (env / "parameters.yml").write_text("wave: ../../elsewhere/evil\n", encoding="utf-8")
    try:
        message = str(_session_stop(project, env="bad_wave"))
    finally:
        shutil.rmtree(env)
    assert message.startswith("--params wave=../../elsewhere/evil: '../../elsewhere/evil' is not")


@pytest.mark.parametrize("value", ["wave=%2e%2e/%2e%2e/tmp/evil", "wave=@x", "wave=[1"])
def test_params_yaml_cannot_read_stop_with_one_line_and_exit_2(value):
    """Kedro reads each --params value as YAML: a value it cannot parse is a clear stop, not a traceback."""
    from click.testing import CliRunner

    from segmentation.cli import cli

    result = CliRunner().invoke(cli, ["run", "--params", value])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"Error: --params {value}: the value could not be read ({'ParserError: while parsing a flow sequence' if value == 'wave=[1' else 'ScannerError: ' + ('while scanning a directive' if '%' in value else 'while scanning for the next token')}). "
        "Expected: key=value pairs separated by commas; quote a value that starts with % @ ` or another YAML sign.",
        "The run stopped; fix this and run again. Details: logs/debug.log",
    ]
    assert "Traceback" not in result.output


def test_a_wrapped_datasets_paths_are_checked_too(tmp_path):
    data = tmp_path / "data"
    conf = {
        "cached": {
            "type": "CachedDataset",
            "dataset": {"type": "x", "models_path": str(tmp_path / "elsewhere")},
        },
        "cached_inside": {
            "type": "CachedDataset",
            "dataset": {"type": "x", "filepath": str(data / "06_models")},
        },
    }
    assert paths_outside(conf, data) == [("cached", str(tmp_path / "elsewhere"))]


def test_the_catalog_holds_every_parameter_a_pipeline_reads():
    from segmentation.context import parameters_read_by

    params = {"wave": "2026-09", "report": {"language": "en", "labels": {"en": {"a": 1}}}}
    inputs = parameters_read_by(params, {"params:report.language", "params:report.absent.x"})
    assert inputs == {
        "parameters": params,
        "params:wave": "2026-09",
        "params:report": params["report"],
        "params:report.language": "en",
    }


def test_an_environment_that_does_not_exist_stops_with_one_line_and_exit_2(project):
    """`kedro run --env nope` ended in Kedro's MissingConfigException traceback, exit 1.

    Through the project's ``kedro run`` command in this process: the bad waves above check
    the same one-line stop in a process of its own."""
    before = _files(project)
    result = kedro_run_in_process(project, "--env", "nope")
    assert result.exit_code == 2, result.output
    error, hint = result.output.splitlines()
    assert (
        error.startswith("Error: ")
        and "conf/nope: this configuration folder does not exist" in error
    )
    assert "--env names a folder under conf/" in error
    assert hint == "The run stopped; fix this and run again. Details: logs/debug.log"
    assert _files(project) == before


def test_other_missing_configuration_is_one_line_naming_kedros_reason():
    try:  # as Kedro's session hands it on: wrapped in another exception
        try:
            raise MissingConfigException("No files of YAML or JSON format found in conf/base.")
        except MissingConfigException as missing:
            raise RuntimeError("the session could not load its context") from missing
    except RuntimeError as wrapped:
        stop = find_run_stop(wrapped)
    assert isinstance(stop, ConfigurationError)
    assert str(stop).startswith("conf/: No files of YAML or JSON format found in conf/base.")
