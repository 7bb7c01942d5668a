"""Datasets that read what earlier waves' runs saved.

Nodes never open files: the previous wave's persona model, identities and
assignments, and the adoption summaries and badges of every wave run so far,
reach them through these read-only datasets. Both read files written by the
project's own catalog entries (``persona_model``, ``persona_identities``,
``persona_profiles``, ``persona_assignments``, ``adoption_summary``,
``badges``) with Kedro's own datasets.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError
from kedro_datasets.json import JSONDataset
from kedro_datasets.pandas import ParquetDataset

from segmentation.datasets import SignedPickleDataset
from segmentation.errors import InputFileError
from segmentation.waves import check_wave_name, wave_sort_key

logger = logging.getLogger(__name__)


def _read_only(name: str) -> DatasetError:
    return DatasetError(f"{name} reads what earlier runs saved; the pipeline never writes it.")


class PreviousWaveDataset(AbstractDataset[None, dict]):
    """The wave this wave is compared with, and what its run saved.

    The previous wave is ``previous_wave`` when given (``kedro run --params
    previous_wave=2026-03``), otherwise the latest wave earlier than ``wave``
    whose folder under ``models_path`` holds a saved persona model. Loads a
    dict: ``wave`` (None when there is no earlier wave: the first wave),
    ``source``, ``persona_model``, ``identities`` (None for a wave saved
    before identities were kept), ``persona_profiles`` and ``assignments``
    (both None when absent).

    The persona model is a pickle, and unpickling runs code: it is read only
    from a folder under ``models_path`` named like a wave
    (``wave_name_pattern``; symbolic links leading elsewhere are refused), and
    only when its signature matches (:class:`SignedPickleDataset`; the
    project's hooks hand over the key).
    """

    MODEL = "persona_model.pkl"
    IDENTITIES = "persona_identities.json"
    PROFILES = "persona_profiles.json"
    ASSIGNMENTS = "persona_assignments.parquet"

    def __init__(
        self,
        wave: str,
        previous_wave: str | None = None,
        models_path: str = "data/06_models",
        outputs_path: str = "data/07_model_output",
        wave_name_pattern: str = r"^[0-9]{4}-(0[1-9]|1[0-2])(-[A-Za-z0-9]{1,20})?$",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._wave = str(wave)
        self._previous = str(previous_wave) if previous_wave not in (None, "") else None
        self._models = Path(models_path)
        self._outputs = Path(outputs_path)
        self._pattern = wave_name_pattern
        self._signing_key: bytes | None = None
        self.metadata = metadata

    def use_signing_key(self, key: bytes) -> None:
        self._signing_key = key

    def _model_folder(self, wave: str) -> Path:
        """``models_path/<wave>``, refused unless ``wave`` is a wave name and the folder really lies there."""
        folder = self._models / check_wave_name("previous_wave", wave, self._pattern)
        if not folder.resolve().is_relative_to(self._models.resolve()):
            raise InputFileError(
                str(folder),
                f"the folder leads outside {self._models} (a symbolic link?); no model is read from it.",
                f"the wave's models saved under {self._models} by its own run.",
            )
        return folder

    def _describe(self) -> dict[str, Any]:
        return {
            "wave": self._wave,
            "previous_wave": self._previous,
            "models_path": str(self._models),
        }

    def _save(self, data: None) -> None:
        raise _read_only("previous_wave_outputs")

    def _exists(self) -> bool:
        return True

    def earlier_waves(self) -> list[str]:
        """Waves before this one with a saved persona model, oldest first."""
        if not self._models.is_dir():
            return []
        current = wave_sort_key(self._wave)
        found = [
            d.name
            for d in self._models.iterdir()
            if d.is_dir()
            and re.fullmatch(self._pattern, d.name)
            and (d / self.MODEL).is_file()
            and d.name != self._wave
            and wave_sort_key(d.name) < current
        ]
        return sorted(found, key=wave_sort_key)

    def _choose(self) -> tuple[str | None, str | None]:
        if self._previous is None:
            earlier = self.earlier_waves()
            return (
                (earlier[-1], "latest earlier wave with saved models") if earlier else (None, None)
            )
        folder = self._model_folder(self._previous)
        if self._previous == self._wave or wave_sort_key(self._previous) >= wave_sort_key(
            self._wave
        ):
            raise InputFileError(
                str(folder),
                f"the named previous wave '{self._previous}' is not earlier than wave '{self._wave}'.",
                "an earlier wave in --params previous_wave=..., or none to use the latest earlier wave.",
            )
        if not (folder / self.MODEL).is_file():
            raise InputFileError(
                str(folder / self.MODEL),
                f"the named previous wave '{self._previous}' has no saved persona model.",
                f"run that wave first (kedro run --params wave={self._previous}), or leave previous_wave out.",
            )
        return self._previous, "named (previous_wave parameter)"

    def _load(self) -> dict:
        wave, source = self._choose()
        out: dict[str, Any] = {
            "wave": wave,
            "source": source,
            "persona_model": None,
            "identities": None,
            "persona_profiles": None,
            "assignments": None,
        }
        if wave is None:
            logger.info(
                "No wave before %s has saved models: wave %s runs as a first wave.",
                self._wave,
                self._wave,
            )
            return out
        models, outputs = self._model_folder(wave), self._outputs / wave
        logger.info("Comparing wave %s with wave %s (%s).", self._wave, wave, source)
        model = SignedPickleDataset(filepath=str(models / self.MODEL))
        if self._signing_key is not None:
            model.use_signing_key(self._signing_key)
        out["persona_model"] = model.load()
        if (models / self.IDENTITIES).is_file():
            out["identities"] = JSONDataset(filepath=str(models / self.IDENTITIES)).load()
        if (outputs / self.PROFILES).is_file():
            out["persona_profiles"] = JSONDataset(filepath=str(outputs / self.PROFILES)).load()
        if (outputs / self.ASSIGNMENTS).is_file():
            out["assignments"] = ParquetDataset(filepath=str(outputs / self.ASSIGNMENTS)).load()
        return out


class WaveHistoryDataset(AbstractDataset[None, dict]):
    """Files that every wave's run saved under ``path/<wave>/``, by wave.

    ``files`` maps a key to a JSON file's path inside a wave's folder (e.g.
    ``adoption: adoption_summary.json``). Loads ``{wave: {key: content or
    None}}`` for every wave folder holding at least one of them, in wave
    order. Each wave appears once, whatever ran before: a wave's folder holds
    one file of each kind, which its latest run replaced.
    """

    def __init__(
        self, path: str, files: dict[str, str], metadata: dict[str, Any] | None = None
    ) -> None:
        self._path = Path(path)
        self._files = dict(files)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "files": self._files}

    def _save(self, data: None) -> None:
        raise _read_only("the wave history")

    def _exists(self) -> bool:
        return True

    def _load(self) -> dict:
        history: dict[str, dict[str, Any]] = {}
        if not self._path.is_dir():
            return history
        for folder in sorted(
            (d for d in self._path.iterdir() if d.is_dir()), key=lambda d: wave_sort_key(d.name)
        ):
            entry = {
                key: JSONDataset(filepath=str(folder / name)).load()
                if (folder / name).is_file()
                else None
                for key, name in self._files.items()
            }
            if any(v is not None for v in entry.values()):
                history[folder.name] = entry
        return history
