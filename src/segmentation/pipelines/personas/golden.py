"""The golden questions: the few items that best predict persona, as a short typing tool."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.codebook import Codebook
from segmentation.jsonable import to_plain

from .common import child_seed, ordered_persona_ids
from .model import (
    squared_distances,
)


def _nearest_centroid_accuracy(
    X: np.ndarray, y: np.ndarray, folds: np.ndarray, n_classes: int
) -> float:
    """Cross-validated accuracy of 'closest typical answers wins' on the columns of X."""
    correct = 0
    for f in np.unique(folds):
        train, test = folds != f, folds == f
        sums = np.zeros((n_classes, X.shape[1]))
        np.add.at(sums, y[train], X[train])
        centers = sums / np.maximum(np.bincount(y[train], minlength=n_classes), 1)[:, None]
        correct += (squared_distances(X[test], centers).argmin(axis=1) == y[test]).sum()
    return correct / len(y)


def select_golden_questions(
    item_scores: pd.DataFrame,
    survey_personas: pd.DataFrame,
    questionnaire: dict,
    basis: list[str],
    golden: dict,
    anonymity: dict,
    seed: int,
) -> dict:
    """The 5-8 items that best predict persona, as a short typing tool.

    Greedy forward selection among the items of the basis constructs, judged
    by the cross-validated accuracy of the nearest-typical-answer rule the
    tool itself uses; keeps the fewest items within ``tolerance`` of the best.
    """
    codebook = Codebook.from_params(questionnaire)
    candidates = [
        i for c in basis for i in codebook.constructs.get(c, []) if i in item_scores.columns
    ]
    frame = survey_personas[["pid", "persona_id"]].merge(item_scores, on="pid", how="left")
    ids = ordered_persona_ids(frame["persona_id"])
    y = frame["persona_id"].map({p: i for i, p in enumerate(ids)}).to_numpy()
    items = frame[candidates].astype(float)
    midpoints = pd.Series({i: codebook.item_scale(i).midpoint for i in candidates}, dtype=float)
    X_all = items.fillna(items.median()).fillna(midpoints).to_numpy()
    rng = np.random.default_rng(child_seed(seed, 7))
    idx = rng.choice(len(frame), min(len(frame), int(golden["sample_size"])), replace=False)
    X, ys = X_all[idx], y[idx]
    folds = rng.permutation(np.arange(len(idx)) % int(golden["cv_folds"]))
    chosen: list[int] = []
    path: list[float] = []
    for _ in range(min(int(golden["max_items"]), len(candidates))):
        remaining = [j for j in range(len(candidates)) if j not in chosen]
        scores = [
            _nearest_centroid_accuracy(X[:, [*chosen, j]], ys, folds, len(ids)) for j in remaining
        ]
        best = int(np.argmax(scores))
        chosen.append(remaining[best])
        path.append(scores[best])
    n_min = min(int(golden["min_items"]), len(chosen))
    target = max(path[n_min - 1 :]) - golden["tolerance"]
    n_keep = next(n for n in range(n_min, len(chosen) + 1) if path[n - 1] >= target)
    keep = [candidates[j] for j in chosen[:n_keep]]
    construct_of = {i: c for c, its in codebook.constructs.items() for i in its}
    typical = {}
    for p_i, p in enumerate(ids):
        if (y == p_i).sum() < anonymity["min_group_size"]:
            continue  # a small persona's typical answers would describe a few people
        means = items.loc[y == p_i, keep].mean()
        typical[p] = {
            i: (codebook.item_scale(i).reverse(means[i]) if codebook.items[i].reverse else means[i])
            for i in keep
        }
    return to_plain(
        {
            "items": [
                {
                    "item_id": i,
                    "construct": construct_of.get(i),
                    **{
                        f"text_{language}": codebook.item_text(i, language)
                        for language in codebook.languages
                    },
                    "reverse": codebook.items[i].reverse,
                    "accuracy_up_to_this_item": path[n],
                }
                for n, i in enumerate(keep)
            ],
            "n_items": len(keep),
            "accuracy": path[n_keep - 1],
            "baseline": float(np.bincount(ys).max() / len(ys)),
            "cv_folds": int(golden["cv_folds"]),
            "typical_answers": typical,
            "rule": f"Ask these items (answers {_answer_range(codebook, keep)}as given, before any reverse scoring); for each "
            "persona add up the squared differences between the answers and its typical answers; "
            "the persona with the smallest total is the match.",
        }
    )


def _answer_range(codebook: Codebook, items: list[str]) -> str:
    """``"1-5 "`` when the items share one scale range, else nothing (each item's own range applies)."""
    bounds = {codebook.item_scale(i).bounds for i in items}
    return f"{min(bounds)[0]}-{min(bounds)[1]} " if len(bounds) == 1 else ""
