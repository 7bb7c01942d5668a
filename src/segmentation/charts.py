"""Charts of the report: seaborn on matplotlib's Agg canvas, returned as PNG bytes.

No pyplot and no global style change: each chart draws on its own
:class:`~matplotlib.figure.Figure` inside an ``rc_context``, so charts are
the same whatever ran before. PNGs carry no software tag and no date
(``metadata={"Software": None}``), so the same figures give the same bytes.

Hebrew: DejaVu Sans has the Hebrew glyphs. Older matplotlib draws text
strictly left to right (no bidi), newer releases (3.11 with its bundled text
layout engine) lay right-to-left text out themselves. :func:`draws_rtl`
checks once, by rendering, which one is installed; when matplotlib does not
reorder, Hebrew labels are put in visual order by :func:`visual_order` (a
small helper: runs of Latin letters and digits keep their order, the rest is
reversed, brackets mirrored). python-bidi is not used (not a dependency).
"""

from __future__ import annotations

import atexit
import functools
import importlib
import io
import re
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from matplotlib.figure import Figure


class _OnFirstUse:
    """A module imported when a chart first needs it: matplotlib and seaborn (which brings
    scipy.stats) cost seconds to import, and a run that draws nothing should not pay them."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self.name), attribute)


sns = _OnFirstUse("seaborn")
mpl = _OnFirstUse("matplotlib")
patches = _OnFirstUse("matplotlib.patches")
ticker = _OnFirstUse("matplotlib.ticker")
_agg = _OnFirstUse("matplotlib.backends.backend_agg")
_figure = _OnFirstUse("matplotlib.figure")

HEBREW = re.compile(r"[\u0590-\u05FF]")
_LTR_RUN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.,:%/+&'_-]*[A-Za-z0-9%])?")
_MIRROR = str.maketrans("()[]{}<>", ")(][}{><")


def visual_order(text: str) -> str:
    """A right-to-left string in the visual order a left-to-right renderer needs.

    Text without Hebrew letters is returned unchanged. Runs of Latin letters
    and digits ("Teams", "30", "34%") stay as they are and are placed as
    whole runs; the rest is reversed character by character.
    """
    if not text or not HEBREW.search(text):
        return text
    tokens: list[str] = []
    position = 0
    for match in _LTR_RUN.finditer(text):
        tokens.extend(text[position : match.start()])
        tokens.append(match.group(0))
        position = match.end()
    tokens.extend(text[position:])
    return "".join(t if len(t) > 1 else t.translate(_MIRROR) for t in reversed(tokens))


def _render_text(text: str) -> bytes:
    fig = _figure.Figure(figsize=(1.0, 0.4), dpi=50)
    canvas = _agg.FigureCanvasAgg(fig)
    fig.text(0.1, 0.3, text, fontsize=12, family="DejaVu Sans")
    canvas.draw()
    return bytes(canvas.buffer_rgba())


@functools.lru_cache(maxsize=1)
def draws_rtl() -> bool:
    """Whether the installed matplotlib lays out right-to-left text itself.

    With bidi layout, logical "alef bet" is drawn as bet-alef, exactly like
    "bet alef" forced left to right; without it the two differ.
    """
    try:
        return _render_text("\u05d0\u05d1") == _render_text("\u202d\u05d1\u05d0\u202c")
    except Exception:  # noqa: BLE001 - any rendering problem: assume no bidi
        return False


class ChartStyle:
    """Fonts, colours and sizes from ``report.charts``; language-aware text."""

    def __init__(self, charts: Mapping[str, Any], rtl: bool):
        self.params = charts
        self.rtl = rtl
        self.palette = charts["palette"]
        self.rc = {
            "font.family": "sans-serif",
            "font.sans-serif": [charts.get("font_family", "DejaVu Sans"), "DejaVu Sans"],
            "svg.hashsalt": "report",
            # names and answers are drawn as written: a `$` is a dollar sign, never TeX
            # (a unit named `$\x$` stopped the run; `$x^2$` was typeset)
            "text.parse_math": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 9.5,
            "legend.frameon": False,
        }

    def sized(self, font_size: float) -> ChartStyle:
        """The same style with every text at ``font_size`` points (a chart printed at its own size)."""
        style = ChartStyle(self.params, self.rtl)
        style.rc.update(
            {
                key: font_size
                for key in (
                    "axes.titlesize",
                    "axes.labelsize",
                    "xtick.labelsize",
                    "ytick.labelsize",
                    "legend.fontsize",
                )
            }
        )
        return style

    def text(self, value: Any) -> str:
        text = "" if value is None else str(value)
        return visual_order(text) if self.rtl and not draws_rtl() else text

    def figure(
        self, height: float, width: float | None = None, layout: str | None = None
    ) -> Figure:
        fig = _figure.Figure(
            figsize=(width or float(self.params["width"]), height),
            dpi=int(self.params["dpi"]),
            layout=layout,
        )
        _agg.FigureCanvasAgg(fig)
        return fig


def sequential_colours(n: int, name: str = "Blues") -> list[str]:
    """``n`` colours of a sequential seaborn palette, darkest last (the lightest is skipped)."""
    return sns.color_palette(name, n + 1).as_hex()[1:]


# zlib level of the PNGs: the charts' flat colours compress as small at 3 as at Pillow's
# default 6 (the report's 24 charts 803 KB against 812 KB) in half the time.
PNG_COMPRESS_LEVEL = 3


PAD_INCHES = 0.12  # white space around what a chart draws
ROOM_INCHES = 3.0  # room on every side for labels and titles drawn outside the figure


def to_png(fig: Figure, exact: bool = False) -> bytes:
    """PNG bytes of the figure trimmed to what it draws; ``exact`` keeps the figure's own size.

    The same picture as ``savefig(bbox_inches="tight")`` in one rendering
    instead of two (its first pass, to find what is drawn outside the
    figure, cost a quarter of every chart): the figure is drawn once with
    :data:`ROOM_INCHES` of room on every side, its axes and texts where
    they were in inches, and the pixels around what it drew are cut off.
    """
    if exact:
        return _png(fig, _pixels(fig))
    width, height = fig.get_size_inches()
    _make_room(fig, width, height, ROOM_INCHES)
    pixels = _pixels(fig)
    drawn = fig.get_tightbbox(fig.canvas.get_renderer()).padded(PAD_INCHES)
    total_width, total_height = fig.get_size_inches()
    if drawn.x0 < 0 or drawn.y0 < 0 or drawn.x1 > total_width or drawn.y1 > total_height:
        return _saved_tight(fig)  # a label longer than the room: matplotlib's two passes
    # matplotlib's canvas for a box of w x h inches: int(w * dpi) x int(h * dpi) pixels
    dpi = fig.dpi
    left, top = round(drawn.x0 * dpi), round((total_height - drawn.y1) * dpi)
    box = pixels[top : top + int(drawn.height * dpi), left : left + int(drawn.width * dpi)]
    return _png(fig, box)


def _saved_tight(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        metadata={"Software": None},
        bbox_inches="tight",
        pad_inches=PAD_INCHES,
        pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL},
    )
    return buffer.getvalue()


def _make_room(fig: Figure, width: float, height: float, room: float) -> None:
    """``room`` inches more on every side of the figure, everything on it staying where it was."""
    grown_width, grown_height = width + 2 * room, height + 2 * room

    def moved(x: float, y: float) -> tuple[float, float]:
        return (x * width + room) / grown_width, (y * height + room) / grown_height

    fig.set_size_inches(grown_width, grown_height)
    for ax in fig.axes:
        box = ax.get_position(original=True)
        x0, y0 = moved(box.x0, box.y0)
        ax.set_position(
            [x0, y0, box.width * width / grown_width, box.height * height / grown_height]
        )
    for text in fig.texts:
        text.set_position(moved(*text.get_position()))


def _pixels(fig: Figure) -> np.ndarray:
    fig.patch.set_facecolor("white")
    fig.canvas.draw()
    return np.asarray(fig.canvas.get_renderer().buffer_rgba())


def _png(fig: Figure, pixels: np.ndarray) -> bytes:
    """PNG bytes as matplotlib writes them (RGBA, the dpi recorded, no software tag or date)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(
        buffer, format="png", dpi=(fig.dpi, fig.dpi), compress_level=PNG_COMPRESS_LEVEL
    )
    return buffer.getvalue()


def _draw(
    style: ChartStyle, draw, height: float, width: float | None = None, exact: bool = False
) -> bytes:
    """``exact``: the PNG is exactly ``width`` x ``height`` inches at the style's dpi, laid out
    by matplotlib's constrained layout, so a page showing it at that width shows its text at its
    point size."""
    with sns.axes_style("white"), mpl.rc_context(style.rc):
        fig = style.figure(height, width, layout="constrained" if exact else None)
        draw(fig)
        return to_png(fig, exact)


def render_chart(style: ChartStyle, draw, height: float, width: float | None = None) -> bytes:
    """PNG bytes of ``draw(fig)`` in the report's style, for charts drawn by other stages."""
    return _draw(style, draw, height, width)


def _drawn(job: Callable[[], bytes]) -> bytes:
    return job()


@functools.cache
def _helpers(count: int) -> ProcessPoolExecutor:
    """``count`` processes forked from this one once matplotlib and seaborn are loaded (they
    import nothing), kept for the run: forking for every chart node cost about 0.1 s each."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    for module in (sns, mpl, patches, ticker, _agg, _figure):
        importlib.import_module(module.name)
    draws_rtl()
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
    atexit.register(_close_helpers, pool)
    return pool


def _close_helpers(pool: ProcessPoolExecutor) -> None:
    """Stop the helpers while the interpreter is whole: left to garbage collection at exit,
    the pool's clean-up runs after its modules are gone and prints an ignored exception."""
    pool.shutdown()
    _helpers.cache_clear()


def draw_all(jobs: Mapping[str, Callable[[], bytes]], processes: int = 1) -> dict[str, bytes]:
    """The PNG bytes of every chart job (``functools.partial`` of a chart function), by name.

    Each chart costs a tenth of a second or more (most of it matplotlib laying
    out and rendering text), so with ``processes`` > 1 the charts are drawn
    in that many processes at once: this one draws every ``processes``-th
    chart while ``processes`` - 1 helper processes (:func:`_helpers`) draw the
    others. Each chart is drawn the same way wherever it is drawn: the bytes
    do not depend on ``processes``. Helpers are forked on Linux only;
    elsewhere, and for a single chart, the charts are drawn here one after
    the other.
    """
    names = list(jobs)
    count = min(int(processes), len(names))
    if count <= 1 or not sys.platform.startswith("linux"):
        return {name: jobs[name]() for name in names}
    helpers = _helpers(count - 1)
    theirs = {name: helpers.submit(_drawn, jobs[name]) for i, name in enumerate(names) if i % count}
    ours = {name: jobs[name]() for name in names[::count]}
    return {name: ours[name] if name in ours else theirs[name].result() for name in names}


def _pct(value: float | None, hidden: str) -> str:
    return (
        hidden
        if value is None or (isinstance(value, float) and np.isnan(value))
        else f"{value:.0%}"
    )


def hbar_shares(
    style: ChartStyle,
    labels: Sequence[str],
    shares: Sequence[float | None],
    title: str = "",
    hidden_mark: str = "–",
    colour: str | None = None,
    reference: float | None = None,
    reference_label: str = "",
    width: float | None = None,
) -> bytes:
    """Horizontal bars of shares (0-1), largest figure printed at each bar's end."""
    n = max(1, len(labels))
    height = 0.6 + float(style.params["bar_height"]) * n

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        values = [0.0 if v is None else float(v) for v in shares]
        frame = pd.DataFrame({"label": [style.text(x) for x in labels], "value": values})
        sns.barplot(
            data=frame,
            y="label",
            x="value",
            color=colour or style.palette["primary"],
            ax=ax,
            orient="h",
            errorbar=None,
        )
        top = max([0.0, *values]) or 1.0
        for i, v in enumerate(shares):
            ax.text(
                (0 if v is None else v) + top * 0.01,
                i,
                style.text(_pct(v, hidden_mark)),
                va="center",
                fontsize=9.5,
                ha="right" if style.rtl else "left",
            )
        if reference is not None:
            ax.axvline(reference, color=style.palette["secondary"], lw=1.2, ls="--")
            ax.text(
                reference,
                -0.7,
                style.text(reference_label),
                color=style.palette["secondary"],
                fontsize=9,
                ha="center",
            )
        ax.set_xlim(0, min(1.0, top * 1.18) if top > 0 else 1.0)
        ax.xaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("")
        ax.set_ylabel("")
        if title:
            ax.set_title(style.text(title), loc="right" if style.rtl else "left")
        if style.rtl:
            ax.yaxis.tick_right()
            ax.invert_xaxis()
        sns.despine(ax=ax, left=style.rtl, right=not style.rtl, top=True)

    return _draw(style, draw, height, width)


def stacked_shares(
    style: ChartStyle,
    rows: Sequence[str],
    categories: Sequence[str],
    shares: Sequence[Sequence[float | None]],
    colours: Sequence[str],
    title: str = "",
    hidden_label: str = "",
    width: float | None = None,
) -> bytes:
    """100% horizontal stacked bars; hidden cells are left as a grey gap."""
    n = max(1, len(rows))
    height = 0.75 + 0.42 * n

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        for r, row in enumerate(shares):
            left = 0.0
            for c, value in enumerate(row):
                if value is None or (isinstance(value, float) and np.isnan(value)):
                    continue
                ax.barh(
                    r,
                    value,
                    left=left,
                    color=colours[c % len(colours)],
                    edgecolor="white",
                    height=0.7,
                )
                if value >= 0.06:
                    ax.text(
                        left + value / 2,
                        r,
                        f"{value:.0%}",
                        ha="center",
                        va="center",
                        fontsize=9,
                        color="white",
                        fontweight="bold",
                    )
                left += value
            if left < 0.999:
                ax.barh(r, 1.0 - left, left=left, color="#e6e6e6", edgecolor="white", height=0.7)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([style.text(x) for x in rows])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
        handles = [
            patches.Patch(color=colours[i % len(colours)], label=style.text(c))
            for i, c in enumerate(categories)
        ]
        if hidden_label and any(
            v is None or (isinstance(v, float) and np.isnan(v)) for row in shares for v in row
        ):
            handles.append(patches.Patch(color="#e6e6e6", label=style.text(hidden_label)))
        ax.legend(
            handles=handles[::-1] if style.rtl else handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=min(6, len(handles)),
        )
        if title:
            ax.set_title(style.text(title), loc="right" if style.rtl else "left")
        if style.rtl:
            ax.yaxis.tick_right()
            ax.invert_xaxis()
        sns.despine(ax=ax, left=True, right=True)

    return _draw(style, draw, height, width)


def grouped_shares(
    style: ChartStyle,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    colours: Sequence[str],
    title: str = "",
    width: float | None = None,
) -> bytes:
    """Vertical grouped bars: one group per category, one bar per series."""

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        records = [
            {
                "category": style.text(cat),
                "series": style.text(name),
                "value": np.nan if v is None else v,
            }
            for name, values in series.items()
            for cat, v in zip(categories, values, strict=True)
        ]
        frame = pd.DataFrame(records)
        sns.barplot(
            data=frame,
            x="category",
            y="value",
            hue="series",
            palette=list(colours)[: len(series)],
            errorbar=None,
            ax=ax,
        )
        for container in ax.containers:
            ax.bar_label(
                container,
                labels=[
                    ("" if np.isnan(b.get_height()) else f"{b.get_height():.0%}") for b in container
                ],
                fontsize=9,
                padding=2,
            )
        ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.legend(title=None, loc="lower center", bbox_to_anchor=(0.5, 1.02), ncol=len(series))
        if style.rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
        if title:
            ax.set_title(style.text(title), loc="right" if style.rtl else "left")
        sns.despine(ax=ax, left=style.rtl, right=not style.rtl)

    return _draw(style, draw, 2.8, width)


def heatmap_shares(
    style: ChartStyle,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    hidden_mark: str = "–",
    title: str = "",
    scale: tuple[float, float] = (0.0, 1.0),
) -> bytes:
    """Groups by metrics, cells coloured by share on ``scale`` (0-100% unless narrowed); hidden cells grey with a dash."""
    n = max(1, len(rows))
    height = 1.3 + 0.42 * n

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        data = np.array(
            [[np.nan if v is None else float(v) for v in row] for row in values], dtype=float
        ).reshape(len(rows), len(columns))
        cols = ["\n".join(style.text(x) for x in textwrap.wrap(c, 14)) for c in columns]
        rws = [style.text(r) for r in rows]
        if style.rtl:
            data = data[:, ::-1]
            cols = cols[::-1]
        annot = np.array(
            [[hidden_mark if np.isnan(v) else f"{v:.0%}" for v in row] for row in data]
        ).reshape(data.shape)
        ax.set_facecolor("#eeeeee")
        _heatmap(ax, data, style.palette.get("heatmap", "crest"), scale, annot, cols, rws)
        ax.xaxis.tick_top()
        ax.tick_params(axis="x", rotation=0, length=0)
        ax.tick_params(axis="y", rotation=0, length=0)
        if style.rtl:
            ax.yaxis.tick_right()
        if title:
            ax.set_title(style.text(title), loc="right" if style.rtl else "left", pad=28)

    return _draw(style, draw, height)


def _heatmap(
    ax,
    data: np.ndarray,
    cmap: str,
    scale: tuple[float, float],
    annot: np.ndarray,
    columns: Sequence[str],
    rows: Sequence[str],
) -> None:
    """What ``seaborn.heatmap(data, cmap=cmap, vmin, vmax, annot=annot, fmt="", cbar=False,
    linewidths=1.5, linecolor="white", annot_kws={"fontsize": 10})`` draws, without the whole
    rendering of the figure seaborn does only to see whether tick labels overlap (the chart sets
    their rotation itself): a third of every heatmap's time. Missing cells are left empty.
    """
    sns.despine(ax=ax, left=True, bottom=True)
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(data),
        cmap=mpl.colormaps[cmap],
        vmin=scale[0],
        vmax=scale[1],
        linewidths=1.5,
        edgecolor="white",
    )
    ax.set(xlim=(0, data.shape[1]), ylim=(0, data.shape[0]))
    ax.invert_yaxis()
    ax.set(xticks=np.arange(data.shape[1]) + 0.5, yticks=np.arange(data.shape[0]) + 0.5)
    ax.set_xticklabels(columns)
    for label in ax.set_yticklabels(rows, rotation="vertical"):
        label.set_verticalalignment("center")
    ax.set(xlabel="", ylabel="")
    mesh.update_scalarmappable()
    for (y, x), value, colour in zip(
        np.ndindex(data.shape), mesh.get_array().flat, mesh.get_facecolors(), strict=True
    ):
        if value is not np.ma.masked:
            ax.text(
                x + 0.5,
                y + 0.5,
                annot[y, x],
                color=".15" if sns.utils.relative_luminance(colour) > 0.408 else "w",
                ha="center",
                va="center",
                fontsize=10,
            )


def data_range(values: Sequence[Sequence[float | None]]) -> tuple[float, float]:
    """The smallest and largest shown share, so that shares that all lie close together (persona
    sizes of 15-25%) still get distinct colours; (0, 1) when nothing is shown."""
    known = [float(v) for row in values for v in row if v is not None and not np.isnan(v)]
    if not known:
        return 0.0, 1.0
    low, high = min(known), max(known)
    return (low, high) if high > low else (max(0.0, low - 0.05), min(1.0, high + 0.05))


def trait_dots(
    style: ChartStyle,
    labels: Sequence[str],
    persona: Sequence[float | None],
    everyone: Sequence[float | None],
    persona_label: str,
    everyone_label: str,
    axis: Sequence[float],
    width: float = 4.4,
    wrap: int = 24,
    exact: bool = False,
) -> bytes:
    """Persona mean (dot) against everyone's mean (tick) on each trait, on the scores' axis (1-5, 1-7, 0-100).

    Labels wrap at ``wrap`` characters and each row is as tall as its label's
    lines at the style's tick font size. ``exact`` draws the PNG at exactly
    ``width`` inches (see :func:`_draw`), for a page column of that width.
    """
    low, high = axis
    ticks = np.arange(low, high + 1) if high - low <= 10 else np.linspace(low, high, 5)
    wrapped = ["\n".join(style.text(x) for x in textwrap.wrap(label, wrap)) for label in labels]
    lines = np.array([max(1, text.count("\n") + 1) for text in wrapped], dtype=float)
    # Row pitch in inches: the label's lines at the tick font size, plus a gap.
    line = float(style.rc["ytick.labelsize"]) / 72 * 1.15
    pitch = lines * line + 0.06
    y = np.cumsum(pitch) - pitch / 2 if len(labels) else np.zeros(0)
    height = 0.65 + float(pitch.sum()) if len(labels) else 1.0

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        for i, (p, e) in enumerate(zip(persona, everyone, strict=True)):
            if p is None or e is None:
                continue
            colour = style.palette["primary"] if p >= e else style.palette["secondary"]
            ax.plot([e, p], [y[i], y[i]], color=colour, lw=2.2, alpha=0.55, solid_capstyle="round")
        ax.scatter(
            [np.nan if e is None else e for e in everyone],
            y,
            marker="|",
            s=160,
            color="#555555",
            label=style.text(everyone_label),
            zorder=3,
        )
        ax.scatter(
            [np.nan if p is None else p for p in persona],
            y,
            s=46,
            color=style.palette["primary"],
            label=style.text(persona_label),
            zorder=4,
        )
        ax.set_yticks(y)
        ax.set_yticklabels(wrapped)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(float(pitch.sum()) if len(labels) else 1.0, 0.0)
        ax.set_xlim(low, high)
        ax.set_xticks(list(ticks))
        ax.grid(axis="x", color="#e5e5e5")
        if exact:  # above the whole figure, inside its width
            fig.legend(loc="outside upper center", ncol=2)
        else:
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
        if style.rtl:
            ax.yaxis.tick_right()
            ax.invert_xaxis()
        sns.despine(ax=ax, left=True, right=True)

    return _draw(style, draw, height, width=width, exact=exact)
