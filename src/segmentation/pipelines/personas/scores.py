"""Construct scores and their reliability (Cronbach's alpha)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from segmentation.codebook import Codebook
from segmentation.jsonable import to_plain

from .common import warn


def cronbach_alpha(items: np.ndarray) -> float:
    """Cronbach's alpha on the rows that answered every item (NaN if undefined)."""
    complete = items[~np.isnan(items).any(axis=1)]
    n_items = items.shape[1]
    if n_items < 2 or len(complete) < 2:
        return float("nan")
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return float("nan")
    return float(
        n_items / (n_items - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total_variance)
    )


def score_constructs(
    item_scores: pd.DataFrame, questionnaire: dict, scoring: dict
) -> tuple[pd.DataFrame, dict]:
    """Construct score = mean of the answered items, missing when too few are answered.

    Reverse-coded items arrive already scored as ``min + max - answer``, so they are
    averaged as they are. Also returns Cronbach's alpha per multi-item
    construct, warning when it is low (the construct then measures little).
    """
    codebook = Codebook.from_params(questionnaire)
    scores = {"pid": item_scores["pid"].to_numpy()}
    alphas: dict[str, float | None] = {}
    warnings: list[str] = []
    for construct, items in codebook.constructs.items():
        absent = [i for i in items if i not in item_scores.columns]
        if absent:
            warn(
                warnings,
                f"construct {construct}: items {absent} are not in the survey; counted as unanswered",
            )
        values = item_scores.reindex(columns=items).to_numpy(dtype=float)
        answered = ~np.isnan(values)
        enough = answered.mean(axis=1) >= scoring["min_answered_share"]
        total = np.where(answered, values, 0.0).sum(axis=1)
        scores[construct] = np.where(enough, total / np.maximum(answered.sum(axis=1), 1), np.nan)
        if len(items) > 1:
            alpha = cronbach_alpha(values)
            alphas[construct] = alpha
            if math.isnan(alpha):
                warn(
                    warnings,
                    f"construct {construct}: Cronbach's alpha cannot be computed "
                    f"(too few complete answers, or no variance)",
                )
            elif alpha < scoring["alpha_warning_below"]:
                warn(
                    warnings,
                    f"construct {construct}: Cronbach's alpha {alpha:.2f} is below "
                    f"{scoring['alpha_warning_below']}; its score is unreliable",
                )
    reliability = {"alphas": alphas, "warnings": warnings}
    return pd.DataFrame(scores), to_plain(reliability)
