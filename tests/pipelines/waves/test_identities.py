"""Stable persona identities: matching to the previous wave, new ids, retired personas, refit: false."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.pipelines.personas.identities import (
    align_personas,
    centroid_distances,
    model_centroids,
    record_persona_identities,
)
from segmentation.pipelines.personas.model import make_persona_model
from segmentation.pipelines.personas.naming import name_all
from segmentation.pipelines.personas.nodes import assign_survey_personas, name_personas

COLUMNS = ["c1", "c2", "c3", "c4"]
NO_HR = pd.DataFrame({"pid": []})  # these models have no HR covariates
NO_COVARIATES = {"covariates": None, "predict_chunk_rows": 50}
FIRST = {
    "wave": None,
    "source": None,
    "persona_model": None,
    "identities": None,
    "assignments": None,
}


def blobs(centres: list[list[float]], n: int = 120, seed: int = 0) -> pd.DataFrame:
    """``n`` people around each centre (sd 0.3), in the order of ``centres``."""
    rng = np.random.default_rng(seed)
    rows = [np.asarray(c) + rng.normal(0, 0.3, (n, len(COLUMNS))) for c in centres]
    return pd.DataFrame(np.vstack(rows), columns=COLUMNS)


def fit(frame: pd.DataFrame, personas_params: dict, k: int):
    params = {**personas_params["model"], "n_init": 4, "covariates": None}
    return make_persona_model(k, params, 0).fit(frame)


def named(alignment: dict) -> dict:
    """The identity record after naming: every persona named after its id."""
    profiles = {
        p["persona_id"]: {
            "name": p["name"] or f"Name {p['persona_id']}",
            "name_he": p.get("name_he") or f"שם {p['persona_id']}",
        }
        for p in alignment["personas"]
    }
    return record_persona_identities(alignment, profiles)


def previous(model, identities: dict, wave: str) -> dict:
    return {
        "wave": wave,
        "source": "latest earlier wave with saved models",
        "persona_model": model,
        "identities": identities,
        "assignments": None,
    }


A, B, C, D, E = [4, 1, 1, 1], [1, 4, 1, 1], [1, 1, 4, 1], [1, 1, 1, 4], [4, 4, 4, 4]
ALIGN = {"max_distance": 0.5}
# One item per basis column, on a 5-point scale.
QUESTIONNAIRE = {
    "scales": {"agree": {"en": ["1", "2", "3", "4", "5"]}},
    "constructs": {c: [f"{c}_item"] for c in COLUMNS},
    "items": {f"{c}_item": {"scale": "agree", "en": c} for c in COLUMNS},
}
REFIT = {"refit": True}


@pytest.fixture()
def first_wave(personas_params):
    frame = blobs([A, B, C], seed=1)
    model = fit(frame, personas_params, 3)
    used, alignment = align_personas(model, FIRST, REFIT, ALIGN, "2026-03", QUESTIONNAIRE)
    return frame, model, named(alignment)


def _id_of(identities: dict, model, centre: list[float]) -> str:
    """The persona id of the cluster whose centre is nearest ``centre``."""
    centres = model_centroids(model).to_numpy()
    cluster = int(np.argmin(((centres - np.asarray(centre)) ** 2).sum(axis=1)))
    return next(p["persona_id"] for p in identities["personas"] if p["cluster"] == cluster)


def test_first_wave_numbers_personas_in_canonical_order(first_wave):
    _, _, identities = first_wave
    assert [p["persona_id"] for p in identities["personas"]] == ["P1", "P2", "P3"]
    assert all(p["status"] == "new" for p in identities["personas"])
    assert identities["previous_wave"] is None and identities["retired"] == []
    assert identities["used_ids"] == ["P1", "P2", "P3"]


def test_matched_personas_keep_id_and_name_new_get_a_fresh_id_lost_are_retired(
    first_wave, personas_params
):
    _, model_1, ids_1 = first_wave
    # next wave: A and C again (shifted a little, other sizes), B gone, D appears
    frame_2 = blobs([C, D, A], n=100, seed=2) + 0.05
    model_2 = fit(frame_2, personas_params, 3)
    _, alignment = align_personas(
        model_2, previous(model_1, ids_1, "2026-03"), REFIT, ALIGN, "2026-09", QUESTIONNAIRE
    )
    ids_2 = named(alignment)
    for centre in (A, C):
        kept = _id_of(ids_2, model_2, centre)
        assert kept == _id_of(ids_1, model_1, centre)
        entry = next(p for p in ids_2["personas"] if p["persona_id"] == kept)
        assert entry["status"] == "matched" and entry["distance"] < 0.5
        assert entry["name"] == f"Name {kept}"
    assert _id_of(ids_2, model_2, D) == "P4"
    assert [r["persona_id"] for r in ids_2["retired"]] == [_id_of(ids_1, model_1, B)]
    assert ids_2["used_ids"] == ["P1", "P2", "P3", "P4"]

    # a third wave: D gone, E new -> P5; the retired id of B is never reused
    frame_3 = blobs([A, C, E], n=100, seed=3)
    model_3 = fit(frame_3, personas_params, 3)
    _, alignment_3 = align_personas(
        model_3, previous(model_2, ids_2, "2026-09"), REFIT, ALIGN, "2027-03", QUESTIONNAIRE
    )
    assert _id_of(alignment_3, model_3, E) == "P5"
    assert {r["persona_id"] for r in alignment_3["retired"]} == {"P4"}


def test_the_distance_limit_decides_what_still_counts_as_the_same_persona(
    first_wave, personas_params
):
    _, model_1, ids_1 = first_wave
    frame = blobs([A, B, C], seed=4)
    frame["c1"] += 1.5  # every persona moved on c1
    model = fit(frame, personas_params, 3)
    distances = centroid_distances(
        model_centroids(model), pd.DataFrame([p["centroid"] for p in ids_1["personas"]]), model
    )
    assert distances.min(axis=1).min() > 0.5
    _, strict = align_personas(
        model, previous(model_1, ids_1, "2026-03"), REFIT, ALIGN, "2026-09", QUESTIONNAIRE
    )
    assert all(p["status"] == "new" for p in strict["personas"]) and len(strict["retired"]) == 3
    _, lenient = align_personas(
        model,
        previous(model_1, ids_1, "2026-03"),
        REFIT,
        {"max_distance": 5.0},
        "2026-09",
        QUESTIONNAIRE,
    )
    assert all(p["status"] == "matched" for p in lenient["personas"])
    assert {p["persona_id"] for p in lenient["personas"]} == {"P1", "P2", "P3"}


def test_refit_false_types_the_wave_with_the_previous_model(first_wave, personas_params):
    frame_1, model_1, ids_1 = first_wave
    fitted = fit(blobs([A, D], seed=5), personas_params, 2)
    model, alignment = align_personas(
        fitted,
        previous(model_1, ids_1, "2026-03"),
        {"refit": False},
        ALIGN,
        "2026-09",
        QUESTIONNAIRE,
    )
    assert model is model_1
    assert alignment["refit"] is False and alignment["model_from_wave"] == "2026-03"
    assert [p["persona_id"] for p in alignment["personas"]] == [
        p["persona_id"] for p in ids_1["personas"]
    ]
    assert alignment["retired"] == [] and all(
        p["status"] == "matched" for p in alignment["personas"]
    )
    basis = frame_1.assign(pid=[f"p{i}" for i in range(len(frame_1))])[["pid", *COLUMNS]]
    assert (
        assign_survey_personas(model, basis, NO_HR, NO_COVARIATES, alignment)["persona_id"].tolist()
        == assign_survey_personas(model_1, basis, NO_HR, NO_COVARIATES, ids_1)[
            "persona_id"
        ].tolist()
    )


def test_assigned_ids_follow_the_alignment(first_wave):
    frame, model, _ = first_wave
    basis = frame.assign(pid=[f"p{i}" for i in range(len(frame))])[["pid", *COLUMNS]]
    alignment = {
        "personas": [
            {"cluster": 0, "persona_id": "P7"},
            {"cluster": 1, "persona_id": "P2"},
            {"cluster": 2, "persona_id": "P9"},
        ]
    }
    plain = assign_survey_personas(model, basis, NO_HR, NO_COVARIATES)
    aligned = assign_survey_personas(model, basis, NO_HR, NO_COVARIATES, alignment)
    assert (
        aligned["persona_id"].tolist()
        == plain["persona_id"].map({"P1": "P7", "P2": "P2", "P3": "P9"}).tolist()
    )


def test_kept_names_stay_and_new_names_never_repeat_an_earlier_one(personas_params):
    naming = personas_params["naming"]
    statistics = {
        p: {
            "persona_id": p,
            "size": None,
            "share": None,
            "suppressed": True,
            "construct_d": {},
            "hr_d": {},
            "top_traits": [],
        }
        for p in ("P1", "P3", "P4")
    }
    earlier = name_all([statistics["P1"]], naming)[0]  # what a first wave would call such a persona
    alignment = {
        "personas": [
            {"persona_id": "P1", "name": "Desk Veterans", "name_he": "ותיקים שולחניים"},
            {"persona_id": "P3", "name": "Open Trailblazers", "name_he": "פורצי דרך פתוחים"},
            {"persona_id": "P4", "name": None, "name_he": None},
        ],
        "used_names": ["Desk Veterans", "ותיקים שולחניים", earlier["en"], earlier["he"]],
    }
    profiles = name_personas(
        statistics, naming, personas_params["hr_features"], {"constructs": {}}, alignment
    )
    assert (
        profiles["P1"]["name"] == "Desk Veterans" and profiles["P1"]["name_he"] == "ותיקים שולחניים"
    )
    assert profiles["P3"]["name"] == "Open Trailblazers"
    assert (
        profiles["P4"]["name"] not in alignment["used_names"]
        and profiles["P4"]["name_he"] not in alignment["used_names"]
    )
    assert "Desk Veterans" in profiles["P1"]["description"]


def test_refit_false_needs_the_same_basis(first_wave, personas_params):
    _, model_1, ids_1 = first_wave
    other = fit(blobs([A, D]).rename(columns={"c4": "c5"}), personas_params, 2)
    with pytest.raises(ValueError, match="same personas.basis"):
        align_personas(
            other,
            previous(model_1, ids_1, "2026-03"),
            {"refit": False},
            ALIGN,
            "2026-09",
            QUESTIONNAIRE,
        )


def test_waves_with_different_questionnaires_are_not_matched(personas_params, first_wave):
    """The same answers, but wave 2 asks c1 on a 7-point scale: nothing is matched, the record says why."""
    _, model_1, ids_1 = first_wave
    model_2 = fit(blobs([A, B, C], seed=2), personas_params, 3)
    seven = {
        **QUESTIONNAIRE,
        "scales": {**QUESTIONNAIRE["scales"], "agree7": {"en": [str(i) for i in range(1, 8)]}},
        "items": {**QUESTIONNAIRE["items"], "c1_item": {"scale": "agree7", "en": "c1"}},
    }
    _, same = align_personas(
        model_2, previous(model_1, ids_1, "2026-03"), REFIT, ALIGN, "2026-09", QUESTIONNAIRE
    )
    assert (
        same["comparable"] is True
        and len([p for p in same["personas"] if p["status"] == "matched"]) == 3
    )
    _, other = align_personas(
        model_2, previous(model_1, ids_1, "2026-03"), REFIT, ALIGN, "2026-09", seven
    )
    assert other["comparable"] is False and other["not_matched_reason"] == "different_questionnaire"
    assert [p["status"] for p in other["personas"]] == ["new"] * 3
    assert {p["persona_id"] for p in other["personas"]}.isdisjoint(
        {p["persona_id"] for p in ids_1["personas"]}
    )
    assert sorted(p["persona_id"] for p in other["retired"]) == sorted(
        p["persona_id"] for p in ids_1["personas"]
    )
    assert all(p["nearest_previous"] is None for p in other["personas"])
    # translating the labels is not another questionnaire
    hebrew = {
        **QUESTIONNAIRE,
        "scales": {"agree": {"en": ["1", "2", "3", "4", "5"], "he": ["א", "ב", "ג", "ד", "ה"]}},
    }
    _, translated = align_personas(
        model_2, previous(model_1, ids_1, "2026-03"), REFIT, ALIGN, "2026-09", hebrew
    )
    assert translated["comparable"] is True
    with pytest.raises(ValueError, match="other items or scales"):
        align_personas(
            model_2, previous(model_1, ids_1, "2026-03"), {"refit": False}, ALIGN, "2026-09", seven
        )
