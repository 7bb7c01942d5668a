"""Progress charts: one PNG per unit that can win badges and per language."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from segmentation import charts as ch
from segmentation.anonymity import OTHER
from segmentation.codebook import fall_back_language

if TYPE_CHECKING:  # matplotlib is imported when a chart is first drawn
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)


FILE_SLUG_LENGTH = 32


def file_key(unit: str) -> str:
    """A short, stable file name for a unit, never the raw value.

    The unit's ASCII letters, digits, '-' and '_' (at most 32 characters, so
    a long or non-Latin name never makes a file name the disk refuses) and 8
    hex digits of its SHA-256 (so two units never share a file). The chart's
    title carries the unit's full name.
    """
    slug = (
        re.sub(r"[^A-Za-z0-9\-]+", "_", str(unit)).strip("_-")[:FILE_SLUG_LENGTH].strip("_-")
        or "unit"
    )
    return f"{slug}-{hashlib.sha256(str(unit).encode('utf-8')).hexdigest()[:8]}"


def _mark_targets(ax, style: ch.ChartStyle, targets: Sequence[float | None], label: str) -> None:
    """A line at each measure's target, labelled above it."""
    for m, target in enumerate(targets):
        if target is not None:
            ax.plot([target, target], [m - 0.45, m + 0.45], color=style.palette["secondary"], lw=2)
            ax.text(
                target,
                m - 0.48,
                style.text(f"{label} {target:.0%}"),
                color=style.palette["secondary"],
                fontsize=7.5,
                ha="center",
                va="bottom",
            )


def progress_chart(
    style: ch.ChartStyle,
    title: str,
    subtitle: str,
    footer: str,
    metric_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    targets: Sequence[float | None],
    target_label: str,
    hidden_mark: str,
) -> bytes:
    """One unit's shares per measure, one bar per wave (latest darkest), with each target marked."""
    waves = list(series)
    colours = ch.sequential_colours(len(waves))
    n = len(metric_labels)
    height = 1.5 + 0.32 * n * max(1, len(waves)) + 0.25 * n

    def draw(fig: Figure) -> None:
        from matplotlib.ticker import PercentFormatter

        ax = fig.subplots()
        band = 0.8 / max(1, len(waves))
        for w, wave in enumerate(waves):
            for m, share in enumerate(series[wave]):
                y = m + (w - (len(waves) - 1) / 2) * band
                ax.barh(
                    y,
                    0 if share is None else share,
                    height=band * 0.9,
                    color=colours[w],
                    label=style.text(wave) if m == 0 else None,
                )
                ax.text(
                    (share or 0) + 0.01,
                    y,
                    style.text(hidden_mark if share is None else f"{share:.0%}"),
                    va="center",
                    fontsize=8,
                    ha="right" if style.rtl else "left",
                )
        _mark_targets(ax, style, targets, target_label)
        ax.set_yticks(range(n))
        ax.set_yticklabels([style.text(x) for x in metric_labels])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(
            style.text(title) + "\n" + style.text(subtitle),
            loc="right" if style.rtl else "left",
            y=1.0,
        )
        if footer:
            fig.text(
                0.99 if style.rtl else 0.01,
                0.0,
                style.text(footer),
                ha="right" if style.rtl else "left",
                fontsize=8.5,
            )
        handles, labels = ax.get_legend_handles_labels()
        if len(waves) > 1:
            ax.legend(
                handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.18), ncol=len(waves)
            )
        ax.spines["left"].set_visible(not style.rtl)
        ax.spines["right"].set_visible(style.rtl)
        if style.rtl:
            ax.yaxis.tick_right()
            ax.invert_xaxis()

    return ch.render_chart(style, draw, height, width=6.4)


def _in_language(text: Mapping[str, str], language: str, what: str) -> str:
    """``text`` in ``language``, else in the first language it has (with one warning)."""
    present = [lang for lang, value in text.items() if value]
    return text[fall_back_language(language, present, what)] if present else ""


def draw_progress_charts(
    adoption_summary: Mapping[str, Any],
    adoption_trend: list[dict[str, Any]],
    badges: Mapping[str, Any],
    gamification: Mapping[str, Any],
    report: Mapping[str, Any],
) -> dict[str, bytes]:
    """One PNG per unit that can win badges and language, keyed ``<language>/<unit>``.

    The unit's registered, active and engaged shares in every wave with an
    activity log so far, against the targets, and the badges it holds. A
    share hidden by the anonymity rules is drawn as an empty bar with a dash.
    No activity log this wave: no charts.
    """
    if not adoption_summary.get("activity_log"):
        return {}
    metrics = adoption_summary["metrics"]
    min_size = int(badges.get("min_unit_size") or adoption_summary["min_group_size"])
    units = [
        r["key"]
        for r in adoption_summary["groups"].get("org_unit", [])
        if r["key"] != OTHER and (r.get("population") or 0) >= min_size
    ]
    waves = [t for t in adoption_trend if t["activity_log"]]
    badge_names = {a["badge_id"]: a["name"] for a in badges.get("awards", [])}
    settings = gamification["progress_charts"]
    keys = {unit: file_key(unit) for unit in units}
    jobs: dict[str, Callable[[], bytes]] = {}
    for language in settings["languages"]:
        text = settings["labels"][language]
        style = ch.ChartStyle(report["charts"], rtl=language in settings["rtl_languages"])
        labels = [
            _in_language(m["label"], language, f"adoption metric {m['key']}") for m in metrics
        ]
        targets = [m.get("target") for m in metrics]
        for unit in units:
            series = {
                t["wave"]: [
                    t["groups"].get("org_unit", {}).get(unit, {}).get(m["key"]) for m in metrics
                ]
                for t in waves
            }
            held = [
                _in_language(badge_names[b], language, f"badge {b}")
                for b in badges.get("by_unit", {}).get(unit, [])
            ]
            jobs[f"{language}/{keys[unit]}"] = partial(
                progress_chart,
                style,
                unit,
                text["subtitle"].format(wave=adoption_summary["wave"]),
                text["badges"].format(badges=", ".join(held)) if held else "",
                labels,
                series,
                targets,
                text["target"],
                text["hidden"],
            )
    out = ch.draw_all(jobs, int(report["charts"].get("processes", 1)))
    logger.info("Drew %d progress charts for %d units.", len(out), len(units))
    return out
