"""Rows found by text key without a merge (Arrow's hash look-up when both sides are text),
and whether text keys are distinct or the same, told at once when they are in order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.errors import InvalidIndexError

from segmentation.parsing import positions_in


def positions_of(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Where each of ``wanted`` is among the ``ids``, -1 when nowhere.

    :func:`segmentation.parsing.positions_in` (Arrow's hash look-up for text),
    for ids that must be unique: repeated ids raise ``InvalidIndexError``, as
    ``pd.Index.get_indexer`` does, instead of pointing at the first of them.
    """
    if not is_unique(ids):
        raise InvalidIndexError("positions_of: the ids repeat; each must name one row")
    return positions_in(wanted, ids)


def is_unique(values: pd.Series) -> bool:
    """``values.is_unique``, at once for Arrow text in order (ids usually are)."""
    text = arrow_text(values)
    if text is None or text.null_count:
        return bool(values.is_unique)
    return _unique(text)


def same_text(left: pd.Series | None, right: pd.Series) -> bool:
    """Whether two text columns hold the same values in the same order (False when not text)."""
    if left is None or len(left) != len(right):
        return False
    a, b = arrow_text(left), arrow_text(right)
    if a is None or b is None or a.null_count or b.null_count:
        return False
    return a.cast(b.type).equals(b)


def _unique(text: pa.Array) -> bool:
    """Whether no text occurs twice: at once when sorted (ids usually are), else by counting."""
    if len(text) < 2:
        return True
    increasing = pc.all(pc.less(text.slice(0, len(text) - 1), text.slice(1))).as_py()
    return increasing or pc.count_distinct(text).as_py() == len(text)


def arrow_text(values: pd.Series) -> pa.Array | None:
    """The column as one Arrow string array, when it is Arrow text (else ``None``)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        text = pa.array(values.array)
        return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    if (
        values.dtype == object
        and len(values)
        and pd.api.types.infer_dtype(values, skipna=False) == "string"
    ):
        return pa.array(values.to_numpy(dtype=object), type=pa.large_string())
    return None
