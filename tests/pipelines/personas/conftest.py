"""Fixtures of the personas tests: the project's parameters and small planted surveys."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml

from segmentation.codebook import Codebook
from segmentation.inmemory import run_in_memory
from segmentation.pipelines.personas import create_pipeline
from tests.conftest import PROJECT_ROOT, load_parameters

PATTERNS = ["office", "hybrid", "remote", "frontline"]


@pytest.fixture(scope="session")
def base_parameters() -> dict:
    """The shipped parameters the personas stage reads."""
    with open(PROJECT_ROOT / "conf" / "base" / "parameters.yml", encoding="utf-8") as handle:
        general = yaml.safe_load(handle)
    return {
        "questionnaire": load_parameters("questionnaire")["questionnaire"],
        "personas": load_parameters("personas")["personas"],
        "anonymity": general["anonymity"],
        "seed": general["seed"],
        "wave": "2026-09",
        "wave_date": None,
    }


@pytest.fixture()
def parameters(base_parameters) -> dict:
    return quick_parameters(base_parameters)


def quick_parameters(base_parameters: dict) -> dict:
    """The shipped parameters with fewer bootstraps and restarts, so tests stay fast."""
    params = copy.deepcopy(base_parameters)
    params["personas"]["k_selection"].update(
        {
            "k_max": 6,
            "sample_size": 1200,
            "silhouette_sample_size": 1200,
            "n_init": 4,
            "n_bootstrap": 6,
        }
    )
    params["personas"]["model"]["n_init"] = 5
    params["personas"]["typing"]["cv_folds"] = 3
    params["personas"]["golden_questions"]["sample_size"] = 800
    return params


def planted_survey(
    questionnaire: dict,
    basis: list[str],
    n: int = 600,
    k: int = 4,
    seed: int = 0,
    noise: float = 0.5,
    n_nonrespondents: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """``employees``, ``item_scores`` (reverse items already scored) and planted personas.

    Persona j is high (4.3) on a distinct block of basis constructs and low
    (1.7) on the rest; the work pattern follows the persona, so HR fields
    predict it.
    """
    rng = np.random.default_rng(seed)
    codebook = Codebook.from_params(questionnaire)
    truth = np.sort(rng.permutation(np.arange(n) % k))
    rng.shuffle(truth)
    blocks = np.arange(len(basis)) % k
    columns = {}
    for construct, items in codebook.constructs.items():
        if construct in basis:
            centre = np.where(blocks[basis.index(construct)] == truth, 4.3, 1.7)
        else:
            centre = np.full(n, 3.0)
        for item in items:
            columns[item] = np.clip(np.rint(centre + rng.normal(0, noise, n)), 1, 5)
    total = n + n_nonrespondents
    persona = np.concatenate([truth, rng.integers(0, k, n_nonrespondents)])
    pids = np.array([f"p{i:05d}" for i in range(total)], dtype=object)
    employees = pd.DataFrame(
        {
            "pid": pids,
            "birth_year": pd.array(rng.integers(1960, 2003, total), dtype="Int64"),
            "hire_date": pd.Timestamp("2026-01-01")
            - pd.to_timedelta(rng.integers(0, 5000, total), unit="D"),
            "department": rng.choice(["Sales", "R&D", "Operations"], total),
            "org_unit": "unit",
            "site": rng.choice(["Haifa", "Tel Aviv"], total),
            "job_level": "individual_contributor",
            "is_people_manager": False,
            "manager_pid": None,
            "work_pattern": np.array(PATTERNS)[persona % 4],
            "employment_status": "active",
            "language": "en",
            "gender": None,
            "responded": np.arange(total) < n,
        }
    )
    item_scores = pd.DataFrame({"pid": pids[:n], **{i: columns[i] for i in codebook.scored_items}})
    item_scores["submitted_at"] = pd.Timestamp("2026-09-05")
    return employees, item_scores, truth


def persona_statistics(parameters, scores, hr, labels, anonymity=None) -> tuple[dict, dict]:
    """``profile_personas`` of respondents labelled 0..k-1 (persona P1..Pk) on the shipped settings."""
    from segmentation.pipelines.personas.nodes import persona_ids, profile_personas

    ids = np.array(persona_ids(int(labels.max()) + 1), dtype=object)
    survey = pd.DataFrame({"pid": scores["pid"], "persona_id": ids[labels], "confidence": 1.0})
    return profile_personas(
        survey,
        scores,
        hr,
        parameters["personas"]["profiles"],
        anonymity or parameters["anonymity"],
        parameters["questionnaire"],
    )


def run_personas(employees: pd.DataFrame, item_scores: pd.DataFrame, parameters: dict) -> dict:
    """Run the real personas pipeline (without cross-wave alignment) with Kedro's runner; every dataset by name."""
    pipeline = create_pipeline(stable_identities=False)
    catalog = run_in_memory(
        pipeline, {"employees": employees, "item_scores": item_scores}, parameters
    )
    return {
        name: catalog.load(name) for name in pipeline.datasets() if not name.startswith("params:")
    }


@pytest.fixture()
def planted(parameters):
    return four_planted_personas(parameters)


def four_planted_personas(parameters: dict):
    """A planted 4-persona survey of 600 respondents plus 150 non-respondents."""
    return planted_survey(
        parameters["questionnaire"],
        parameters["personas"]["basis"],
        n=600,
        k=4,
        n_nonrespondents=150,
    )
