"""Demographic groupings shared by the stages that profile and report people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def stored_band_language(bands: Mapping[str, Any]) -> str:
    """The language whose labels name an age band in stored tables (hr_features, adoption):
    the first listed under ``age_bands.labels`` (English in the standard configuration)."""
    return next(iter(bands["labels"]))


def band_translation(bands: Mapping[str, Any], language: str) -> dict[str, str]:
    """Each stored band label (:func:`stored_band_language`) in ``language``; the stored
    label itself where ``language`` has no labels."""
    stored = bands["labels"][stored_band_language(bands)]
    return dict(zip(stored, bands["labels"].get(language, stored), strict=True))


def age_bands(age: pd.Series, bands: Mapping[str, Any], language: str | None = None) -> pd.Series:
    """Age band of each age (``bands``: ``breaks`` and ``labels`` per language), labelled in
    ``language`` or, by default, as stored; missing age, missing band."""
    labels = bands["labels"][language or stored_band_language(bands)]
    return pd.cut(age, bins=[-np.inf, *bands["breaks"], np.inf], right=False, labels=labels)
