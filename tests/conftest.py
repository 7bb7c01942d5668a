"""Shared fixtures: the project's own configuration and the contract's examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.config import OmegaConfigLoader

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
CONTRACT_EXAMPLES = SHARED / "contract" / "examples"
REALDATA = SHARED / "realdata"


def load_parameters(name: str) -> dict:
    """One ``parameters_<name>.yml`` as Kedro reads it (``${globals:...}`` resolved)."""
    loader = OmegaConfigLoader(
        str(PROJECT_ROOT / "conf"), base_env="base", default_run_env="base",
        config_patterns={"selected": [f"parameters_{name}*"]},
    )
    return loader["selected"]


@pytest.fixture(scope="session")
def questionnaire() -> dict:
    return load_parameters("questionnaire")["questionnaire"]


@pytest.fixture(scope="session")
def ingestion_params() -> dict:
    return load_parameters("ingestion")


@pytest.fixture(scope="session")
def roster_params(ingestion_params) -> dict:
    return ingestion_params["roster"]


@pytest.fixture(scope="session")
def survey_params(ingestion_params) -> dict:
    return ingestion_params["survey"]


@pytest.fixture()
def contract_examples() -> Path:
    if not CONTRACT_EXAMPLES.is_dir():
        pytest.skip("the shared data contract is not beside this checkout")
    return CONTRACT_EXAMPLES


@pytest.fixture()
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("shared/realdata is not beside this checkout")
    return REALDATA
