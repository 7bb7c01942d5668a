"""Persona names travel in the configured languages, whatever they are: an organisation that
names its personas in English and German gets ``name_de`` across waves, in adoption and in
movement, and no stage asks for a Hebrew name it was never given."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.pipelines.personas.identities import align_personas, record_persona_identities
from segmentation.pipelines.waves.nodes import migrate_personas

from .test_activity_and_adoption import events, flag, summarise_log, world
from .test_identities import ALIGN, FIRST, QUESTIONNAIRE, REFIT, A, B, C, blobs, fit, previous

GERMAN = {"P1": "Eins", "P2": "Zwei", "P3": "Drei", "P4": "Vier"}


def german_named(alignment: dict) -> dict:
    """The identity record after naming in English and German (``name``, ``name_de``)."""
    profiles = {
        p["persona_id"]: {"name": f"Name {p['persona_id']}", "name_de": GERMAN[p["persona_id"]]}
        for p in alignment["personas"]
    }
    return record_persona_identities(alignment, profiles)


def no_hebrew(record) -> bool:
    """Whether nothing in a nested record is keyed ``name_he`` or ``persona_name_he``."""
    if isinstance(record, dict):
        return all(
            k not in ("name_he", "persona_name_he") and no_hebrew(v) for k, v in record.items()
        )
    if isinstance(record, list):
        return all(no_hebrew(v) for v in record)
    return True


def test_identities_keep_every_configured_languages_name_across_waves(personas_params):
    model_1 = fit(blobs([A, B, C], seed=1), personas_params, 3)
    _, first = align_personas(model_1, FIRST, REFIT, ALIGN, "2026-03", QUESTIONNAIRE)
    ids_1 = german_named(first)
    assert [p["name_de"] for p in ids_1["personas"]] == ["Eins", "Zwei", "Drei"]
    assert {"Eins", "Name P1"} <= set(ids_1["used_names"]) and no_hebrew(ids_1)

    model_2 = fit(blobs([A, B, C], n=100, seed=2) + 0.05, personas_params, 3)
    _, second = align_personas(
        model_2, previous(model_1, ids_1, "2026-03"), REFIT, ALIGN, "2026-09", QUESTIONNAIRE
    )
    # before this wave is named, each matched persona already carries both of its names
    assert all(p["status"] == "matched" for p in second["personas"])
    assert {p["persona_id"]: p["name_de"] for p in second["personas"]} == {
        "P1": "Eins",
        "P2": "Zwei",
        "P3": "Drei",
    }
    assert no_hebrew(second)


def german_naming(personas_params) -> dict:
    naming = dict(personas_params["naming"])
    naming["languages"] = ["en", "de"]
    naming["unassigned"] = {"id": "unassigned", "en": "Unassigned", "de": "Nicht zugeordnet"}
    return naming


def test_adoption_and_its_summary_name_personas_in_the_configured_languages(
    adoption, personas_params, anonymity
):
    employees, hr, assignments = world({"A": 40, "B": 40})
    assignments = assignments.drop(columns="persona_name_he").assign(
        persona_name_de=assignments["persona_id"].map(GERMAN)
    )
    nobodys = ["persona_id", "persona_name", "persona_name_de"]
    assignments.loc[:5, nobodys] = None  # six people with no persona
    log = events([("p000", "2026-09-20", "visit")])
    bands = {"breaks": [30], "labels": {"de": ["unter 30", "ab 30"]}}  # stored in German
    hr["age_band"] = hr["age_band"].map({"under 30": "unter 30", "30-39": "ab 30"})
    hr_features = {**personas_params["hr_features"], "age_bands": bands}
    params = {
        **personas_params,
        "naming": german_naming(personas_params),
        "hr_features": hr_features,
    }
    people = flag(log, employees, hr, assignments, adoption, params)
    assert "persona_name_de" in people and "persona_name_he" not in people
    assert list(people["age_band"].cat.categories) == ["unter 30", "ab 30"]
    assert people["age_band"].notna().all()
    assert people.loc[people["pid"] == "p000", "persona_name_de"].item() == "Nicht zugeordnet"
    summary = summarise_log(log, people, assignments, adoption, anonymity)
    by_persona = {row["key"]: row for row in summary["groups"]["persona"]}
    assert by_persona["P1"]["name_de"] == "Eins" and by_persona["P2"]["name_de"] == "Zwei"
    assert by_persona["unassigned"]["name_de"] == "Nicht zugeordnet"
    assert [(p["persona_id"], p["name_de"]) for p in summary["persona_sizes"]] == [
        ("P1", "Eins"),
        ("P2", "Zwei"),
    ]
    assert no_hebrew(summary)


def test_movement_names_personas_in_the_languages_the_assignments_carry(anonymity):
    n = 200
    rng = np.random.default_rng(5)
    before = rng.choice(["P1", "P2"], n)
    after = np.where(rng.random(n) < 0.2, "P3", before)

    def frame(persona):
        return pd.DataFrame(
            {
                "pid": [f"p{i}" for i in range(n)],
                "persona_id": persona,
                "persona_name": [f"Name {p}" for p in persona],
                "persona_name_de": [GERMAN[p] for p in persona],
                "assignment_source": "survey",
                "confidence": 0.99,
            }
        )

    out = migrate_personas(
        frame(after),
        {"wave": "2026-03", "assignments": frame(before)},
        {"min_confidence": 0.9},
        anonymity,
        {"comparable": True},
    )
    assert {f["persona_id"]: f["name_de"] for f in out["net_flows"]} == {
        "P1": "Eins",
        "P2": "Zwei",
        "P3": "Drei",
    }
    assert no_hebrew(out)
