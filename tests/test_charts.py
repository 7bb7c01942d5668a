"""Charts drawn in several processes: the same pictures, in the same order, as drawn in one."""

from __future__ import annotations

import os
import sys
from functools import partial

import pytest

from segmentation import charts
from tests.conftest import load_parameters


def _style(rtl: bool = False) -> charts.ChartStyle:
    return charts.ChartStyle(load_parameters("report")["report"]["charts"], rtl=rtl)


def _jobs() -> dict:
    style, hebrew = _style(), _style(rtl=True)
    return {
        "bars": partial(charts.hbar_shares, style, ["a", "b", "c"], [0.4, None, 0.1]),
        "stacked": partial(
            charts.stacked_shares, hebrew, ["שורה"], ["x", "y"], [[0.3, 0.7]], ["#111", "#999"]
        ),
        "heatmap": partial(charts.heatmap_shares, style, ["r1", "r2"], ["m"], [[0.5], [None]]),
        "traits": partial(charts.trait_dots, style, ["t"], [4.0], [3.0], "p", "all", (1, 5)),
    }


def test_charts_drawn_in_two_processes_are_the_bytes_drawn_in_one():
    here = charts.draw_all(_jobs(), processes=1)
    assert all(png.startswith(b"\x89PNG") for png in here.values())
    assert list(here) == list(_jobs())
    there = charts.draw_all(_jobs(), processes=2)
    assert list(there) == list(here)
    assert there == here


def _pid() -> bytes:
    return str(os.getpid()).encode()


def _fails() -> bytes:
    raise ValueError("a chart that cannot be drawn")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="charts are forked on Linux only")
def test_with_two_processes_the_charts_are_drawn_in_other_processes():
    drawn = charts.draw_all({"a": _pid, "b": _pid, "c": _pid}, processes=2)
    assert str(os.getpid()).encode() not in drawn.values()
    assert charts.draw_all({"a": _pid}, processes=2) == {"a": _pid()}  # one chart: drawn here


def test_a_chart_that_fails_in_a_worker_fails_the_call():
    with pytest.raises(ValueError, match="cannot be drawn"):
        charts.draw_all({"a": _pid, "b": _fails}, processes=2)
