"""Fixtures of the waves tests: the project's parameters of the stages the waves stage reads."""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.conftest import PROJECT_ROOT, load_parameters


@pytest.fixture(scope="session")
def waves_params() -> dict:
    return load_parameters("waves")["waves"]


@pytest.fixture()
def adoption(waves_params) -> dict:
    return copy.deepcopy(waves_params["adoption"])


@pytest.fixture()
def gamification(waves_params) -> dict:
    return copy.deepcopy(waves_params["gamification"])


@pytest.fixture(scope="session")
def personas_params() -> dict:
    return load_parameters("personas")["personas"]


@pytest.fixture(scope="session")
def report_params() -> dict:
    return load_parameters("report")["report"]


@pytest.fixture(scope="session")
def anonymity() -> dict:
    with open(PROJECT_ROOT / "conf" / "base" / "parameters.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["anonymity"]
