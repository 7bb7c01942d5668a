"""Who counts as an active employee: one rule for every stage.

Ingestion (response rate), personas (who is typed from HR data), campaign
(who is targeted) and waves (adoption denominators) all ask the same
question, so they all ask it here, with the statuses from
``globals.yml: active_statuses``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def is_active(status: pd.Series, active_statuses: Iterable[str]) -> pd.Series:
    """True where an employment status is one of the configured active ones."""
    return status.isin(list(active_statuses))
