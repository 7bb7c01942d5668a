"""Gamification: badges per org unit, the top contributors, progress charts per unit.

Badges follow the rules in ``waves.gamification.badges``
(``conf/base/parameters_waves.yml``); only units of at least
``min_unit_size`` people (and never fewer than the anonymity threshold) can
win one. The top-contributors list is made from the activity log alone,
never from a survey answer, and leaves out everyone on the opt-out list.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from segmentation import charts as ch
from segmentation.anonymity import OTHER, check_min_group, shown_split
from segmentation.contacts import opted_out_mask
from segmentation.jsonable import to_plain
from segmentation.parsing import is_in
from segmentation.waves import wave_end, wave_sort_key

from .nodes import DAY, in_window, metric_names

logger = logging.getLogger(__name__)

RULES = ("first_to_reach", "highest", "most_improved")
AWARDED, HELD, NOT_AWARDED = "awarded", "held", "not_awarded"
PER_HEAD = "conversations_per_head"


# ------------------------------------------------------------------ unit figures
def unit_figures(
    adoption_people: pd.DataFrame,
    activity: pd.DataFrame,
    metrics: Sequence[str],
    end: pd.Timestamp,
    gamification: Mapping[str, Any],
    min_group: int,
) -> pd.DataFrame:
    """Per org unit: size, whether it can win a badge, each measure's count and share, conversations per head."""
    units = adoption_people.groupby("org_unit")
    table = units.size().to_frame("population")
    for metric in metrics:
        table[metric] = units[metric].sum().astype(int)
        table[f"{metric}_share"] = table[metric] / table["population"]
    spec = gamification["conversations"]
    talk = activity[in_window(activity, spec["actions"], end, spec.get("window_days"))]
    unit_of = adoption_people.set_index("pid")["org_unit"]
    talk_units = unit_of.reindex(talk["pid"]).dropna()
    table["conversations"] = (
        talk_units.value_counts().reindex(table.index, fill_value=0).astype(int)
    )
    table[PER_HEAD] = table["conversations"] / table["population"]
    table["eligible"] = table["population"] >= max(
        min_group, int(gamification.get("min_unit_size") or 0)
    )
    return table.sort_index()


def crossing_days(
    adoption_people: pd.DataFrame,
    activity: pd.DataFrame,
    spec: Mapping[str, Any],
    threshold: float,
    end: pd.Timestamp,
    units: pd.Series,
) -> dict[str, pd.Timestamp]:
    """The first day each unit's share of a measure went past ``threshold``, day by day from the log.

    A person counts on day d when the log has one of the measure's actions in
    the ``window_days`` days up to d (or at any time up to d without a
    window), exactly as the measure is defined at the wave's end.
    """
    members = adoption_people.loc[
        adoption_people["org_unit"].isin(units.index), ["pid", "org_unit"]
    ]
    rows = activity[
        activity["action"].isin(list(spec["actions"])) & (activity["timestamp"] < end + DAY)
    ]
    days = (
        rows.assign(day=rows["timestamp"].dt.normalize())[["pid", "day"]]
        .drop_duplicates()
        .merge(members, on="pid")
        .sort_values(["pid", "day"], kind="stable")
    )
    if days.empty:
        return {}
    first = days["day"].min()
    n_days = int((end - first).days) + 1
    day = (days["day"] - first).dt.days.to_numpy()
    person = pd.factorize(days["pid"])[0]
    window = spec.get("window_days")
    if window:
        # merge each person's windows [visit, visit + window - 1] into spells
        starts = np.r_[True, (person[1:] != person[:-1]) | (day[1:] > day[:-1] + int(window))]
        begin = np.flatnonzero(starts)
        stop = np.minimum(np.maximum.reduceat(day, begin) + int(window) - 1, n_days - 1)
        spell_start = day[begin]
    else:
        begin = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])
        spell_start = day[begin]
        stop = np.full(len(begin), n_days - 1)
    unit_codes, unit_names = pd.factorize(days["org_unit"].to_numpy()[begin])
    change = np.zeros((len(unit_names), n_days + 1), dtype=np.int64)
    np.add.at(change, (unit_codes, spell_start), 1)
    np.add.at(change, (unit_codes, stop + 1), -1)
    counting = change.cumsum(axis=1)[:, :n_days]
    shares = counting / units.reindex(unit_names).to_numpy(dtype=float)[:, None]
    out = {}
    for i, unit in enumerate(unit_names):
        past = np.flatnonzero(shares[i] > threshold)
        if len(past):
            out[str(unit)] = first + int(past[0]) * DAY
    return out


def _held(
    badge_id: str, wave_history: Mapping[str, Any], wave: str
) -> tuple[list[str], str] | None:
    """The units that won a once-only badge in an earlier wave, and that wave."""
    for w in sorted(wave_history, key=wave_sort_key):
        if wave_sort_key(w) >= wave_sort_key(wave):
            continue
        for award in (wave_history[w].get("badges") or {}).get("awards", []):
            if (
                award.get("badge_id") == badge_id
                and award.get("status") in (AWARDED, HELD)
                and award.get("units")
            ):
                return list(award["units"]), award.get("since") or w
    return None


def _previous_shares(
    wave_history: Mapping[str, Any], wave: str, metric: str
) -> tuple[str | None, dict[str, float]]:
    """Each unit's share of ``metric`` in the latest earlier wave that had an activity log."""
    earlier = [
        w
        for w, e in wave_history.items()
        if wave_sort_key(w) < wave_sort_key(wave) and (e.get("adoption") or {}).get("activity_log")
    ]
    if not earlier:
        return None, {}
    w = max(earlier, key=wave_sort_key)
    rows = wave_history[w]["adoption"].get("groups", {}).get("org_unit", [])
    return w, {
        r["key"]: r[f"{metric}_share"]
        for r in rows
        if r.get(f"{metric}_share") is not None and r["key"] != OTHER
    }


def award_badges(
    adoption_people: pd.DataFrame,
    activity: pd.DataFrame,
    activity_accounting: Mapping[str, Any],
    wave_history: Mapping[str, Any],
    wave: str,
    gamification: Mapping[str, Any],
    adoption: Mapping[str, Any],
    anonymity: Mapping[str, Any],
) -> dict[str, Any]:
    """Each badge rule's winners this wave (``awarded``), an earlier winner's once-only badge
    (``held``), or ``not_awarded`` with the reason."""
    min_group = check_min_group(anonymity)
    metrics = metric_names(adoption)
    end = wave_end(wave, adoption.get("wave_end"))
    measured = bool(activity_accounting.get("present"))
    table = unit_figures(adoption_people, activity, metrics, end, gamification, min_group)
    eligible = table[table["eligible"]]
    awards = []
    for rule in gamification["badges"]:
        kind, metric = rule["rule"], rule["metric"]
        if kind not in RULES:
            raise ValueError(f"badge {rule['id']}: rule must be one of {RULES}, got '{kind}'")
        if metric not in [*metrics, PER_HEAD] or (kind != "highest" and metric not in metrics):
            raise ValueError(f"badge {rule['id']}: unknown metric '{metric}' for rule {kind}")
        award: dict[str, Any] = {
            "badge_id": rule["id"],
            "rule": kind,
            "metric": metric,
            "name": dict(rule["name"]),
            "description": dict(rule["description"]),
            "status": NOT_AWARDED,
            "units": [],
            "value": None,
            "since": None,
            "reason": None,
        }
        held = _held(rule["id"], wave_history, wave) if kind == "first_to_reach" else None
        if held:
            award.update({"status": HELD, "units": held[0], "since": held[1]})
        elif not measured:
            award["reason"] = "no_activity_log"
        elif eligible.empty:
            award["reason"] = "no_unit_large_enough"
        elif kind == "first_to_reach":
            days = crossing_days(
                adoption_people,
                activity,
                adoption["metrics"][metric],
                float(rule["threshold"]),
                end,
                eligible["population"],
            )
            if days:
                first_day = min(days.values())
                winners = sorted(u for u, d in days.items() if d == first_day)
                award.update(
                    {
                        "status": AWARDED,
                        "units": winners,
                        "since": str(wave),
                        "date": first_day.date().isoformat(),
                    }
                )
            else:
                award["reason"] = "no_unit_qualifies"
        elif kind == "highest":
            best = eligible[metric].max()
            if best >= float(rule.get("min_value", 0)) and best > 0:
                award.update(
                    {
                        "status": AWARDED,
                        "units": sorted(eligible.index[eligible[metric] == best]),
                        "since": str(wave),
                    }
                )
            else:
                award["reason"] = "no_unit_qualifies"
        else:
            previous_wave, before = _previous_shares(wave_history, wave, metric)
            gains = pd.Series(
                {
                    u: eligible.at[u, f"{metric}_share"] - s
                    for u, s in before.items()
                    if u in eligible.index
                },
                dtype=float,
            )
            if previous_wave is None:
                award["reason"] = "no_earlier_wave"
            elif not gains.empty and gains.max() >= float(rule["min_gain"]):
                award.update(
                    {
                        "status": AWARDED,
                        "units": sorted(gains.index[gains == gains.max()]),
                        "since": str(wave),
                        "compared_with": previous_wave,
                    }
                )
            else:
                award["reason"] = "no_unit_qualifies"
        if award["status"] == AWARDED and len(award["units"]) == 1:
            unit = award["units"][0]
            if kind == "most_improved":
                value = eligible.at[unit, f"{metric}_share"] - before[unit]
                shown = shown_split(
                    int(eligible.at[unit, metric]), int(eligible.at[unit, "population"]), min_group
                )
            elif metric == PER_HEAD:
                value, shown = eligible.at[unit, PER_HEAD], True
            else:
                value = eligible.at[unit, f"{metric}_share"]
                shown = shown_split(
                    int(eligible.at[unit, metric]), int(eligible.at[unit, "population"]), min_group
                )
            award["value"] = float(value) if shown else None
        awards.append(award)
    by_unit: dict[str, list[str]] = {}
    for award in awards:
        for unit in award["units"]:
            by_unit.setdefault(unit, []).append(award["badge_id"])
    return to_plain(
        {
            "wave": str(wave),
            "activity_log": measured,
            "min_unit_size": max(min_group, int(gamification.get("min_unit_size") or 0)),
            "eligible_units": int(len(eligible)),
            "awards": awards,
            "by_unit": dict(sorted(by_unit.items())),
        }
    )


# ------------------------------------------------------------------ top contributors
def list_top_contributors(
    activity: pd.DataFrame,
    contacts: pd.DataFrame,
    adoption_people: pd.DataFrame,
    opt_outs: pd.DataFrame,
    wave: str,
    gamification: Mapping[str, Any],
    adoption: Mapping[str, Any],
) -> pd.DataFrame:
    """The most active contributors of the wave, for a shout-out: activity only, opt-outs left out.

    Score = the weighted count of each person's actions (``weights``) in the
    last ``window_days`` days of the wave; ties by the counts in weight
    order, then employee id. Only people adoption is measured on.
    """
    spec = gamification["top_contributors"]
    weights = {str(a): float(w) for a, w in spec["weights"].items()}
    end = wave_end(wave, adoption.get("wave_end"))
    count_columns = [f"{a}_count" for a in weights]
    columns = [
        "rank",
        "employee_id",
        "first_name",
        "last_name",
        "email",
        "org_unit",
        *count_columns,
        "score",
    ]
    rows = activity[in_window(activity, list(weights), end, spec.get("window_days"))]
    rows = rows[is_in(rows["pid"], adoption_people["pid"])]
    candidates = contacts[is_in(contacts["pid"], rows["pid"])]
    allowed = candidates[~opted_out_mask(candidates, opt_outs).to_numpy()]
    rows = rows[is_in(rows["pid"], allowed["pid"])]
    if rows.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    counts = (
        rows.groupby(["pid", "action"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(weights), fill_value=0)
    )
    counts.columns = count_columns
    counts["score"] = counts.to_numpy() @ np.array(list(weights.values()))
    table = (
        allowed.set_index("pid")
        .loc[counts.index, ["employee_id", "first_name", "last_name", "email", "org_unit"]]
        .join(counts)
    )
    table = table[table["score"] >= float(spec.get("min_score", 0))]
    table = (
        table.assign(employee_id=table["employee_id"].astype(str))
        .sort_values(
            ["score", *count_columns, "employee_id"],
            ascending=[False] * (1 + len(count_columns)) + [True],
            kind="stable",
        )
        .head(int(spec["top_n"]))
    )
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["score"] = table["score"].map(
        lambda s: int(s) if float(s).is_integer() else round(float(s), 2)
    )
    return table[columns].reset_index(drop=True)


# ------------------------------------------------------------------ progress charts
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
        for m, target in enumerate(targets):
            if target is not None:
                ax.plot(
                    [target, target], [m - 0.45, m + 0.45], color=style.palette["secondary"], lw=2
                )
                ax.text(
                    target,
                    m - 0.48,
                    style.text(f"{target_label} {target:.0%}"),
                    color=style.palette["secondary"],
                    fontsize=7.5,
                    ha="center",
                    va="bottom",
                )
        ax.set_yticks(range(n))
        ax.set_yticklabels([style.text(x) for x in metric_labels])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        ax.set_title(
            style.text(title) + "\n" + style.text(subtitle), loc="right" if style.rtl else "left"
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
    out: dict[str, bytes] = {}
    for language in settings["languages"]:
        text = settings["labels"][language]
        style = ch.ChartStyle(report["charts"], rtl=language in settings["rtl_languages"])
        labels = [m["label"].get(language) or m["label"]["en"] for m in metrics]
        targets = [m.get("target") for m in metrics]
        for unit in units:
            series = {
                t["wave"]: [
                    t["groups"].get("org_unit", {}).get(unit, {}).get(m["key"]) for m in metrics
                ]
                for t in waves
            }
            held = [
                badge_names[b].get(language) or badge_names[b]["en"]
                for b in badges.get("by_unit", {}).get(unit, [])
            ]
            out[f"{language}/{keys[unit]}"] = progress_chart(
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
    logger.info("Drew %d progress charts for %d units.", len(out), len(units))
    return out
