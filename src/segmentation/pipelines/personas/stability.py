"""How good is a k-persona solution? Reproducibility, separation and size.

Reproducibility follows the global stability analysis of Dolnicar, Grün and
Leisch (CCEA-style): fit the same k on bootstrap resamples, let every fitted
solution label one common set of points, and average the adjusted Rand index
over all pairs of solutions. Per-persona stability (Hennig's clusterboot) is
the mean best Jaccard overlap of each persona of the reference solution with
the bootstrap solutions: a persona that bootstraps keep splitting or merging
scores low even when the global index looks fine.

Everything here works on a sample, so no step is quadratic in all rows.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from .model import FIT_THREADS, squared_distances


def shuffle_columns(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A structure-free reference: each column permuted on its own.

    Keeps every column's distribution and destroys any joint structure, so
    clusters found here are what k-means finds in data with no personas.
    """
    return np.column_stack([rng.permutation(X[:, j]) for j in range(X.shape[1])])


def contingency(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """k x k counts of points labelled i by ``a`` and j by ``b``."""
    return np.bincount(a * k + b, minlength=k * k).reshape(k, k).astype(float)


def _pairs(counts: np.ndarray) -> float:
    return float((counts * (counts - 1) / 2).sum())


def adjusted_rand(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """Adjusted Rand index of two labellings 0..k-1 (Hubert and Arabie), O(N).

    Same value as scikit-learn's, without its per-call validation, which
    dominated the cost of comparing many bootstrap solutions.
    """
    table = contingency(a, b, k)
    index, rows, cols = _pairs(table), _pairs(table.sum(axis=1)), _pairs(table.sum(axis=0))
    expected = rows * cols / _pairs(np.array([len(a)], dtype=float))
    maximum = (rows + cols) / 2
    return 1.0 if maximum == expected else float((index - expected) / (maximum - expected))


def _best_jaccard(reference: np.ndarray, other: np.ndarray, k: int) -> np.ndarray:
    """For each cluster of ``reference``, its best Jaccard overlap with a cluster of ``other``."""
    table = contingency(reference, other, k)
    union = table.sum(axis=1)[:, None] + table.sum(axis=0)[None, :] - table
    return (table / np.maximum(union, 1)).max(axis=1)


def assess_solution(
    X: np.ndarray,
    k: int,
    *,
    n_init: int,
    n_bootstrap: int,
    bootstrap_n_init: int,
    silhouette_sample_size: int,
    seed: int,
) -> dict:
    """Reproducibility, per-persona stability and silhouette of k clusters in ``X``.

    ``X`` is already a (seeded) sample of the scaled basis. Also returns the
    centroids of the fit on all of ``X``, so a caller can size the personas.
    """
    with threadpool_limits(FIT_THREADS):
        return _assess(X, k, n_init, n_bootstrap, bootstrap_n_init, silhouette_sample_size, seed)


def _assess(X, k, n_init, n_bootstrap, bootstrap_n_init, silhouette_sample_size, seed) -> dict:
    rng = np.random.default_rng(seed)
    reference = KMeans(k, n_init=n_init, random_state=int(rng.integers(2**31 - 1))).fit(X)
    labels = reference.labels_
    predictions = []
    for _ in range(n_bootstrap):
        idx = rng.integers(0, len(X), len(X))
        boot = KMeans(k, n_init=bootstrap_n_init, random_state=int(rng.integers(2**31 - 1)))
        boot.fit(X[idx])
        predictions.append(squared_distances(X, boot.cluster_centers_).argmin(axis=1))
    pair_ari = [adjusted_rand(a, b, k) for a, b in combinations(predictions, 2)]
    jaccard = np.mean([_best_jaccard(labels, p, k) for p in predictions], axis=0)
    n_sil = min(len(X), silhouette_sample_size)
    silhouette = (
        float(silhouette_score(X[:n_sil], labels[:n_sil]))
        if len(np.unique(labels[:n_sil])) > 1
        else float("nan")
    )
    return {
        "reproducibility": float(np.mean(pair_ari)) if pair_ari else float("nan"),
        "reproducibility_sd": float(np.std(pair_ari)) if pair_ari else float("nan"),
        "min_persona_stability": float(jaccard.min()),
        "silhouette": silhouette,
        "centers": reference.cluster_centers_,
    }
