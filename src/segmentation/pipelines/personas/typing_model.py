"""Typing non-respondents: a model of persona from HR fields, judged by cross-validation, and every employee's assignment."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import Pipeline

from segmentation.employment import is_active
from segmentation.jsonable import to_plain
from segmentation.parsing import is_in

from .common import child_seed, warn
from .model import (
    make_typing_model,
    predict_in_chunks,
)
from .naming import name_key

logger = logging.getLogger(__name__)


def _typing_features(typing_params: dict) -> list[str]:
    return [*typing_params["categorical"], *typing_params["numeric"]]


def train_typing_model(
    survey_personas: pd.DataFrame, hr_features: pd.DataFrame, typing_params: dict, seed: int
) -> tuple[Pipeline, dict]:
    """Learn persona from HR fields on respondents; judge it by cross-validation.

    Cross-validated accuracy is reported beside the majority-class baseline
    and the expected calibration error of the cross-validated probabilities.
    """
    warnings: list[str] = []
    frame = survey_personas.merge(hr_features, on="pid", how="left", suffixes=("", "_hr"))
    X, y = frame[_typing_features(typing_params)], frame["persona_id"].astype(str).to_numpy()
    if not _typing_features(typing_params):
        # An anonymous survey with no demographic the roster holds: nothing to
        # type on, so no employee is placed (assign_personas leaves them unassigned).
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
            "fit_rows": len(y),
            "warnings": warnings,
        }
        return DummyClassifier(strategy="prior").fit(X, y), to_plain(evaluation)
    rng = np.random.default_rng(child_seed(seed, 4))
    cv_idx = np.sort(
        rng.choice(len(frame), min(len(frame), int(typing_params["cv_sample_size"])), replace=False)
    )
    folds = min(int(typing_params["cv_folds"]), int(pd.Series(y[cv_idx]).value_counts().min()))
    evaluation: dict[str, Any] = {
        "features": _typing_features(typing_params),
        "n_train": len(frame),
    }
    if folds >= 2:
        cv = StratifiedKFold(folds, shuffle=True, random_state=child_seed(seed, 5))
        Xs, ys = X.iloc[cv_idx], y[cv_idx]
        proba = cross_val_predict(
            make_typing_model(typing_params, child_seed(seed, 6)),
            Xs,
            ys,
            cv=cv,
            method="predict_proba",
        )
        classes = np.unique(ys)
        correct = classes[proba.argmax(axis=1)] == ys
        confidence = proba.max(axis=1)
        bins = np.minimum(
            (confidence * typing_params["calibration_bins"]).astype(int),
            typing_params["calibration_bins"] - 1,
        )
        ece = sum(
            abs(correct[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).mean()
            for b in np.unique(bins)
        )
        baseline = cross_val_score(DummyClassifier(strategy="most_frequent"), Xs, ys, cv=cv).mean()
        evaluation.update(
            {
                "cv_folds": folds,
                "cv_rows": len(cv_idx),
                "accuracy": correct.mean(),
                "baseline": baseline,
                "expected_calibration_error": ece,
            }
        )
        if correct.mean() < baseline + typing_params["min_gain_over_baseline"]:
            warn(
                warnings,
                f"HR fields barely predict persona (accuracy {correct.mean():.2f} vs baseline "
                f"{baseline:.2f} for always the largest persona, typing on "
                f"{', '.join(_typing_features(typing_params))}); inferred personas for non-respondents are weak",
            )
    else:
        evaluation.update(
            {"cv_folds": 0, "accuracy": None, "baseline": None, "expected_calibration_error": None}
        )
        warn(warnings, "too few respondents per persona to cross-validate the typing model")
    # The final model is fitted on a seeded sample of at most `fit_sample_size`
    # respondents (all when unset): a logit on a few HR fields gains nothing
    # from a million rows, and the fit would cost as much as the rest of the stage.
    fit_size = typing_params.get("fit_sample_size")
    if fit_size and len(frame) > int(fit_size):
        fit_idx = np.sort(
            np.random.default_rng(child_seed(seed, 8)).choice(
                len(frame), int(fit_size), replace=False
            )
        )
        X, y = X.iloc[fit_idx], y[fit_idx]
    evaluation["fit_rows"] = len(y)
    model = make_typing_model(typing_params, child_seed(seed, 6)).fit(X, y)
    evaluation["warnings"] = warnings
    return model, to_plain(evaluation)


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
    ``unassigned`` rather than guessed.
    """
    # Respondents of an anonymous survey are nobody on the roster: they keep
    # their survey persona (for the report) and every employee is inferred.
    survey = survey_personas.assign(assignment_source="survey")
    anonymous = ~is_in(survey["pid"], employees["pid"])
    if anonymous.any():
        logger.info(
            "%d respondents are anonymous: personas from their answers; every active employee is typed",
            int(anonymous.sum()),
        )
    others = employees[
        ~is_in(employees["pid"], survey_personas["pid"])
        & is_active(employees["employment_status"], typing_params["statuses"])
    ][["pid"]]
    X = others.merge(hr_features, on="pid", how="left")[_typing_features(typing_params)]
    unassigned = naming["unassigned"]
    if len(others) and not _typing_features(typing_params):
        confidence, predicted = (
            np.zeros(len(others)),
            np.full(len(others), unassigned["id"], dtype=object),
        )
    elif len(others):
        best, confidence = predict_in_chunks(typing_model, X, typing_params["predict_chunk_rows"])
        predicted = typing_model.classes_[best].astype(object)
        predicted[confidence < typing_params["min_confidence"]] = unassigned["id"]
    else:
        confidence, predicted = np.zeros(0), np.zeros(0, dtype=object)
    inferred = pd.DataFrame(
        {
            "pid": others["pid"].to_numpy(),
            "persona_id": predicted,
            "confidence": confidence,
            "assignment_source": "inferred",
        }
    )
    out = pd.concat([survey, inferred], ignore_index=True)
    languages = list(naming["languages"])
    name_columns = [f"persona_{name_key(lang, languages)}" for lang in languages]
    for lang, column in zip(languages, name_columns, strict=True):
        key = name_key(lang, languages)
        names = {p: v[key] for p, v in persona_profiles.items()} | {
            unassigned["id"]: unassigned[lang]
        }
        out[column] = out["persona_id"].map(names)
    # roster order (anonymous respondents after, in pid order), so the output
    # does not depend on how the inputs were sorted
    row = pd.Series(np.arange(len(employees)), index=employees["pid"].to_numpy())
    position = row.reindex(out["pid"].to_numpy()).to_numpy(dtype=float, copy=True)
    position[np.isnan(position)] = (
        len(employees) + out["pid"][np.isnan(position)].rank(method="first").to_numpy()
    )
    out = out.iloc[np.argsort(position, kind="stable")]
    columns = ["pid", "persona_id", *name_columns, "assignment_source", "confidence"]
    return (
        out[columns]
        .reset_index(drop=True)
        .astype({**dict.fromkeys(columns, "str"), "confidence": float})
    )
