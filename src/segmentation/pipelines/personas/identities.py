"""Stable persona identities across survey waves.

A wave after the first aligns its personas to the previous wave's: the
centroids of both waves, in basis units, are put on one scale (this wave's
standardisation) and matched one to one by the Hungarian algorithm
(:func:`scipy.optimize.linear_sum_assignment`) on their distance, the root
mean square difference per basis column in standard deviations. A pair
further apart than ``personas.alignment.max_distance`` is no match.

* a matched persona keeps the previous wave's id and name;
* an unmatched persona of this wave gets a new id, one number above every id
  ever used, and a new name that no earlier persona had;
* a previous persona left unmatched is *retired*.

Waves asked with different questionnaires (other basis constructs, or the
basis constructs measured by other items or on other scales: see
:func:`questionnaire_fingerprint`) are not matched at all: distances between their centres compare unlike things. Every persona
is new, every previous one retired, and the record says why
(``comparable: false``, ``not_matched_reason``) so the report can.

With ``segmentation.refit: false`` the wave is typed with the previous wave's
saved model: the same personas, ids and names. The first wave (no earlier
models) numbers its personas P1, P2, ... as before.

The record of a wave (``persona_identities``, saved beside the models) keeps
every id and name ever used, so later waves never reuse one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from segmentation.handoff import names_in

from .model import PersonaModel

logger = logging.getLogger(__name__)

ID_PREFIX = "P"
MATCHED, NEW = "matched", "new"
DISTANCE_RULE = "root mean square difference per basis column, in standard deviations of this wave's respondents"


DIFFERENT_QUESTIONNAIRE = "different_questionnaire"


def _scale_shape(spec: Any) -> Any:
    """What of a scale changes what its answers mean: its number of points and its range
    settings, not its labels' wording or languages."""
    if not isinstance(spec, Mapping):
        return spec
    lists = [len(v) for v in spec.values() if isinstance(v, list)]
    shape = {str(k): v for k, v in spec.items() if not isinstance(v, list | Mapping)}
    return {**shape, **({"points": max(lists)} if lists else {})}


def questionnaire_fingerprint(questionnaire: Mapping[str, Any], basis: list[str]) -> str:
    """A short hash of how the basis constructs are measured: their items, scales and reverse coding.

    Two waves with the same fingerprint asked the basis the same way; HR
    features in the basis (``age``) are not part of it.
    """
    constructs = questionnaire.get("constructs") or {}
    items = questionnaire.get("items") or {}
    scales = questionnaire.get("scales") or {}
    measured = {}
    for name in sorted(c for c in basis if c in constructs):
        measured[name] = [
            [
                str(i),
                _scale_shape(
                    scales.get(items.get(i, {}).get("scale"), items.get(i, {}).get("scale"))
                ),
                bool(items.get(i, {}).get("reverse", False)),
            ]
            for i in constructs[name]
        ]
    return hashlib.sha256(
        json.dumps(measured, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()[:16]


def id_number(persona_id: str) -> int:
    """The number of a persona id (``P12`` -> 12); 0 for an id of another form."""
    text = str(persona_id)
    return (
        int(text[len(ID_PREFIX) :])
        if text.startswith(ID_PREFIX) and text[len(ID_PREFIX) :].isdigit()
        else 0
    )


def model_centroids(model: PersonaModel) -> pd.DataFrame:
    """Each persona centre of a fitted persona model in basis units (after imputation).

    Rows are the model's cluster numbers, columns the basis it was fitted on.
    """
    answers = model.answers_
    centres = answers.named_steps["scale"].inverse_transform(
        answers.named_steps["cluster"].cluster_centers_
    )
    return pd.DataFrame(centres, columns=[str(c) for c in model.feature_names_in_])


def centroid_distances(
    current: pd.DataFrame, previous: pd.DataFrame, model: PersonaModel
) -> np.ndarray:
    """Distances (current x previous) on the basis columns both share, on ``model``'s scale."""
    scale = model.answers_.named_steps["scale"]
    names = [str(c) for c in model.feature_names_in_]
    common = [c for c in current.columns if c in previous.columns and c in names]
    if not common:
        return np.full((len(current), len(previous)), np.inf)
    position = [names.index(c) for c in common]
    mean, sd = (
        scale.mean_[position],
        np.where(scale.scale_[position] > 0, scale.scale_[position], 1.0),
    )
    a = (current[common].to_numpy(dtype=float) - mean) / sd
    b = (previous[common].to_numpy(dtype=float) - mean) / sd
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).mean(axis=2))


def identities_from_model(
    model: PersonaModel, wave: str, profiles: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The identity record of a wave saved before identities were kept: ids P1.. by cluster,
    names from that wave's persona profiles when they are there."""
    centres = model_centroids(model)
    profiles = profiles or {}
    personas = []
    for cluster in range(len(centres)):
        persona_id = f"{ID_PREFIX}{cluster + 1}"
        profile = profiles.get(persona_id, {})
        personas.append(
            {
                "cluster": cluster,
                "persona_id": persona_id,
                "status": NEW,
                "name": None,
                **names_in(profile),
                "centroid": _plain_centroid(centres.iloc[cluster]),
            }
        )
    names = [n for p in personas for n in names_in(p).values() if n]
    return {
        "wave": wave,
        "personas": personas,
        "retired": [],
        "used_ids": [p["persona_id"] for p in personas],
        "used_names": names,
    }


def _plain_centroid(row: pd.Series) -> dict[str, float]:
    return {str(k): round(float(v), 6) for k, v in row.items()}


def _centroid_frame(personas: list[Mapping[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([p["centroid"] for p in personas])


def _previous_identities(previous: Mapping[str, Any]) -> dict[str, Any]:
    identities = previous.get("identities")
    if identities:
        return dict(identities)
    return identities_from_model(
        previous["persona_model"], previous["wave"], previous.get("persona_profiles")
    )


def _first_wave(fitted: PersonaModel, record: dict[str, Any], wave: str) -> dict[str, Any]:
    """The alignment of a wave with no earlier models: personas P1, P2, ... by cluster."""
    if not record["refit"]:
        logger.warning(
            "segmentation.refit is false but no earlier wave has saved models; fitting this wave."
        )
    centres = model_centroids(fitted)
    personas = [
        {
            "cluster": c,
            "persona_id": f"{ID_PREFIX}{c + 1}",
            "status": NEW,
            "previous_persona_id": None,
            "distance": None,
            "name": None,
            "centroid": _plain_centroid(centres.iloc[c]),
        }
        for c in range(len(centres))
    ]
    return {
        **record,
        "refit": True,
        "model_from_wave": str(wave),
        "basis": list(centres.columns),
        "personas": personas,
        "retired": [],
        "used_ids": [p["persona_id"] for p in personas],
        "used_names": [],
    }


def _check_same_basis(model: PersonaModel, basis: list[str], record: dict[str, Any]) -> None:
    """With refit false, the previous model must have been fitted on this wave's basis, asked the same way."""
    columns = list(model_centroids(model).columns)
    previous_wave = record["previous_wave"]
    if not record["comparable"] and columns == basis:
        raise ValueError(
            f"segmentation.refit is false, but wave {previous_wave} asked the basis constructs with other items or "
            "scales than this wave's questionnaire; refit, or use the same questionnaire."
        )
    if columns != basis:
        raise ValueError(
            f"segmentation.refit is false, but wave {previous_wave}'s persona model was fitted on the basis "
            f"{columns} and this wave's basis is {basis}; refit, or use the same personas.basis."
        )


def _previous_personas(
    previous_wave_outputs: Mapping[str, Any],
    before: Mapping[str, Any],
    old: list[dict],
    record: dict[str, Any],
    basis: list[str],
) -> tuple[PersonaModel, dict[str, Any]]:
    """``refit: false``: the previous wave's model, personas, ids and names, unchanged."""
    model = previous_wave_outputs["persona_model"]
    _check_same_basis(model, basis, record)
    centres = model_centroids(model)
    personas = [
        {
            "cluster": p["cluster"],
            "persona_id": p["persona_id"],
            "status": MATCHED,
            "previous_persona_id": p["persona_id"],
            "distance": 0.0,
            "name": None,
            **names_in(p),
            "centroid": _plain_centroid(centres.iloc[p["cluster"]]),
        }
        for p in old
    ]
    logger.info(
        "segmentation.refit is false: wave %s is typed with the persona model of wave %s.",
        record["wave"],
        record["previous_wave"],
    )
    return model, {
        **record,
        "model_from_wave": before.get("model_from_wave", record["previous_wave"]),
        "basis": list(centres.columns),
        "personas": personas,
        "retired": [],
        "used_ids": list(before.get("used_ids") or [p["persona_id"] for p in old]),
        "used_names": list(before.get("used_names") or []),
    }


def _nearest(distances: np.ndarray, index: int, axis: int, comparable: bool) -> int | None:
    """The nearest persona of the other wave to persona ``index`` (None when nothing is comparable)."""
    line = distances[index] if axis == 0 else distances[:, index]
    return int(np.argmin(line)) if len(line) and comparable else None


def _cluster_entries(
    centres: pd.DataFrame,
    old: list[dict],
    distances: np.ndarray,
    match: dict[int, int],
    record: dict[str, Any],
    used_ids: list[str],
) -> list[dict[str, Any]]:
    """Each cluster of this wave: the previous persona it keeps, or a new id past every id used."""
    next_number = max([id_number(i) for i in used_ids] + [0]) + 1
    personas = []
    for cluster in range(len(centres)):
        nearest = _nearest(distances, cluster, 0, record["comparable"])
        entry: dict[str, Any] = {
            "cluster": cluster,
            "nearest_previous": old[nearest]["persona_id"] if nearest is not None else None,
            "nearest_distance": round(float(distances[cluster, nearest]), 6)
            if nearest is not None
            else None,
            "centroid": _plain_centroid(centres.iloc[cluster]),
        }
        kept = old[match[cluster]] if cluster in match else None
        entry.update(
            {
                "persona_id": kept["persona_id"] if kept else f"{ID_PREFIX}{next_number}",
                "status": MATCHED if kept else NEW,
                "previous_persona_id": kept["persona_id"] if kept else None,
                "distance": round(float(distances[cluster, match[cluster]]), 6) if kept else None,
                "name": None,
                **(names_in(kept) if kept else {}),
            }
        )
        if not kept:
            used_ids.append(entry["persona_id"])
            next_number += 1
        personas.append(entry)
    return personas


def _retired(
    old: list[dict],
    personas: list[dict],
    distances: np.ndarray,
    match: dict[int, int],
    comparable: bool,
) -> list[dict[str, Any]]:
    """The previous wave's personas no cluster of this wave kept, with their nearest successor."""
    matched_old = set(match.values())
    retired = []
    for j, p in enumerate(old):
        if j in matched_old:
            continue
        nearest = _nearest(distances, j, 1, comparable) if len(personas) else None
        retired.append(
            {
                "persona_id": p["persona_id"],
                "name": None,
                **names_in(p),
                "nearest_current": personas[nearest]["persona_id"] if nearest is not None else None,
                "nearest_distance": round(float(distances[nearest, j]), 6)
                if nearest is not None
                else None,
            }
        )
    return retired


def _matched_personas(
    fitted: PersonaModel,
    before: Mapping[str, Any],
    old: list[dict],
    record: dict[str, Any],
    max_distance: float,
) -> dict[str, Any]:
    """``refit: true`` after a first wave: this wave's clusters matched one to one to the previous
    personas (Hungarian algorithm), a pair further apart than ``max_distance`` being no match."""
    centres = model_centroids(fitted)
    distances = centroid_distances(centres, _centroid_frame(old), fitted)
    if not record["comparable"]:
        # nothing to compare: no match, and no nearest previous persona either
        distances = np.full((len(centres), len(old)), np.inf)
        logger.warning(
            "Wave %s and wave %s asked different questionnaires (basis %s against %s, or other items or scales): "
            "their personas are not matched; every persona is new.",
            record["wave"],
            record["previous_wave"],
            list(centres.columns),
            record["previous_basis"],
        )
    rows, cols = linear_sum_assignment(np.where(np.isfinite(distances), distances, 1e9))
    match = {
        int(r): int(c) for r, c in zip(rows, cols, strict=True) if distances[r, c] <= max_distance
    }
    used_ids = list(before.get("used_ids") or [p["persona_id"] for p in old])
    personas = _cluster_entries(centres, old, distances, match, record, used_ids)
    retired = _retired(old, personas, distances, match, record["comparable"])
    logger.info(
        "Wave %s aligned to wave %s: %d personas matched, %d new, %d retired.",
        record["wave"],
        record["previous_wave"],
        len(match),
        len(personas) - len(match),
        len(retired),
    )
    return {
        **record,
        "model_from_wave": record["wave"],
        "basis": list(centres.columns),
        "personas": personas,
        "retired": retired,
        "used_ids": used_ids,
        "used_names": list(before.get("used_names") or []),
    }


def align_personas(
    fitted_persona_model: PersonaModel,
    previous_wave_outputs: Mapping[str, Any],
    segmentation_params: Mapping[str, Any],
    alignment_params: Mapping[str, Any],
    wave: str,
    questionnaire: Mapping[str, Any],
) -> tuple[PersonaModel, dict[str, Any]]:
    """This wave's persona model and the persona id of each of its clusters.

    Returns the model to use (the one just fitted, or with ``refit: false``
    the previous wave's) and the alignment: per cluster its id, whether it
    was matched or is new, its distance to the previous persona and, when
    matched, the name it keeps; the retired personas; every id and name used
    so far.
    """
    basis = [str(c) for c in fitted_persona_model.feature_names_in_]
    record: dict[str, Any] = {
        "wave": str(wave),
        "previous_wave": previous_wave_outputs.get("wave"),
        "previous_wave_source": previous_wave_outputs.get("source"),
        "refit": bool(segmentation_params.get("refit", True)),
        "max_distance": float(alignment_params["max_distance"]),
        "distance": DISTANCE_RULE,
        "questionnaire": questionnaire_fingerprint(questionnaire, basis),
        "comparable": True,
    }
    if record["previous_wave"] is None:
        return fitted_persona_model, _first_wave(fitted_persona_model, record, wave)
    before = _previous_identities(previous_wave_outputs)
    old = sorted(before["personas"], key=lambda p: p["cluster"])
    # A record from before fingerprints were kept is compared on the basis columns both share, as then.
    if before.get("questionnaire") not in (None, record["questionnaire"]):
        record.update(
            {
                "comparable": False,
                "not_matched_reason": DIFFERENT_QUESTIONNAIRE,
                "previous_basis": list(before.get("basis") or _centroid_frame(old).columns),
            }
        )
    if not record["refit"]:
        return _previous_personas(previous_wave_outputs, before, old, record, basis)
    return fitted_persona_model, _matched_personas(
        fitted_persona_model, before, old, record, record["max_distance"]
    )


def record_persona_identities(
    persona_alignment: Mapping[str, Any], persona_profiles: Mapping[str, Any]
) -> dict[str, Any]:
    """The wave's identity record, saved beside its models for the next wave: the
    alignment with every persona's final name, and every name used so far."""
    personas = []
    for p in persona_alignment["personas"]:
        profile = persona_profiles.get(p["persona_id"], {})
        personas.append({**p, **names_in(profile)})
    names = list(persona_alignment.get("used_names", []))
    for p in personas:
        names += [n for n in names_in(p).values() if n and n not in names]
    return {**persona_alignment, "personas": personas, "used_names": names}
