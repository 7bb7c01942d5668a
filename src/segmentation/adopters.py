"""Rogers' adopter categories on the innovativeness score: one rule for every stage.

The categories and their bounds are configured once, ``adopters`` in
``conf/base/globals.yml``; the persona profiles (``persona_summary.json``)
and the report both read them from there and categorise with these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

# The keys of ``adopters`` that hold a lower bound, from the innovators' down.
BOUNDS = ("innovators", "early_adopters", "early_majority", "late_majority")


def adopter_scale(innovativeness: pd.Series) -> dict[str, float]:
    """The respondents' mean and standard deviation the categories are read on."""
    known = innovativeness.dropna()
    mean = float(known.mean()) if len(known) else float("nan")
    sd = float(known.std(ddof=1)) if len(known) > 1 else float("nan")
    return {"mean": mean, "sd": sd}


def adopter_categories(
    innovativeness: pd.Series, adopters: Mapping[str, Any], scale: Mapping[str, float]
) -> pd.Series:
    """Rogers' categories from standard deviations around the respondents' mean (None when unknown).

    ``adopters["order"]`` names the five categories from innovators to
    laggards; above ``innovators`` sd the first, above ``early_adopters`` the
    second, above ``early_majority`` the third, from ``late_majority`` the
    fourth, below it the last.
    """
    sd = scale["sd"] if scale["sd"] and np.isfinite(scale["sd"]) and scale["sd"] > 0 else 1.0
    z = (innovativeness - scale["mean"]) / sd
    order = list(adopters["order"])
    out = np.select(
        [
            z > adopters["innovators"],
            z > adopters["early_adopters"],
            z > adopters["early_majority"],
            z >= adopters["late_majority"],
        ],
        order[:4],
        default=order[4],
    ).astype(object)
    return pd.Series(out, index=innovativeness.index).where(innovativeness.notna(), None)
