"""Demographic groupings shared by the stages that profile and report people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def age_bands(age: pd.Series, bands: Mapping[str, Any], language: str = "en") -> pd.Series:
    """Age band of each age (``bands``: ``breaks`` and ``labels`` per language); missing age, missing band."""
    return pd.cut(
        age, bins=[-np.inf, *bands["breaks"], np.inf], right=False, labels=bands["labels"][language]
    )
