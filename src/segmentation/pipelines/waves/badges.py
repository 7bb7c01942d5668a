"""Badges per org unit, by the rules in ``waves.gamification.badges``.

Only units of at least ``min_unit_size`` people (and never fewer than the
anonymity threshold) can win one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segmentation.anonymity import OTHER, check_min_group, shown_split
from segmentation.jsonable import to_plain
from segmentation.parsing import positions_in
from segmentation.waves import wave_end, wave_sort_key

from .measures import DAY, in_window, metric_names

logger = logging.getLogger(__name__)

RULES = ("first_to_reach", "highest", "most_improved")
AWARDED, HELD, NOT_AWARDED = "awarded", "held", "not_awarded"
PER_HEAD = "conversations_per_head"


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
    at = positions_in(talk["pid"], adoption_people["pid"])
    talk_units = adoption_people["org_unit"].iloc[at[at >= 0]]
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
    ].reset_index(drop=True)
    rows = activity[
        activity["action"].isin(list(spec["actions"])) & (activity["timestamp"] < end + DAY)
    ]
    at = positions_in(rows["pid"], members["pid"])
    if not (at >= 0).any():
        return {}
    # each member's days with one of the measure's actions, by member then day
    stamp = rows["timestamp"].to_numpy(dtype="datetime64[ns]")[at >= 0].astype("datetime64[D]")
    first = pd.Timestamp(stamp.min())
    n_days = int((end - first).days) + 1
    visit = np.unique(
        at[at >= 0].astype(np.int64) * n_days + (stamp - stamp.min()).astype(np.int64)
    )
    person, day = visit // n_days, visit % n_days
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
    unit_codes, unit_names = pd.factorize(members["org_unit"].to_numpy()[person[begin]])
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


def _checked_rule(rule: Mapping[str, Any], metrics: Sequence[str]) -> tuple[str, str]:
    """A badge rule's kind and measure, or a clear error for a rule the stage does not know."""
    kind, metric = rule["rule"], rule["metric"]
    if kind not in RULES:
        raise ValueError(f"badge {rule['id']}: rule must be one of {RULES}, got '{kind}'")
    if metric not in [*metrics, PER_HEAD] or (kind != "highest" and metric not in metrics):
        raise ValueError(f"badge {rule['id']}: unknown metric '{metric}' for rule {kind}")
    return kind, metric


def _first_to_reach(
    rule: Mapping[str, Any], spec: Mapping[str, Any], eligible: pd.DataFrame, context: dict
) -> dict[str, Any]:
    """The unit(s) whose share went past the threshold on the earliest day."""
    days = crossing_days(
        context["people"],
        context["activity"],
        spec,
        float(rule["threshold"]),
        context["end"],
        eligible["population"],
    )
    if not days:
        return {"reason": "no_unit_qualifies"}
    first_day = min(days.values())
    return {
        "status": AWARDED,
        "units": sorted(u for u, d in days.items() if d == first_day),
        "since": context["wave"],
        "date": first_day.date().isoformat(),
    }


def _highest(rule: Mapping[str, Any], metric: str, eligible: pd.DataFrame, wave: str) -> dict:
    """The unit(s) with the highest value of the measure, at least ``min_value``."""
    best = eligible[metric].max()
    if best >= float(rule.get("min_value", 0)) and best > 0:
        units = sorted(eligible.index[eligible[metric] == best])
        return {"status": AWARDED, "units": units, "since": wave}
    return {"reason": "no_unit_qualifies"}


def _most_improved(
    rule: Mapping[str, Any], metric: str, eligible: pd.DataFrame, context: dict
) -> tuple[dict[str, Any], dict[str, float]]:
    """The unit(s) whose share grew most since the last wave with a log, by at least ``min_gain``;
    and each unit's share then."""
    previous_wave, before = _previous_shares(context["history"], context["wave"], metric)
    gains = pd.Series(
        {
            u: eligible.at[u, f"{metric}_share"] - s
            for u, s in before.items()
            if u in eligible.index
        },
        dtype=float,
    )
    if previous_wave is None:
        return {"reason": "no_earlier_wave"}, before
    if not gains.empty and gains.max() >= float(rule["min_gain"]):
        return {
            "status": AWARDED,
            "units": sorted(gains.index[gains == gains.max()]),
            "since": context["wave"],
            "compared_with": previous_wave,
        }, before
    return {"reason": "no_unit_qualifies"}, before


def _award_value(
    kind: str, metric: str, unit: str, eligible: pd.DataFrame, before: dict, min_group: int
) -> float | None:
    """The one winner's figure (its share, gain or conversations per head), None when not safe to show."""
    if metric == PER_HEAD and kind != "most_improved":
        return float(eligible.at[unit, PER_HEAD])
    share = eligible.at[unit, f"{metric}_share"]
    value = share - before[unit] if kind == "most_improved" else share
    count, population = int(eligible.at[unit, metric]), int(eligible.at[unit, "population"])
    return float(value) if shown_split(count, population, min_group) else None


def _award(rule: Mapping[str, Any], eligible: pd.DataFrame, context: dict) -> dict[str, Any]:
    """One badge rule's outcome this wave."""
    kind, metric = _checked_rule(rule, context["metrics"])
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
    held = (
        _held(rule["id"], context["history"], context["wave"]) if kind == "first_to_reach" else None
    )
    before: dict[str, float] = {}
    if held:
        award.update({"status": HELD, "units": held[0], "since": held[1]})
    elif not context["measured"]:
        award["reason"] = "no_activity_log"
    elif eligible.empty:
        award["reason"] = "no_unit_large_enough"
    elif kind == "first_to_reach":
        award.update(_first_to_reach(rule, context["specs"][metric], eligible, context))
    elif kind == "highest":
        award.update(_highest(rule, metric, eligible, context["wave"]))
    else:
        outcome, before = _most_improved(rule, metric, eligible, context)
        award.update(outcome)
    if award["status"] == AWARDED and len(award["units"]) == 1:
        award["value"] = _award_value(
            kind, metric, award["units"][0], eligible, before, context["min_group"]
        )
    return award


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
    context = {
        "people": adoption_people,
        "activity": activity,
        "history": wave_history,
        "wave": str(wave),
        "end": end,
        "metrics": metrics,
        "specs": adoption["metrics"],
        "measured": measured,
        "min_group": min_group,
    }
    awards = [_award(rule, eligible, context) for rule in gamification["badges"]]
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
