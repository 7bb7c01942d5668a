"""The persona model honours scikit-learn's estimator contract.

Each wave's fitted model is pickled and reloaded by the next, so it is
checked as scikit-learn checks its own estimators (as skrub does).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from segmentation.pipelines.personas.model import (
    PersonaClusterer,
    PersonaModel,
    make_answers_model,
    make_hr_features,
)

MODEL_PARAMS = {
    "impute_strategy": "median",
    "n_init": 2,
    "restart_sample_size": 20000,
    "covariance_type": "tied",
    "mixture_sample_size": 20000,
}


@parametrize_with_checks(
    [
        PersonaClusterer(n_clusters=3, n_init=2),
        PersonaClusterer(n_clusters=3, n_init=2, covariance_type="spherical"),
        PersonaModel(answers=make_answers_model(3, MODEL_PARAMS, 0)),
    ]
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "transform", "log_density"])
def test_clusterer_used_before_fit_raises_not_fitted(method):
    with pytest.raises(NotFittedError):
        getattr(PersonaClusterer(), method)(np.zeros((3, 2)))


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_model_used_before_fit_raises_not_fitted(method):
    with pytest.raises(NotFittedError):
        getattr(PersonaModel(answers=make_answers_model(3, MODEL_PARAMS, 0)), method)(
            np.zeros((3, 2))
        )


def _answers(n=60, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = np.repeat([[0.0, 0.0], [4.0, 4.0], [0.0, 4.0]], n // 3, axis=0)
    return pd.DataFrame(centres + rng.normal(0, 0.3, centres.shape), columns=["trust", "time"])


def test_n_iter_counts_the_fit():
    fitted = PersonaClusterer(n_clusters=3, n_init=2).fit(_answers())
    assert fitted.n_iter_ >= 1
    model = PersonaModel(answers=make_answers_model(3, MODEL_PARAMS, 0)).fit(_answers())
    assert model.n_iter_ == model.answers_[-1].n_iter_ >= 1


def test_infinite_and_empty_input_are_refused_but_skipped_answers_are_imputed():
    model = PersonaModel(answers=make_answers_model(3, MODEL_PARAMS, 0))
    answers = _answers()
    with pytest.raises(ValueError, match="infinity"):
        model.fit(answers.replace(answers.iloc[0, 0], np.inf))
    with pytest.raises(ValueError):
        model.fit(answers.iloc[:0])
    answers.iloc[0, 0] = np.nan
    assert model.fit(answers).predict(answers).shape == (len(answers),)


def test_a_frame_at_predict_is_read_by_column_name_and_a_missing_basis_column_is_named():
    answers = _answers()
    model = PersonaModel(answers=make_answers_model(3, MODEL_PARAMS, 0)).fit(answers)
    np.testing.assert_array_equal(model.predict(answers[["time", "trust"]]), model.predict(answers))
    with pytest.raises(ValueError, match=r"lacks the basis columns \['time'\]"):
        model.predict(answers[["trust"]])


def test_covariates_need_a_frame_that_holds_them():
    answers = _answers().assign(department=["a", "b", "c"] * 20)
    model = PersonaModel(
        answers=make_answers_model(3, MODEL_PARAMS, 0),
        covariates=make_hr_features(["department"], []),
    ).fit(answers)
    assert list(model.feature_names_in_) == ["trust", "time"]
    with pytest.raises(ValueError, match="takes a DataFrame"):
        model.predict(answers[["trust", "time"]].to_numpy())
    with pytest.raises(ValueError, match=r"HR covariates \['department'\]"):
        model.predict(answers[["trust", "time"]])
