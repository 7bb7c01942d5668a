"""The file side of ``segmentation inspect``: read the export and roster, write ``conf/<env>/``.

The guessing is in :mod:`segmentation.inspection` and the YAML in
:mod:`segmentation.starter_conf`; this module only reads and writes files, with
the pipeline's own reader (:class:`~segmentation.datasets.TabularExportDataset`)
and its own shape detection, so that what inspect sees is what a run sees.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from segmentation.config_loader import ProjectConfigLoader
from segmentation.datasets import CSV_SUFFIXES, EXCEL_SUFFIXES, TabularExportDataset
from segmentation.errors import INPUT_ERROR_EXIT_CODE, InputFileError, find_input_error
from segmentation.inspection import COMPLETION, EMAIL, EMPLOYEE_ID, TIMESTAMP, classify_columns
from segmentation.parsing import locate_columns
from segmentation.pipelines.ingestion.nodes import detect_shape, survey_header_rows
from segmentation.starter_conf import column_table, starter_environment

logger = logging.getLogger("segmentation")
ROSTER_FIELDS = ("gender", "department", "site", "job_level")
_ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def _parameters(project: Path, env: str | None) -> dict[str, Any]:
    """The parameters of ``conf/base`` and, when given, the environment's, as a run reads them."""
    # Kedro calls an OmegaConf API that OmegaConf deprecates (as settings.py notes): not news for the user
    warnings.filterwarnings(
        "ignore", message=r"register_new_resolver\(\) is deprecated", category=UserWarning
    )
    # the project's loader reads plain parameter files in about 0.05 s, not OmegaConf's 0.5 s
    loader = ProjectConfigLoader(
        str(project / "conf"),
        base_env="base",
        default_run_env=env or "base",
        merge_strategy={"parameters": "soft"},
    )
    return loader["parameters"]


def _roster_values(path: Path, columns: dict[str, list[str]]) -> dict[str, list[str]]:
    """Distinct values of the roster fields a demographic question can match."""
    raw = TabularExportDataset(str(path), role="roster").load()
    header = [str(h) for h in raw.cells.iloc[0].tolist()]
    found = locate_columns(header, {f: columns.get(f, []) for f in ROSTER_FIELDS})
    body = raw.cells.iloc[1:]
    return {
        f: sorted({str(v).strip() for v in body.iloc[:, pos] if str(v).strip()})
        for f, pos in found.items()
    }


def _survey_path(project: Path, export: Path) -> str | None:
    """None when the export sits where the catalog reads a wave's survey; else the path to read it from."""
    resolved = export.resolve()
    try:
        inside = resolved.relative_to(project.resolve())
    except ValueError:
        return str(resolved)
    parts = inside.parts
    if (
        len(parts) == 5
        and parts[:3] == ("data", "01_raw", "waves")
        and Path(parts[4]).stem == "survey"
    ):
        return None
    return inside.as_posix()


def inspect_export(
    project: Path, export: Path, env: str, roster: Path | None, force: bool
) -> list[str]:
    """Classify the export's columns, write the starter environment, return the lines to print."""
    if not _ENV_NAME.match(env) or env == "base":
        raise InputFileError(
            f"conf/{env}",
            "is not a name for a new configuration environment.",
            "letters, digits, '-' or '_' (not 'base'), e.g. --env acme_2026.",
        )
    if export.suffix.lower() not in EXCEL_SUFFIXES + CSV_SUFFIXES:
        raise InputFileError(
            str(export),
            f"'{export.suffix or '(no suffix)'}' is not a format inspect reads.",
            "a survey export as .csv or .xlsx.",
        )
    if not (project / "conf" / "base").is_dir():
        raise InputFileError(
            str(project),
            "is not the project folder (no conf/base/).",
            "run inspect from the project folder.",
        )
    # shapes and vocabulary of the project; the roster mapping may be the environment's own
    params = _parameters(project, None)
    vocab, survey_params = params["inspect"], params["survey"]
    roster_columns = (_parameters(project, env) if (project / "conf" / env).is_dir() else params)[
        "roster"
    ]["columns"]
    raw = TabularExportDataset(str(export), role="survey").load()
    shape = detect_shape(raw, survey_params["shapes"])
    header_rows = survey_header_rows(raw, survey_params["shapes"][shape]) if shape else 1
    header = [str(h) for h in raw.cells.iloc[0].tolist()]
    body = raw.cells.iloc[header_rows:]
    if body.empty:
        raise InputFileError(
            raw.source, "has a header but no answers.", "an export with at least one response."
        )
    roles: dict[int, str] = {}
    if shape:
        spec = survey_params["shapes"][shape]
        kinds = {
            "respondent_id": EMPLOYEE_ID,
            "email": EMAIL,
            "submitted_at": TIMESTAMP,
            "finished": COMPLETION,
            "progress": COMPLETION,
        }
        for key, position in locate_columns(header, {k: spec.get(k, []) for k in kinds}).items():
            roles.setdefault(position, kinds[key])
    guesses = classify_columns(header, [body[c].tolist() for c in body.columns], vocab, roles)
    roster_path = roster or next(
        (
            p
            for p in (
                project / "data" / "01_raw" / "hr" / f"roster{s}"
                for s in EXCEL_SUFFIXES + CSV_SUFFIXES
            )
            if p.is_file()
        ),
        None,
    )
    roster_values = _roster_values(roster_path, roster_columns) if roster_path else None
    starter = starter_environment(
        env, raw.source, guesses, shape, vocab, roster_values, _survey_path(project, export)
    )
    target = project / "conf" / env
    clashes = [name for name in starter.files if (target / name).exists()]
    if clashes and not force:
        raise InputFileError(
            str(target),
            f"already holds {', '.join(sorted(clashes))}.",
            "another --env name, or --force to overwrite them.",
        )
    target.mkdir(parents=True, exist_ok=True)
    for name, text in starter.files.items():
        (target / name).write_text(text, encoding="utf-8")
    wave = "<wave>" if starter.files.get("catalog.yml") is None else "2026-01"
    if starter.files.get("catalog.yml") is None:
        wave = export.resolve().parent.name
    lines = [
        "Columns:",
        *column_table(guesses),
        "",
        "Found:",
        *(f"  - {f}" for f in starter.found),
        "",
        "Check:",
        *(f"  - {c}" for c in starter.check),
        "",
        f"Wrote conf/{env}/: {', '.join(sorted(starter.files))}.",
        f"Run: kedro run --env {env} --params wave={wave}",
    ]
    return lines


@click.command(name="inspect")
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--env",
    "env",
    required=True,
    help="Name of the configuration environment to write (conf/NAME/).",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The HR roster to match demographic questions to (default: the project's data/01_raw/hr/roster).",
)
@click.option("--force", is_flag=True, help="Overwrite the files of an existing conf/NAME/.")
def inspect(export: Path, env: str, roster: Path | None, force: bool) -> None:
    """Guess what every column of a survey EXPORT is and write a starter conf/NAME/ for it."""
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
