"""A wave's outputs appear all at once, or not at all.

Every file or folder a run writes under ``data/`` is first written into a
staging folder, ``data/.staging/<wave>/`` (same layout below it), and moved
into place only when the whole pipeline has run. A run that crashes or is
killed midway therefore never leaves new targeting lists beside an old report,
or new rejects beside an old summary: the previous complete outputs stay as
they were. What a failed run wrote stays in its staging folder for a look
(the next run of the wave clears it).

The move is journalled: the list of moves is written first, so if the
process dies while moving, the next run of the wave finishes the moves
before doing anything else.

Only datasets the run *writes* are redirected; a partial run (``--pipeline``,
``--from-nodes``) still reads the earlier stages' outputs from their places.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import AbstractDataset

logger = logging.getLogger(__name__)

STAGING_FOLDER = ".staging"
RAW_FOLDER = "01_raw"
JOURNAL = "moves.json"
_PATH_KEYS = ("filepath", "path")


def staging_folder(data_root: Path, wave: str) -> Path:
    """``data/.staging/<wave>``; a wave name is reduced to safe characters first."""
    return (
        data_root
        / STAGING_FOLDER
        / (re.sub(r"[^A-Za-z0-9_-]+", "_", str(wave)).strip("_") or "wave")
    )


def _path_key(config: dict[str, Any]) -> str | None:
    return next((k for k in _PATH_KEYS if isinstance(config.get(k), str)), None)


def staged_config(
    config: dict[str, Any], data_root: Path, staging: Path
) -> tuple[dict[str, Any], Path, Path] | None:
    """The dataset's config pointed into ``staging``, with its final and staged paths; None when not an output under data/.

    A dataset that wraps another (``dataset:``, as CachedDataset) has the one inside redirected.
    """
    key = _path_key(config)
    if key is None:
        inner = config.get("dataset")
        redirected = staged_config(inner, data_root, staging) if isinstance(inner, dict) else None
        if redirected is None:
            return None
        inner_config, final, staged = redirected
        return {**config, "dataset": inner_config}, final, staged
    final = Path(config[key])
    if not final.is_absolute():
        final = data_root.parent / final
    try:
        relative = final.relative_to(data_root)
    except ValueError:
        return None
    if not relative.parts or relative.parts[0] in (RAW_FOLDER, STAGING_FOLDER):
        return None
    staged = staging / relative
    return {**config, key: str(staged)}, final, staged


def move_into_place(moves: list[tuple[Path, Path]]) -> None:
    """Replace each final file or folder by its staged version (a file atomically, a folder by two renames)."""
    for staged, final in moves:
        final.parent.mkdir(parents=True, exist_ok=True)
        if staged.is_dir():
            old = final.with_name(final.name + ".replaced")
            shutil.rmtree(old, ignore_errors=True)
            if final.exists():
                final.rename(old)
            staged.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        elif staged.exists():
            os.replace(staged, final)
        elif (
            final.is_dir()
        ):  # a folder dataset saved with nothing in it: the folder goes, as overwrite would
            shutil.rmtree(final)


def planned_moves(
    staging: Path, data_root: Path, folders: list[tuple[Path, Path]]
) -> list[tuple[Path, Path]]:
    """Every move the end of a run makes: each folder dataset whole, then every other file the run staged.

    Files are taken from the staging folder itself, so a file a dataset
    writes beside its own (a saved model's digest) moves with it.
    """
    moves = list(folders)
    inside = [staged for staged, _ in folders]
    for path in sorted(staging.rglob("*")):
        if (
            path.is_file()
            and path != staging / JOURNAL
            and not any(path.is_relative_to(folder) for folder in inside)
        ):
            moves.append((path, data_root / path.relative_to(staging)))
    return moves


def sign_like_the_originals(catalog, staged: dict[str, AbstractDataset]) -> None:
    """Staged datasets that keep pickles get the signing key the project's hooks gave the originals."""
    signing = [dataset for dataset in staged.values() if hasattr(dataset, "use_signing_key")]
    if signing and "pseudonym_key" in catalog:
        from segmentation.datasets import model_signing_key

        key = model_signing_key(catalog.load("pseudonym_key"))
        for dataset in signing:
            dataset.use_signing_key(key)


def finish_interrupted_moves(staging: Path) -> None:
    """Complete the moves of a run that died while moving its outputs into place."""
    journal = staging / JOURNAL
    if journal.is_file():
        moves = [(Path(s), Path(f)) for s, f in json.loads(journal.read_text(encoding="utf-8"))]
        logger.warning(
            "The last run of this wave stopped while moving its outputs into place; finishing the moves."
        )
        move_into_place([(s, f) for s, f in moves if s.exists()])
        journal.unlink()


def replace_quietly(catalog, datasets: dict[str, AbstractDataset]) -> None:
    """Put ``datasets`` in the catalog; Kedro's "Replacing dataset" warning is this module's doing, not news."""
    replacing = logging.getLogger("kedro.io.data_catalog")
    level = replacing.level
    replacing.setLevel(logging.ERROR)
    try:
        for name, dataset in datasets.items():
            catalog[name] = dataset
    finally:
        replacing.setLevel(level)


class StagedOutputsHook:
    """Writes a run's outputs into the wave's staging folder and moves them into place at the end."""

    def __init__(self) -> None:
        self._staging: Path | None = None
        self._targets: dict[str, tuple[Path, Path]] = {}
        self._originals: dict[str, AbstractDataset] = {}
        self._saved: set[str] = set()
        self._folders: set[str] = set()
        self._catalog = None

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        data_root = Path(run_params.get("project_path") or Path.cwd()) / "data"
        wave = catalog.load("params:wave") if "params:wave" in catalog else "wave"
        self._staging = staging_folder(data_root, wave)
        self._data_root = data_root
        self._targets, self._originals, self._saved, self._catalog = {}, {}, set(), catalog
        self._folders: set[str] = set()
        finish_interrupted_moves(self._staging)
        shutil.rmtree(self._staging, ignore_errors=True)
        configs = catalog.config_resolver.config
        staged_datasets = {}
        for name in sorted(pipeline.all_outputs()):
            redirected = (
                staged_config(configs[name], data_root, self._staging) if name in configs else None
            )
            if redirected is None:
                continue
            config, final, staged = redirected
            self._originals[name] = catalog.get(name)
            staged_datasets[name] = AbstractDataset.from_config(name, config)
            self._targets[name] = (staged, final)
            if "path" in config and "filepath" not in config:
                self._folders.add(name)
        sign_like_the_originals(catalog, staged_datasets)
        replace_quietly(catalog, staged_datasets)
        logger.debug("Staging %d outputs in %s", len(self._targets), self._staging)

    @hook_impl
    def after_dataset_saved(self, dataset_name: str) -> None:
        if dataset_name in self._targets:
            self._saved.add(dataset_name)

    def _restore_catalog(self) -> None:
        """Point the catalog at the final places again, for the hooks that write or show them after the run."""
        replace_quietly(self._catalog, self._originals)
        self._originals = {}

    @hook_impl(
        tryfirst=True
    )  # before the hooks that add to the run summary or show where the outputs are
    def after_pipeline_run(self) -> None:
        if self._staging is None:
            return
        folders = [self._targets[name] for name in sorted(self._saved & self._folders)]
        moves = planned_moves(self._staging, self._data_root, folders)
        self._staging.mkdir(parents=True, exist_ok=True)
        journal = self._staging / JOURNAL
        journal.write_text(json.dumps([[str(s), str(f)] for s, f in moves]), encoding="utf-8")
        move_into_place(moves)
        journal.unlink()
        shutil.rmtree(self._staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            self._staging.parent.rmdir()  # only when no other wave is staged
        logger.debug("Moved %d outputs into place.", len(moves))
        self._restore_catalog()
        self._staging = None

    @hook_impl
    def on_pipeline_error(self) -> None:
        if self._staging is None:
            return
        logger.warning(
            "The run failed: this wave's previous outputs were left as they were; what this run wrote "
            "(rejects.csv included) is in %s until the next run.",
            self._staging,
        )
        self._restore_catalog()
        self._staging = None
