"""A dataset for bytes made in memory by a node (the xlsx workbook).

Kedro's datasets for spreadsheets write DataFrames; the report's workbook is
built with openpyxl in a pure node and handed over as bytes, which this
dataset writes and reads unchanged.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import fsspec
from kedro.io import AbstractDataset, DatasetError
from kedro.io.core import get_filepath_str, get_protocol_and_path


class BinaryFileDataset(AbstractDataset[bytes, bytes]):
    """Save and load a file's bytes as they are."""

    def __init__(
        self,
        *,
        filepath: str,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        protocol, path = get_protocol_and_path(filepath)
        fs_args = dict(fs_args or {})
        if protocol == "file":
            fs_args.setdefault("auto_mkdir", True)
        self._protocol = protocol
        self._filepath = PurePosixPath(path)
        self._fs = fsspec.filesystem(protocol, **fs_args)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "protocol": self._protocol}

    def load(self) -> bytes:
        with self._fs.open(get_filepath_str(self._filepath, self._protocol), "rb") as handle:
            return handle.read()

    def save(self, data: bytes) -> None:
        if not isinstance(data, bytes | bytearray):
            raise DatasetError(f"BinaryFileDataset saves bytes, got {type(data).__name__}")
        with self._fs.open(get_filepath_str(self._filepath, self._protocol), "wb") as handle:
            handle.write(bytes(data))

    def _exists(self) -> bool:
        return self._fs.exists(get_filepath_str(self._filepath, self._protocol))
