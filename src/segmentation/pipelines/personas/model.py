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
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin, clone
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

# Fits run single-threaded (k-means' OpenMP loops and the BLAS under the
# mixture and the logistic regressions): on samples of a few thousand to
# 20,000 rows threads gain nothing, and on a busy 2-core machine OpenMP's and
# OpenBLAS's busy-waiting made fits 5-50 times slower (k-means 20-50 times;
# the typing model on the shipped sample 6.8 s against 1.3 s).
FIT_THREADS = 1


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
    """K-means with seeded restarts, refined into a Gaussian mixture; canonical labels.

    The restarts run on a seeded sample of at most ``restart_sample_size``
    rows; the best of them seeds one k-means run on all rows. That keeps many
    restarts affordable for 100,000 people without changing the result on
    small data (where the sample is all rows).

    ``covariance_type`` says what a persona's spread may look like:

    * ``"spherical"``: plain k-means. Every persona is a ball of the same
      size; ``predict_proba`` is the posterior of an equal-weight mixture of
      spherical Gaussians with the pooled within-cluster variance.
    * ``"tied"``: the k-means solution seeds a Gaussian mixture whose
      personas share one full covariance matrix (fitted by EM on a seeded
      sample of at most ``mixture_sample_size`` rows). Survey constructs are
      correlated and differ in noise (a one-item construct is noisier than a
      three-item one); the shared covariance weighs them accordingly, where
      k-means treats every direction alike. Boundaries stay linear, as in
      linear discriminant analysis.

    ``log_density`` gives each person's log density under each persona,
    which is what a model with HR covariates combines with its prior.
    ``n_iter_`` counts the iterations of the final k-means run, plus the EM
    iterations of the mixture for ``tied``.
    """

    def __init__(
        self,
        n_clusters: int = 4,
        n_init: int = 20,
        restart_sample_size: int = 20000,
        covariance_type: str = "tied",
        mixture_sample_size: int = 20000,
        max_iter: int = 300,
        random_state: int = 0,
    ):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.restart_sample_size = restart_sample_size
        self.covariance_type = covariance_type
        self.mixture_sample_size = mixture_sample_size
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type must be one of {list(COVARIANCE_TYPES)}, not {self.covariance_type!r}"
            )
        with threadpool_limits(FIT_THREADS):
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
        centres, labels = km.cluster_centers_, km.labels_
        self.inertia_ = float(km.inertia_)
        self.n_iter_ = int(km.n_iter_)
        # pooled within-cluster variance per dimension: the spherical Gaussian's sigma^2
        variance = max(self.inertia_ / (X.shape[0] * X.shape[1]), 1e-12)
        precision_cholesky = np.eye(X.shape[1]) / np.sqrt(variance)
        weights = np.full(self.n_clusters, 1.0 / self.n_clusters)
        if self.covariance_type == "tied":
            mixture_rows = X
            if len(X) > self.mixture_sample_size:
                mixture_rows = X[
                    np.sort(rng.choice(len(X), self.mixture_sample_size, replace=False))
                ]
            mixture = GaussianMixture(
                self.n_clusters,
                covariance_type="tied",
                means_init=centres,
                weights_init=np.bincount(labels, minlength=self.n_clusters) / len(labels),
                reg_covar=1e-4,
                random_state=seed,
            ).fit(mixture_rows)
            centres, weights = mixture.means_, mixture.weights_
            precision_cholesky = mixture.precisions_cholesky_
            self.n_iter_ += int(mixture.n_iter_)
        self.precision_cholesky_ = precision_cholesky
        self.cluster_centers_ = centres
        self.weights_ = weights
        # X is validated already: label it without a second validation
        labels = posterior(self._log_density(self._distances(X)), np.log(weights)).argmax(axis=1)
        order = canonical_order(labels, centres)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.cluster_centers_ = centres[order]
        self.weights_ = weights[order]
        self.labels_ = rank[labels]

    def transform(self, X) -> np.ndarray:
        """Squared (Mahalanobis, for ``tied``) distance to each persona centre."""
        check_is_fitted(self, "cluster_centers_")
        return self._distances(validate_data(self, X, dtype=np.float64, reset=False))

    def _distances(self, X: np.ndarray) -> np.ndarray:
        return squared_distances(
            X @ self.precision_cholesky_, self.cluster_centers_ @ self.precision_cholesky_
        )

    def log_density(self, X) -> np.ndarray:
        """Log density of every row under every persona's Gaussian (N x k)."""
        return self._log_density(self.transform(X))

    def _log_density(self, distances: np.ndarray) -> np.ndarray:
        d = self.cluster_centers_.shape[1]
        log_det = np.log(np.diag(self.precision_cholesky_)).sum()
        return -0.5 * (d * np.log(2 * np.pi) + distances) + log_det

    def predict(self, X) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        return posterior(self.log_density(X), np.log(self.weights_))


COVARIANCE_TYPES = ("spherical", "tied")


def posterior(log_density: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    """Normalised ``exp(log_density + log_prior)`` per row, computed without overflow."""
    logits = log_density + log_prior
    logits = logits - logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)


class ObservedMedian:
    """The median of a column's observed values, by ``np.median`` (a partition): scikit-learn's
    "median" sorts a masked copy of each column (1.5 s against 0.1 s on a million respondents'
    basis). A class for a stable repr (an estimator's repr names its tests)."""

    def __call__(self, values: np.ndarray) -> float:
        return float(np.median(values)) if len(values) else np.nan

    def __repr__(self) -> str:
        return "ObservedMedian()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ObservedMedian)

    def __hash__(self) -> int:
        return hash(ObservedMedian)


median_of_observed = ObservedMedian()


def imputer(strategy: str) -> SimpleImputer:
    """A ``SimpleImputer`` with the named strategy ("median" as :func:`median_of_observed`)."""
    return SimpleImputer(strategy=median_of_observed if strategy == "median" else strategy)


def make_preprocessor(model_params: dict) -> Pipeline:
    """Impute skipped basis values, then put every basis column on one scale."""
    return Pipeline(
        [
            ("impute", imputer(model_params["impute_strategy"])),
            ("scale", StandardScaler()),
        ]
    )


def make_answers_model(n_clusters: int, model_params: dict, seed: int) -> Pipeline:
    """Personas from survey answers alone: impute, scale, cluster."""
    return Pipeline(
        [
            *make_preprocessor(model_params).steps,
            (
                "cluster",
                PersonaClusterer(
                    n_clusters=n_clusters,
                    n_init=model_params["n_init"],
                    restart_sample_size=model_params["restart_sample_size"],
                    covariance_type=model_params["covariance_type"],
                    mixture_sample_size=model_params["mixture_sample_size"],
                    random_state=seed,
                ),
            ),
        ]
    )


def covariate_columns(model_params: dict) -> list[str]:
    """The HR fields the persona model uses as covariates (none when unset)."""
    covariates = model_params.get("covariates") or {}
    return [*covariates.get("categorical", []), *covariates.get("numeric", [])]


def make_persona_model(n_clusters: int, model_params: dict, seed: int) -> PersonaModel:
    """The one estimator saved per wave: the answers model, plus HR covariates when configured."""
    answers = make_answers_model(n_clusters, model_params, seed)
    if not covariate_columns(model_params):
        return PersonaModel(answers=answers, random_state=seed)
    covariates = model_params["covariates"]
    return PersonaModel(
        answers=answers,
        covariates=make_hr_features(covariates["categorical"], covariates["numeric"]),
        regularisation_c=covariates["regularisation_c"],
        em_sample_size=covariates["em_sample_size"],
        em_iterations=covariates["em_iterations"],
        random_state=seed,
    )


class PersonaModel(BaseEstimator):
    """A latent class model of personas: survey answers, optionally with HR covariates.

    Personas are formed by the ``answers`` model (a fitted
    :class:`PersonaClusterer` pipeline): what a persona *is* comes from the
    survey only. With ``covariates`` (HR fields such as department or work
    pattern) the share of each persona may differ between groups of
    employees: the prior of a person's persona is a multinomial logit on
    their HR fields instead of one set of shares for everyone. This is the
    latent class model with concomitant variables of market research (Latent
    GOLD's active covariates; Dayton and Macready 1988), fitted by EM with
    the answer densities held at the answers-only fit: alternate the
    posterior and a weighted logit, on a seeded sample of at most
    ``em_sample_size`` respondents. A person whose answers sit between two
    personas goes to the one more common among people like them.

    ``fit``, ``predict`` and ``predict_proba`` take one frame holding the
    basis columns and the covariate columns; ``feature_names_in_`` is the basis.
    Without covariates they take any 2-d numeric array, as a scikit-learn
    estimator does (NaN allowed: skipped answers are imputed).
    """

    def __init__(
        self,
        answers: Pipeline,
        covariates: ColumnTransformer | None = None,
        regularisation_c: float = 1.0,
        em_sample_size: int = 20000,
        em_iterations: int = 3,
        random_state: int = 0,
    ):
        self.answers = answers
        self.covariates = covariates
        self.regularisation_c = regularisation_c
        self.em_sample_size = em_sample_size
        self.em_iterations = em_iterations
        self.random_state = random_state

    def _covariate_names(self) -> list[str]:
        if self.covariates is None:
            return []
        return [c for _, _, columns in self.covariates.transformers for c in columns]

    def _check_covariates(self, X) -> None:
        if self.covariates is None:
            return
        if not isinstance(X, pd.DataFrame):
            raise ValueError(
                "a persona model with HR covariates takes a DataFrame holding the basis and "
                f"the covariate columns, not {type(X).__name__}"
            )
        missing = [c for c in self._covariate_names() if c not in X.columns]
        if missing:
            raise ValueError(
                f"the persona model uses the HR covariates {missing}, which are not in its input; "
                f"personas.model.covariates must name the fields the model was fitted with"
            )

    def _answers_input(self, X, reset: bool):
        """The basis part of ``X``, validated once; a frame is handed on as a frame.

        At fit the basis is every column that is not a covariate; later, a
        frame may carry more columns (the covariates) and the basis is picked
        by name.
        """
        self._check_covariates(X)
        if isinstance(X, pd.DataFrame):
            if reset:
                covariates = set(self._covariate_names())
                X = X[[c for c in X.columns if c not in covariates]]
            elif hasattr(self, "feature_names_in_"):
                missing = [c for c in self.feature_names_in_ if c not in X.columns]
                if missing:
                    raise ValueError(f"the persona model's input lacks the basis columns {missing}")
                X = X[list(self.feature_names_in_)]
        values = validate_data(
            self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=reset
        )
        return X if isinstance(X, pd.DataFrame) else values

    def fit(self, X, y=None):
        """Fit the answers model on the basis, then (with covariates) the HR prior."""
        basis = self._answers_input(X, reset=True)
        self.answers_ = clone(self.answers).fit(basis)
        self.n_clusters_ = len(self.answers_[-1].cluster_centers_)
        self.n_iter_ = self.answers_[-1].n_iter_
        self.membership_ = None
        if self.covariates is not None:
            with threadpool_limits(FIT_THREADS):
                self._fit_membership(X)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # skipped answers are imputed
        return tags

    def _fit_membership(self, frame: pd.DataFrame) -> None:
        rng = np.random.default_rng(self.random_state)
        rows = np.arange(len(frame))
        if len(frame) > self.em_sample_size:
            rows = np.sort(rng.choice(len(frame), self.em_sample_size, replace=False))
        sample = frame.iloc[rows]
        log_density = self._log_density(sample)
        features = clone(self.covariates).fit(sample[self._covariate_names()])
        H = features.transform(sample[self._covariate_names()])
        classify = LogisticRegression(
            C=self.regularisation_c, max_iter=1000, warm_start=True, random_state=self.random_state
        )
        responsibility = posterior(log_density, np.log(self.answers_[-1].weights_))
        for _ in range(self.em_iterations):
            # a soft-labelled logit: one row per (person, persona) with enough weight
            person, persona = np.nonzero(responsibility > 1e-4)
            if len(np.unique(persona)) < self.n_clusters_:
                break  # a persona has no weight left anywhere: keep the last prior
            classify.fit(H[person], persona, sample_weight=responsibility[person, persona])
            responsibility = posterior(log_density, _log(classify.predict_proba(H)))
        self.membership_ = (
            Pipeline([("features", features), ("classify", classify)])
            if hasattr(classify, "classes_")
            else None
        )

    def _log_density(self, X) -> np.ndarray:
        scaled = self.answers_[:-1].transform(self._answers_input(X, reset=False))
        return self.answers_[-1].log_density(scaled)

    def log_prior(self, X) -> np.ndarray:
        """Each person's prior log probability of each persona (from HR fields, if any)."""
        if self.membership_ is None:
            return np.broadcast_to(np.log(self.answers_[-1].weights_), (len(X), self.n_clusters_))
        return _log(self.membership_.predict_proba(X[self._covariate_names()]))

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "answers_")
        log_density = self._log_density(X)
        return posterior(log_density, self.log_prior(X))

    def predict(self, X) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)


def predict_in_chunks(model, X: pd.DataFrame, chunk_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's most probable class (its index) and that probability, ``chunk_rows`` rows at a time.

    Rows are predicted independently, so the answer is the same as in one
    call; the step's working memory (encoded features, the N x k
    probabilities) is one chunk's, not the whole organisation's.
    """
    best = np.empty(len(X), dtype=np.intp)
    confidence = np.empty(len(X), dtype=float)
    step = max(1, int(chunk_rows))
    for start in range(0, len(X), step):
        proba = model.predict_proba(X.iloc[start : start + step])
        best[start : start + len(proba)] = proba.argmax(axis=1)
        confidence[start : start + len(proba)] = proba.max(axis=1)
    return best, confidence


def _log(probabilities: np.ndarray) -> np.ndarray:
    return np.log(np.clip(probabilities, 1e-300, None))


def make_hr_features(categorical: list[str], numeric: list[str]) -> ColumnTransformer:
    """HR fields as model inputs: one-hot categories (missing is a category), scaled numbers."""
    text = Pipeline(
        [
            ("text", FunctionTransformer(as_category_text, feature_names_out="one-to-one")),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    scaled = Pipeline([("impute", imputer("median")), ("scale", StandardScaler())])
    return ColumnTransformer(
        [("categorical", text, list(categorical)), ("numeric", scaled, list(numeric))]
    )


MISSING_CATEGORY = "missing"


def as_category_text(X: pd.DataFrame) -> pd.DataFrame:
    """Categorical HR fields as plain text, a missing value being its own category."""
    frame = pd.DataFrame(X)
    return pd.DataFrame(
        {i: _category_text(frame.iloc[:, i]) for i in range(frame.shape[1])},
        index=frame.index,
        dtype=object,
    ).set_axis(frame.columns, axis=1)


def _category_text(column: pd.Series) -> np.ndarray:
    """One column of :func:`as_category_text`, as Python strings. Arrow text is filled in
    Arrow and converted once (through objects and back it cost a second per million)."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.fillna(MISSING_CATEGORY).to_numpy(dtype=object)
    values = column.astype(object)
    return values.where(values.notna(), MISSING_CATEGORY).astype(str).to_numpy(dtype=object)


def make_typing_model(typing_params: dict, seed: int) -> Pipeline:
    """Persona from HR fields only: one-hot categories, scaled numbers, multinomial logit.

    Logistic regression is fitted by log loss, a proper scoring rule, so its
    probabilities are calibrated in the sense the summary checks (expected
    calibration error of cross-validated predictions).
    """
    features = make_hr_features(typing_params["categorical"], typing_params["numeric"])
    classifier = LogisticRegression(
        C=typing_params["regularisation_c"], max_iter=2000, random_state=seed
    )
    return Pipeline([("features", features), ("classify", classifier)])
