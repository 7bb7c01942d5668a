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
def test_with_two_processes_every_other_chart_is_drawn_in_a_helper_process():
    here = _pid()
    drawn = charts.draw_all({"a": _pid, "b": _pid, "c": _pid, "d": _pid}, processes=2)
    assert drawn["a"] == drawn["c"] == here
    assert drawn["b"] == drawn["d"] != here
    again = charts.draw_all({"a": _pid, "b": _pid}, processes=2)
    assert again["b"] == drawn["b"]  # the same helper, not a fork per call
    assert charts.draw_all({"a": _pid}, processes=2) == {"a": here}  # one chart: drawn here


def test_a_chart_that_fails_in_a_worker_fails_the_call():
    with pytest.raises(ValueError, match="cannot be drawn"):
        charts.draw_all({"a": _pid, "b": _fails}, processes=2)


def _labelled_far_outside(style: charts.ChartStyle, label: str):
    fig = style.figure(1.5, width=3.0)
    ax = fig.subplots()
    ax.barh([0, 1], [0.3, 0.6])
    ax.set_yticks([0, 1], [label, "b"])
    ax.set_title("a title above the axes")
    return fig


def test_a_chart_is_cut_to_what_it_draws_as_matplotlib_cuts_it():
    """One rendering with room around the figure gives the picture savefig(bbox_inches="tight")
    gives in two: the same size, the labels outside the figure kept, the same pixels but for
    anti-aliasing at a fraction of a pixel's shift."""
    import io

    import numpy as np
    from PIL import Image

    style = _style()
    label = "a label longer than the room left"
    ours = Image.open(io.BytesIO(charts.to_png(_labelled_far_outside(style, label))))
    buffer = io.BytesIO()
    _labelled_far_outside(style, label).savefig(
        buffer, format="png", bbox_inches="tight", pad_inches=charts.PAD_INCHES, facecolor="white"
    )
    theirs = Image.open(buffer)
    assert ours.size == theirs.size
    assert ours.size[0] > 3.0 * style.params["dpi"]  # wider than the figure: the label is kept
    assert ours.info["dpi"] == pytest.approx(theirs.info["dpi"])
    difference = np.abs(np.asarray(ours, dtype=int) - np.asarray(theirs.convert("RGBA"), dtype=int))
    assert difference.mean() < 8


def test_a_chart_drawing_beyond_the_room_left_around_it_is_still_cut_to_what_it_draws():
    """A label longer than the room (a custom survey's long item) falls back to matplotlib's two passes."""
    import io

    from PIL import Image

    style = _style()
    label = "x" * 400
    png = charts.to_png(_labelled_far_outside(style, label))
    width = Image.open(io.BytesIO(png)).size[0]
    assert width > (3.0 + 2 * charts.ROOM_INCHES) * style.params["dpi"]
    buffer = io.BytesIO()
    _labelled_far_outside(style, label).savefig(
        buffer, format="png", bbox_inches="tight", pad_inches=charts.PAD_INCHES
    )
    assert width == Image.open(buffer).size[0]


def test_the_heatmap_is_the_picture_seaborn_draws():
    """charts._heatmap leaves out seaborn.heatmap's extra rendering of the whole figure, nothing
    else: a matrix with a missing cell and both text colours gives the same pixels."""
    import numpy as np
    import seaborn as sns

    style = _style()
    data = np.array([[0.1, 0.9, np.nan], [0.5, 0.2, 0.7]])
    annot = np.array([["10%", "90%", "–"], ["50%", "20%", "70%"]])
    columns, rows = ["a", "b", "c"], ["one", "two"]

    def drawn(heatmap) -> bytes:
        fig = style.figure(2.0, width=3.0)
        ax = fig.subplots()
        heatmap(ax)
        ax.tick_params(axis="y", rotation=0, length=0)
        return charts.to_png(fig, exact=True)

    ours = drawn(lambda ax: charts._heatmap(ax, data, "crest", (0, 1), annot, columns, rows))
    theirs = drawn(
        lambda ax: sns.heatmap(
            data,
            ax=ax,
            cmap="crest",
            vmin=0,
            vmax=1,
            annot=annot,
            fmt="",
            cbar=False,
            linewidths=1.5,
            linecolor="white",
            annot_kws={"fontsize": 10},
            xticklabels=columns,
            yticklabels=rows,
        )
    )
    assert ours == theirs


# Text as it reaches a chart from a hostile roster or survey, after ingestion's cleaning (control
# characters became spaces): formula prefixes, look-alikes, direction and zero-width marks, an
# emoji, a long name, and TeX between dollar signs, which matplotlib would typeset (or stop on).
HOSTILE_LABELS = [
    "Ops-North =1+1",
    '=HYPERLINK("http://evil.example","x")',
    "@SUM(1)",
    "\uff1d1+1",
    "\u202e\u200f=rtl",
    "\u200b=zw",
    "\U0001f642 =1",
    "R&D $\\undefinedcommand$ costs $5",
    "$x^2$",
    "y" * 300,
]


# DejaVu Sans has no emoji and no full-width equals sign: matplotlib says so and draws a box
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font:UserWarning")
@pytest.mark.parametrize("rtl", [False, True])
def test_every_chart_draws_any_text_as_written(rtl):
    """A unit named ``$\\undefinedcommand$`` stopped the run (matplotlib's mathtext); ``$x^2$`` was typeset.

    The trait dots are on a 1-7 scale (a 7-point survey's axis)."""
    from segmentation.pipelines.waves.progress_charts import progress_chart

    style, labels = _style(rtl), HOSTILE_LABELS
    shares = [0.1 * (i % 10) or None for i in range(len(labels))]
    drawn = charts.draw_all(
        {
            "bars": partial(charts.hbar_shares, style, labels, shares, title=labels[7]),
            "stacked": partial(
                charts.stacked_shares,
                style,
                labels,
                labels[:2],
                [[0.3, 0.7]] * len(labels),
                ["#111", "#999"],
                title=labels[8],
                hidden_label=labels[0],
            ),
            "grouped": partial(
                charts.grouped_shares,
                style,
                labels[:4],
                {labels[7]: [0.2] * 4, labels[8]: [0.5] * 4},
                ["#111", "#999"],
                title=labels[6],
            ),
            "heatmap": partial(
                charts.heatmap_shares,
                style,
                labels,
                labels[7:9],
                [[0.5, None]] * len(labels),
                title=labels[9],
            ),
            "traits": partial(
                charts.trait_dots,
                style,
                labels,
                [6.5] * len(labels),
                [3.0] * len(labels),
                labels[7],
                labels[8],
                (1, 7),
            ),
            "progress": partial(
                progress_chart,
                style,
                labels[7],
                labels[8],
                labels[0],
                labels[:3],
                {"2026-03": [0.2, None, 0.4], labels[8]: [0.3, 0.5, None]},
                [0.5, None, 0.6],
                labels[1],
                "–",
            ),
        }
    )
    assert list(drawn) == ["bars", "stacked", "grouped", "heatmap", "traits", "progress"]
    assert all(png.startswith(b"\x89PNG") for png in drawn.values())
