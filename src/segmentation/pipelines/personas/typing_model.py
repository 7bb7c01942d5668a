"""Typing non-respondents: a model of persona from HR fields, judged by cross-validation, and every employee's assignment."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from segmentation.employment import is_active
from segmentation.jsonable import to_plain

from .common import child_seed, warn
from .model import FIT_THREADS, make_typing_model, predict_in_chunks
from .naming import name_key

logger = logging.getLogger(__name__)


def _typing_features(typing_params: dict) -> list[str]:
    return [*typing_params["categorical"], *typing_params["numeric"]]


def positions_in(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """Where each of ``values`` is in ``pool`` (whose values are unique), -1 where it is not.

    One hash lookup (Arrow's, for text): the assignments place every
    respondent on the roster once instead of asking three times.
    """
    try:
        found = pc.index_in(
            pa.array(values, from_pandas=True), value_set=pa.array(pool, from_pandas=True)
        )
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return pd.Index(pool).get_indexer(values)


def _with_hr(survey_rows: pd.DataFrame, hr_features: pd.DataFrame) -> pd.DataFrame:
    """Respondents beside their HR fields."""
    return survey_rows.merge(hr_features, on="pid", how="left", suffixes=("", "_hr"))


def _without_features(survey_personas: pd.DataFrame, hr_features: pd.DataFrame, warnings: list):
    """No HR field to type on (an anonymous survey asking nothing the roster holds): a model
    that places nobody (assign_personas leaves every employee unassigned)."""
    frame = _with_hr(survey_personas, hr_features)
    warn(
        warnings,
        "no HR field to type employees on (personas.typing is empty): no employee is placed in a persona",
    )
    evaluation = {
        "features": [],
        "n_train": len(frame),
        "cv_folds": 0,
        "accuracy": None,
        "baseline": None,
        "expected_calibration_error": None,
        "fit_rows": len(frame),
        "warnings": warnings,
    }
    y = frame["persona_id"].astype(str).to_numpy()
    return DummyClassifier(strategy="prior").fit(frame[[]], y), to_plain(evaluation)


def _calibration_error(correct: np.ndarray, confidence: np.ndarray, n_bins: int) -> float:
    """Expected calibration error: accuracy against confidence, weighted over confidence bins."""
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    return sum(
        abs(correct[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).mean()
        for b in np.unique(bins)
    )


def _cross_validate(X: pd.DataFrame, y: np.ndarray, typing_params: dict, seed: int, warnings):
    """Cross-validated accuracy, majority baseline and calibration of the typing model on (X, y)."""
    folds = min(int(typing_params["cv_folds"]), int(pd.Series(y).value_counts().min()))
    if folds < 2:
        warn(warnings, "too few respondents per persona to cross-validate the typing model")
        return {
            "cv_folds": 0,
            "accuracy": None,
            "baseline": None,
            "expected_calibration_error": None,
        }
    cv = StratifiedKFold(folds, shuffle=True, random_state=child_seed(seed, 5))
    model = make_typing_model(typing_params, child_seed(seed, 6))
    proba = cross_val_predict(model, X, y, cv=cv, method="predict_proba")
    correct = np.unique(y)[proba.argmax(axis=1)] == y
    baseline = cross_val_score(DummyClassifier(strategy="most_frequent"), X, y, cv=cv).mean()
    if correct.mean() < baseline + typing_params["min_gain_over_baseline"]:
        warn(
            warnings,
            f"HR fields barely predict persona (accuracy {correct.mean():.2f} vs baseline "
            f"{baseline:.2f} for always the largest persona, typing on "
            f"{', '.join(_typing_features(typing_params))}); inferred personas for non-respondents are weak",
        )
    return {
        "cv_folds": folds,
        "cv_rows": len(y),
        "accuracy": correct.mean(),
        "baseline": baseline,
        "expected_calibration_error": _calibration_error(
            correct, proba.max(axis=1), int(typing_params["calibration_bins"])
        ),
    }


def _seeded_rows(n: int, size: Any, seed: int) -> np.ndarray:
    """A sorted seeded sample of at most ``size`` of n rows (all of them when size is unset)."""
    if not size or n <= int(size):
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, int(size), replace=False))


def train_typing_model(
    survey_personas: pd.DataFrame, hr_features: pd.DataFrame, typing_params: dict, seed: int
) -> tuple[Pipeline, dict]:
    """Learn persona from HR fields on respondents; judge it by cross-validation.

    Cross-validated accuracy is reported beside the majority-class baseline
    and the expected calibration error of the cross-validated probabilities.
    Both run on seeded samples of respondents (``cv_sample_size``, and
    ``fit_sample_size`` for the final model: a logit on a few HR fields gains
    nothing from a million rows), so only those rows are joined to their HR fields.
    """
    warnings: list[str] = []
    features = _typing_features(typing_params)
    if not features:
        return _without_features(survey_personas, hr_features, warnings)
    n = len(survey_personas)
    rng = np.random.default_rng(child_seed(seed, 4))
    cv_rows = np.sort(rng.choice(n, min(n, int(typing_params["cv_sample_size"])), replace=False))
    fit_rows = _seeded_rows(n, typing_params.get("fit_sample_size"), child_seed(seed, 8))
    evaluation: dict[str, Any] = {"features": features, "n_train": n}
    with threadpool_limits(FIT_THREADS):
        sample = _with_hr(survey_personas.iloc[cv_rows], hr_features)
        y = sample["persona_id"].astype(str).to_numpy()
        evaluation.update(_cross_validate(sample[features], y, typing_params, seed, warnings))
        sample = _with_hr(survey_personas.iloc[fit_rows], hr_features)
        evaluation["fit_rows"] = len(sample)
        model = make_typing_model(typing_params, child_seed(seed, 6)).fit(
            sample[features], sample["persona_id"].astype(str).to_numpy()
        )
    evaluation["warnings"] = warnings
    return model, to_plain(evaluation)


def _roster_hr(hr_features: pd.DataFrame, employees: pd.DataFrame, rows: np.ndarray, features):
    """The typing features of the roster's ``rows``; by position when the HR features are in
    roster order (as derive_hr_features makes them), else by pid."""
    pids = employees["pid"]
    if (
        len(hr_features) >= len(pids)
        and pc.all(
            pc.equal(
                pa.array(hr_features["pid"].iloc[: len(pids)], from_pandas=True),
                pa.array(pids, from_pandas=True),
            )
        ).as_py()
    ):
        return hr_features[features].iloc[rows].reset_index(drop=True)
    wanted = pids.iloc[rows].to_frame().reset_index(drop=True)
    return wanted.merge(hr_features, on="pid", how="left")[features]


def _infer(X: pd.DataFrame, typing_model, typing_params: dict, unassigned_id: str):
    """Each row's inferred persona and its probability; ``unassigned`` under ``min_confidence``."""
    if not len(X) or not _typing_features(typing_params):
        return np.full(len(X), unassigned_id, dtype=object), np.zeros(len(X))
    best, confidence = predict_in_chunks(typing_model, X, typing_params["predict_chunk_rows"])
    predicted = typing_model.classes_[best].astype(object)
    predicted[confidence < typing_params["min_confidence"]] = unassigned_id
    return predicted, confidence


def _arrow_text(values: Any) -> pa.Array:
    """Text values as one Arrow large_string array."""
    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _text_column(labels: Any, codes: np.ndarray) -> pd.Series:
    """A text column from a few labels and each row's label number, built by Arrow in one take."""
    return pd.Series(_arrow_text(list(labels)).take(pa.array(codes)), dtype="str")


def _name_columns(codes: np.ndarray, ids: Any, persona_profiles: dict, naming: dict) -> dict:
    """``persona_name`` (first language) and ``persona_name_<language>`` of each row's persona."""
    unassigned = naming["unassigned"]
    languages = list(naming["languages"])
    columns = {}
    for lang in languages:
        key = name_key(lang, languages)
        names = {p: v[key] for p, v in persona_profiles.items()} | {
            unassigned["id"]: unassigned[lang]
        }
        columns[f"persona_{key}"] = _text_column([names.get(p) for p in ids], codes)
    return columns


def assign_personas(
    employees: pd.DataFrame,
    survey_personas: pd.DataFrame,
    hr_features: pd.DataFrame,
    typing_model: Pipeline,
    persona_profiles: dict,
    typing_params: dict,
    naming: dict,
) -> pd.DataFrame:
    """One row per respondent (persona from the survey) and per active non-respondent (inferred).

    An inferred persona whose probability is under ``min_confidence`` is
    ``unassigned`` rather than guessed. Rows are in roster order, anonymous
    respondents after (in pid order), so the output does not depend on how
    the inputs were sorted.
    """
    # Respondents of an anonymous survey are nobody on the roster: they keep
    # their survey persona (for the report) and every employee is inferred.
    on_roster = positions_in(survey_personas["pid"], employees["pid"])
    anonymous = on_roster < 0
    if anonymous.any():
        logger.info(
            "%d respondents are anonymous: personas from their answers; every active employee is typed",
            int(anonymous.sum()),
        )
    typed = is_active(employees["employment_status"], typing_params["statuses"]).to_numpy(
        dtype=bool, copy=True
    )
    typed[on_roster[~anonymous]] = False
    others = np.flatnonzero(typed)
    X = _roster_hr(hr_features, employees, others, _typing_features(typing_params))
    predicted, confidence = _infer(X, typing_model, typing_params, naming["unassigned"]["id"])
    position = np.concatenate([on_roster, others]).astype(float)
    position[: len(anonymous)][anonymous] = (
        len(employees) + survey_personas["pid"][anonymous].rank(method="first").to_numpy()
    )
    order = np.argsort(position, kind="stable")
    pids = pa.concat_arrays(
        [_arrow_text(survey_personas["pid"]), _arrow_text(employees["pid"]).take(pa.array(others))]
    )
    codes, ids = pd.factorize(
        np.concatenate([survey_personas["persona_id"].to_numpy(dtype=object), predicted])[order]
    )
    return pd.DataFrame(
        {
            "pid": pd.Series(pids.take(pa.array(order)), dtype="str"),
            "persona_id": _text_column(ids, codes),
            **_name_columns(codes, ids, persona_profiles, naming),
            "assignment_source": _text_column(
                ["survey", "inferred"], (order >= len(on_roster)).astype(np.int64)
            ),
            "confidence": np.concatenate(
                [survey_personas["confidence"].to_numpy(dtype=float), confidence]
            )[order],
        }
    )
