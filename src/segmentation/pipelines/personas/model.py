"""The persona model: one scikit-learn estimator, saved per wave.

``make_persona_model`` builds a ``Pipeline`` of median imputation, standard
scaling and :class:`PersonaClusterer`. The clusterer is k-means with seeded
restarts, plus two things plain ``KMeans`` lacks and the personas need:

* canonical cluster numbers (largest persona first, ties broken by centroid),
  so persona ids and names never depend on how k-means happened to number
  its clusters;
* ``predict_proba``, a confidence in 0-1 for every person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

# k-means runs single-threaded: on samples of a few thousand rows threads gain
# nothing, and on a busy 2-core machine OpenMP's busy-waiting made fits 20-50
# times slower.
KMEANS_THREADS = 1


def canonical_order(labels: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Old cluster numbers in canonical order: by size (largest first), then by centroid.

    The order is a property of the partition, not of the numbering, so any
    relabelling of the same clusters gives the same canonical order.
    """
    sizes = np.bincount(labels, minlength=len(centers))
    # lexsort sorts by the last key first: size descending, then centroid values
    keys = [centers[:, j] for j in reversed(range(centers.shape[1]))] + [-sizes]
    return np.lexsort(keys)


def canonical_relabel(labels: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Renumber ``labels`` 0..k-1 in canonical order, using the centroids of ``data``."""
    labels = np.asarray(labels)
    values, codes = np.unique(labels, return_inverse=True)
    centers = np.vstack([np.nanmean(data[codes == c], axis=0) for c in range(len(values))])
    order = canonical_order(codes, centers)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[codes]


def squared_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared Euclidean distance of every row to every centre, O(N k)."""
    return (
        np.einsum("ij,ij->i", X, X)[:, None]
        - 2.0 * X @ centers.T
        + np.einsum("ij,ij->i", centers, centers)[None, :]
    ).clip(min=0.0)


class PersonaClusterer(ClusterMixin, TransformerMixin, BaseEstimator):
    """K-means with seeded restarts, canonical labels and a posterior confidence.

    The restarts run on a seeded sample of at most ``restart_sample_size``
    rows; the best of them seeds one k-means run on all rows. That keeps many
    restarts affordable for 100,000 people without changing the result on
    small data (where the sample is all rows).

    ``predict_proba`` is the posterior of an equal-weight mixture of spherical
    Gaussians centred on the centroids with the pooled within-cluster
    variance: a softmax of negative squared distances divided by twice that
    variance. Its arg-max is exactly ``predict``; a person deep inside a
    persona gets close to 1, a person halfway between two gets about 0.5.
    """

    def __init__(
        self,
        n_clusters: int = 4,
        n_init: int = 20,
        restart_sample_size: int = 20000,
        max_iter: int = 300,
        random_state: int = 0,
    ):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.restart_sample_size = restart_sample_size
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        with threadpool_limits(KMEANS_THREADS):
            self._fit(X)
        return self

    def _fit(self, X: np.ndarray) -> None:
        rng = np.random.default_rng(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        if len(X) > self.restart_sample_size:
            sample = X[rng.choice(len(X), self.restart_sample_size, replace=False)]
            start = KMeans(self.n_clusters, n_init=self.n_init, random_state=seed).fit(sample)
            km = KMeans(
                self.n_clusters, init=start.cluster_centers_, n_init=1, max_iter=self.max_iter
            ).fit(X)
        else:
            km = KMeans(
                self.n_clusters, n_init=self.n_init, max_iter=self.max_iter, random_state=seed
            ).fit(X)
        order = canonical_order(km.labels_, km.cluster_centers_)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.cluster_centers_ = km.cluster_centers_[order]
        self.labels_ = rank[km.labels_]
        self.inertia_ = float(km.inertia_)
        # pooled within-cluster variance per dimension: the Gaussian's sigma^2
        self.within_variance_ = max(self.inertia_ / (X.shape[0] * X.shape[1]), 1e-12)

    def transform(self, X) -> np.ndarray:
        """Squared distance to each persona centre."""
        check_is_fitted(self, "cluster_centers_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return squared_distances(X, self.cluster_centers_)

    def predict(self, X) -> np.ndarray:
        return self.transform(X).argmin(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        logits = -self.transform(X) / (2.0 * self.within_variance_)
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=1, keepdims=True)


def make_preprocessor(model_params: dict) -> Pipeline:
    """Impute skipped basis values, then put every basis column on one scale."""
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy=model_params["impute_strategy"])),
            ("scale", StandardScaler()),
        ]
    )


def make_persona_model(n_clusters: int, model_params: dict, seed: int) -> Pipeline:
    """The one estimator saved per wave: impute, scale, cluster."""
    return Pipeline(
        [
            *make_preprocessor(model_params).steps,
            (
                "cluster",
                PersonaClusterer(
                    n_clusters=n_clusters,
                    n_init=model_params["n_init"],
                    restart_sample_size=model_params["restart_sample_size"],
                    random_state=seed,
                ),
            ),
        ]
    )


MISSING_CATEGORY = "missing"


def as_category_text(X: pd.DataFrame) -> pd.DataFrame:
    """Categorical HR fields as plain text, a missing value being its own category."""
    frame = pd.DataFrame(X).astype(object)
    return frame.where(frame.notna(), MISSING_CATEGORY).astype(str).astype(object)


def make_typing_model(typing_params: dict, seed: int) -> Pipeline:
    """Persona from HR fields only: one-hot categories, scaled numbers, multinomial logit.

    Logistic regression is fitted by log loss, a proper scoring rule, so its
    probabilities are calibrated in the sense the summary checks (expected
    calibration error of cross-validated predictions).
    """
    categorical = Pipeline(
        [
            ("text", FunctionTransformer(as_category_text, feature_names_out="one-to-one")),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    features = ColumnTransformer(
        [
            ("categorical", categorical, list(typing_params["categorical"])),
            ("numeric", numeric, list(typing_params["numeric"])),
        ]
    )
    classifier = LogisticRegression(
        C=typing_params["regularisation_c"], max_iter=2000, random_state=seed
    )
    return Pipeline([("features", features), ("classify", classifier)])
