"""A stored table that the rest of the run reads from memory.

``employees`` is read by eight nodes across five stages, ``persona_assignments``
by nine: each read was a parquet file parsed again (at 1,000,000 employees
about a second each). Wrapped in :class:`KeptInMemoryDataset`, the table is
written to its file as before (a stage run alone reads it from there), and
kept in memory from its save or first load until its last reader has run
(Kedro's runner then releases it).

Each read hands out a new DataFrame over the kept one's data: with pandas'
copy-on-write (pandas 3), a node that changes its table copies what it
changes, so no node sees another's changes and nothing is copied up front.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, CachedDataset


class KeptInMemoryDataset(CachedDataset):
    """``dataset`` (a table on disk), kept in memory after its save or first load; see the module."""

    def __init__(
        self,
        dataset: AbstractDataset | dict,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(dataset, copy_mode="assign", metadata=metadata)

    def load(self) -> Any:
        data = super().load()
        return data.copy(deep=False) if isinstance(data, pd.DataFrame) else data
