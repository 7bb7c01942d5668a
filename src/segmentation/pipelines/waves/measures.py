"""The adoption measures: their names and the window of days each one counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

DAY = pd.Timedelta(days=1)


def metric_names(adoption: Mapping[str, Any]) -> list[str]:
    """The adoption measures, in the configured order (registered, active, engaged)."""
    return list(adoption["metrics"])


def window_start(end: pd.Timestamp, window_days: int | None) -> pd.Timestamp | None:
    """First day of the last ``window_days`` days up to the wave's end day (None: no start)."""
    return None if window_days in (None, 0) else end - (int(window_days) - 1) * DAY


def in_window(
    activity: pd.DataFrame, actions: Sequence[str], end: pd.Timestamp, window_days: int | None
) -> pd.Series:
    """Rows with one of ``actions`` in the window ending with the wave's end day."""
    keep = activity["action"].isin(list(actions)) & (activity["timestamp"] < end + DAY)
    start = window_start(end, window_days)
    if start is not None:
        keep &= activity["timestamp"] >= start
    return keep
