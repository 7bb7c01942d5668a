"""The project's ``kedro run``: Kedro's own command, with problems the user can fix told plainly.

A whole-file problem (missing column, wrong delimiter, protected workbook, not
a survey), data that cannot make personas, or an output that cannot be
written (read-only folder, full disk) ends the run with one line naming the
file, what is wrong and what was expected, and exit code 2. The traceback goes to the debug log
(``logs/debug.log``), never to the user's screen.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import click
from kedro.framework.cli.project import run as kedro_run

from segmentation.errors import find_input_error, find_run_stop

logger = logging.getLogger("segmentation")
INPUT_ERROR_EXIT_CODE = 2


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


@click.group(name="segmentation")
def cli():
    """Commands of the segmentation project."""


run = click.Command(
    name="run",
    params=kedro_run.params,
    callback=_explain_input_errors(kedro_run.callback),
    help=kedro_run.help,
    short_help=kedro_run.short_help,
)
cli.add_command(run)


@cli.command(name="inspect")
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--env", "env", required=True, help="Name of the configuration environment to write (conf/NAME/).")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HR roster to match demographic questions to (default: the project's data/01_raw/hr/roster).")
@click.option("--force", is_flag=True, help="Overwrite the files of an existing conf/NAME/.")
def inspect(export: Path, env: str, roster: Path | None, force: bool) -> None:
    """Guess what every column of a survey EXPORT is and write a starter conf/NAME/ for it."""
    from segmentation.inspect_command import inspect_export

    # the reader's "Reading survey file ..." would come before the summary or the one-line error
    logging.getLogger("segmentation.datasets").setLevel(logging.WARNING)
    try:
        lines = inspect_export(Path.cwd(), export, env, roster, force)
    except Exception as exc:  # only input problems are told in one line; others propagate
        problem = find_input_error(exc)
        if problem is None:
            raise
        logger.debug("inspect stopped by an input problem", exc_info=True)
        click.secho(f"Error: {problem}", err=True, fg="red")
        sys.exit(INPUT_ERROR_EXIT_CODE)
    for line in lines:
        click.echo(line)
