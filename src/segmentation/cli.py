"""The project's ``kedro run``: Kedro's own command, with problems the user can fix told plainly.

A whole-file problem (missing column, wrong delimiter, protected workbook, not
a survey), data that cannot make personas, or an output that cannot be
written (read-only folder, full disk) ends the run with one line naming the
file, what is wrong and what was expected, and exit code 2. The traceback goes to the debug log
(``logs/debug.log``), never to the user's screen.
"""

from __future__ import annotations

import copy
import functools
import logging
import sys

import click
from kedro.framework.cli.project import run as kedro_run
from kedro.framework.cli.utils import LazyGroup

from segmentation.errors import INPUT_ERROR_EXIT_CODE, ParameterError, find_run_stop

logger = logging.getLogger("segmentation")


def _explain_input_errors(callback):
    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception as exc:  # only problems the user can fix are translated; others propagate
            problem = find_run_stop(exc)
            if problem is None:
                raise
            logger.debug("Run stopped: %s", problem, exc_info=True)
            click.secho(f"Error: {problem}", err=True, fg="red")
            click.echo("The run stopped; fix this and run again. Details: logs/debug.log", err=True)
            sys.exit(INPUT_ERROR_EXIT_CODE)

    return wrapper


# `inspect` reads exports with the ingestion stage's code (pandas, pandera): about 0.3 s that
# every `kedro run` would pay at start-up; it is imported only when `inspect` runs or --help lists it.
@click.group(
    name="segmentation",
    cls=LazyGroup,
    lazy_subcommands={"inspect": "segmentation.inspect_command.inspect"},
)
def cli():
    """Commands of the segmentation project."""


def _explain_unreadable_params(option: click.Parameter) -> click.Parameter:
    """``--params`` whose value YAML cannot read (``wave=%2e%2e``, ``wave=@x``) stops with one line, exit 2."""
    if option.name != "params" or option.callback is None:
        return option
    split = option.callback

    def callback(ctx, param, value):
        try:
            return split(ctx, param, value)
        except Exception as exc:  # Kedro hands each value to YAML; its errors are a bare traceback
            problem = ParameterError(
                f"--params {value}",
                f"the value could not be read ({type(exc).__name__}: {str(exc).splitlines()[0]}).",
                "key=value pairs separated by commas; quote a value that starts with % @ ` or another YAML sign.",
            )
            logger.debug("Run stopped: %s", problem, exc_info=True)
            click.secho(f"Error: {problem}", err=True, fg="red")
            click.echo("The run stopped; fix this and run again. Details: logs/debug.log", err=True)
            sys.exit(INPUT_ERROR_EXIT_CODE)

    copied = copy.copy(option)
    copied.callback = callback
    return copied


# The runner `kedro run` uses unless told otherwise (--runner): the stages one after the other.
DEFAULT_RUNNER = "segmentation.runner.StageByStageRunner"


def _stage_by_stage_by_default(option: click.Parameter) -> click.Parameter:
    """``--runner`` defaults to :data:`DEFAULT_RUNNER` instead of Kedro's SequentialRunner."""
    if option.name != "runner":
        return option
    copied = copy.copy(option)
    copied.default = DEFAULT_RUNNER
    return copied


run = click.Command(
    name="run",
    params=[
        _stage_by_stage_by_default(_explain_unreadable_params(option))
        for option in kedro_run.params
    ],
    callback=_explain_input_errors(kedro_run.callback),
    help=kedro_run.help,
    short_help=kedro_run.short_help,
)
cli.add_command(run)
