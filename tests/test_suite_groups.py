"""The suite's own grouping under pytest-xdist (``xdist_group_of`` in tests/conftest.py)."""

from __future__ import annotations

import os

import pytest

from .conftest import xdist_group_of

MODULE = "tests/test_suite_groups.py"


@pytest.fixture(scope="module")
def shared() -> object:
    """A module-scoped fixture: the tests that use it share one worker."""
    return object()


def test_a_test_using_a_module_fixture_is_grouped_by_its_module(shared, request):
    assert xdist_group_of(request.node) == MODULE
    assert request.node.get_closest_marker("xdist_group").args == (MODULE,)


def test_a_test_sharing_nothing_runs_wherever_a_worker_is_free(request):
    assert xdist_group_of(request.node) is None
    assert request.node.get_closest_marker("xdist_group") is None


@pytest.mark.slow
def test_a_slow_test_is_grouped_by_its_module_so_it_starts_early(request):
    assert xdist_group_of(request.node) == MODULE


def test_tests_of_the_sample_run_or_the_built_reports_share_their_builder(request):
    for item in request.session.items:
        names = set(item.fixturenames)
        if names & {"sample_runs", "stage_rerun"}:
            assert xdist_group_of(item) == "sample_runs", item.nodeid
        elif names & {"english_report", "hebrew_report"}:
            assert xdist_group_of(item) == "built_reports", item.nodeid


@pytest.mark.skipif(
    "PYTEST_XDIST_WORKER" not in os.environ, reason="runs in one process (-n 0): no groups"
)
def test_on_a_worker_the_group_is_in_the_id_xdist_schedules_by(shared, request):
    # pytest 9.2 with xdist 3.8 dropped this suffix silently (pytest-dev/pytest-xdist#1386)
    if request.config.option.loadgroup:  # as xdist sets it on a worker for --dist loadgroup
        assert request.node.nodeid.endswith(f"@{MODULE}")
