"""Freed memory goes back to the system, so that a run's peak is what it holds, not what it once held."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any, ClassVar

import pandas as pd
from kedro.io import DataCatalog, MemoryDataset


def _glibc() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()


def release_free_memory() -> None:
    """Hand memory freed so far back to the system (Arrow's pool, then glibc's heap), as a
    file read in chunks does after each chunk: both allocators keep what is freed for reuse,
    and over a file read in chunks that kept memory, not the chunks, set the peak (measured
    at 1,000,000 rows: 0.3 GB each). Without glibc only Arrow's pool is released."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class SharedMemoryDataset(MemoryDataset):
    """Kedro's in-memory handover of a node's output to the nodes that read it, without copies of tables.

    Kedro's ``MemoryDataset`` copies a DataFrame when it is saved and again
    for every node that loads it (``DataFrame.copy()``, a deep copy), so a
    table handed over in memory was held two or three times while its
    readers ran. Here a table is kept as the node returned it and each
    reader gets a shallow copy: with pandas' copy-on-write (pandas 3) a
    reader that changes its table copies what it changes, so no node sees
    another's changes (as :class:`~segmentation.kept_in_memory.KeptInMemoryDataset`
    does for stored tables). Anything else is copied as Kedro copies it.
    """

    def save(self, data: Any) -> None:
        if isinstance(data, pd.DataFrame):
            self._data = data.copy(deep=False)
        else:
            super().save(data)

    def load(self) -> Any:
        if isinstance(self._data, pd.DataFrame):
            return self._data.copy(deep=False)
        return super().load()


class ProjectDataCatalog(DataCatalog):
    """The catalog: every dataset it does not name is a :class:`SharedMemoryDataset`."""

    default_runtime_patterns: ClassVar = {
        "{default}": {"type": "segmentation.memory.SharedMemoryDataset"}
    }
