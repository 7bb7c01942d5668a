"""Tables handed over in memory are shared, not copied, and readers stay apart."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.memory import ProjectDataCatalog, SharedMemoryDataset, release_free_memory


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {"x": np.arange(5, dtype=float), "id": pd.Series(list("abcde"), dtype="str")}
    )


def test_a_table_is_handed_over_without_a_copy():
    table = _table()
    dataset = SharedMemoryDataset()
    dataset.save(table)
    first, second = dataset.load(), dataset.load()
    assert np.shares_memory(first["x"].to_numpy(), table["x"].to_numpy())
    assert np.shares_memory(second["x"].to_numpy(), table["x"].to_numpy())


def test_a_reader_that_changes_its_table_changes_no_one_elses():
    dataset = SharedMemoryDataset()
    dataset.save(_table())
    first = dataset.load()
    first["x"] = -1.0
    first.loc[0, "id"] = "z"
    first["new"] = 1
    again = dataset.load()
    pd.testing.assert_frame_equal(again, _table())


def test_anything_else_is_copied_as_kedro_copies_it():
    dataset = SharedMemoryDataset()
    summary = {"rows": [1, 2]}
    dataset.save(summary)
    loaded = dataset.load()
    loaded["rows"].append(3)
    assert dataset.load() == {"rows": [1, 2]}


def test_the_catalog_hands_over_unnamed_datasets_this_way():
    catalog = ProjectDataCatalog()
    assert isinstance(
        catalog.get("an_unnamed_table", fallback_to_runtime_pattern=True), SharedMemoryDataset
    )


def test_releasing_free_memory_is_harmless():
    release_free_memory()
