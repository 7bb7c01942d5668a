"""Fixtures of the campaign tests: one synthetic organisation, run once."""

from __future__ import annotations

import pytest

from .helpers import Campaign, World, make_world, run_campaign


@pytest.fixture(scope="session")
def world() -> World:
    return make_world()


@pytest.fixture(scope="session")
def campaign(world) -> Campaign:
    return run_campaign(world)
