"""Datasets of the personas stage."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

logger = logging.getLogger(__name__)


class EarlierJSONDataset(AbstractDataset[None, dict]):
    """A JSON output of an earlier run of this wave, read back as plain data; ``{}`` when there is none.

    Only ever read (the output itself is saved by its own dataset). JSON
    holds nothing but numbers and text, and whoever reads it re-validates
    them (see ``selection.stored_rows``): a missing, oversized, unreadable or
    non-object file is treated as no earlier output, with a log line.
    """

    def __init__(
        self, filepath: str, max_bytes: int = 1_000_000, metadata: dict[str, Any] | None = None
    ) -> None:
        self._filepath = Path(filepath)
        self._max_bytes = int(max_bytes)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "max_bytes": self._max_bytes}

    def _load(self) -> dict:
        if not self._filepath.is_file():
            return {}
        if self._filepath.stat().st_size > self._max_bytes:
            logger.info("%s is larger than %d bytes; not read", self._filepath, self._max_bytes)
            return {}
        try:
            value = json.loads(self._filepath.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            logger.info("%s is not readable JSON (%s); not used", self._filepath, exc)
            return {}
        return value if isinstance(value, dict) else {}

    def _save(self, data: dict) -> None:
        raise DatasetError(f"{self._filepath}: an earlier run's output is only read, never written")

    def _exists(self) -> bool:
        return self._filepath.is_file()
