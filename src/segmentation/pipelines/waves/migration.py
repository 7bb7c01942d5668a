"""Movement between personas: the panel of two waves' respondents, by persona then and now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from segmentation.anonymity import (
    check_min_group,
    crosstab_counts,
    shown_count,
    shown_split,
    suppress_cells,
)
from segmentation.handoff import is_language_key, persona_names
from segmentation.jsonable import to_plain
from segmentation.persona_ids import persona_sort_key

from .adoption import SURVEY


def _panel_columns(assignments: pd.DataFrame) -> list[str]:
    """The assignment columns the panel reads: the person, the persona, its name in every
    language the personas stage wrote (``persona_name``, ``persona_name_<language>``), the confidence."""
    names = [c for c in assignments.columns if is_language_key(c, "persona_name")]
    return ["pid", "persona_id", *names, "confidence"]


def _not_measured(
    previous_wave_outputs: Mapping[str, Any], persona_identities: Mapping[str, Any]
) -> str | None:
    """Why there is no movement to count (no previous wave, or personas not comparable), else None."""
    if previous_wave_outputs.get("wave") is None:
        return "no_previous_wave"
    if previous_wave_outputs.get("assignments") is None:
        return "no_previous_assignments"
    if persona_identities.get("comparable") is False:
        return persona_identities.get("not_matched_reason")
    return None


def _panel_shares(both: pd.DataFrame, clear: pd.Series, min_group: int) -> dict[str, Any]:
    """The panel's size, its uncertain members and its movers, each shown only when safe."""
    everyone = len(both)
    uncertain = int((~clear).sum())
    moved_any = int((both["persona_id_from"] != both["persona_id_to"]).sum())
    return {
        "panel": everyone if everyone >= min_group else None,
        "uncertain": uncertain if shown_split(uncertain, everyone, min_group) else None,
        "movers_share_including_uncertain": moved_any / everyone
        if shown_split(moved_any, everyone, min_group)
        else None,
    }


def _net_flow(
    p: str,
    counts: pd.DataFrame,
    mask: pd.DataFrame,
    names: Mapping[str, pd.DataFrame],
    min_group: int,
) -> dict[str, Any]:
    """One persona's people then and now, who stayed, moved in and moved out (hidden when small)."""
    rows, cols = list(counts.index), list(counts.columns)
    then = int(counts.loc[p].sum()) if p in rows else 0
    now = int(counts[p].sum()) if p in cols else 0
    stayed = int(counts.at[p, p]) if p in rows and p in cols else 0
    source = names["to"] if p in names["to"].index else names["from"]
    diagonal_shown = p in rows and p in cols and not mask.at[p, p]
    return {
        "persona_id": p,
        **persona_names(source, p),
        "then": shown_count(then, min_group),
        "now": shown_count(now, min_group),
        "stayed": stayed if diagonal_shown else None,
        "moved_in": shown_count(now - stayed, min_group)
        if diagonal_shown or p not in rows
        else None,
        "moved_out": shown_count(then - stayed, min_group)
        if diagonal_shown or p not in cols
        else None,
        "net": None
        if None in (shown_count(then, min_group), shown_count(now, min_group))
        else now - then,
        "retired": p not in cols,
        "new": p not in rows,
    }


def _personas_listed(
    names: pd.DataFrame, totals: pd.Series, order: list[str], min_group: int
) -> list[dict[str, Any]]:
    """The personas of one wave with their counted panel members (hidden when small)."""
    return [
        {
            "persona_id": p,
            **persona_names(names, p),
            "total": shown_count(int(totals[p]), min_group),
        }
        for p in order
    ]


def _most_common_move(counts: pd.DataFrame, mask: pd.DataFrame) -> dict[str, Any] | None:
    """The largest shown cell off the diagonal (ties: by persona order)."""
    moves = [
        (int(counts.at[a, b]), a, b)
        for a in counts.index
        for b in counts.columns
        if a != b and not mask.at[a, b] and counts.at[a, b] > 0
    ]
    moves.sort(key=lambda t: (-t[0], persona_sort_key(t[1]), persona_sort_key(t[2])))
    return {"from": moves[0][1], "to": moves[0][2], "count": moves[0][0]} if moves else None


def migrate_personas(
    persona_assignments: pd.DataFrame,
    previous_wave_outputs: Mapping[str, Any],
    migration: Mapping[str, Any],
    anonymity: Mapping[str, Any],
    persona_identities: Mapping[str, Any],
) -> dict[str, Any]:
    """Who moved between personas: the panel (respondents of both waves) by persona then and now.

    Not measured when the two waves asked different questionnaires: their
    personas were not matched, so a move would only mean the survey changed.

    Persona ids are stable across waves, so the diagonal holds the people who
    stayed. Only people clearly in a persona in both waves (confidence at
    least ``migration.min_confidence``) are counted; the others are
    ``uncertain``. Cells under the anonymity threshold are hidden with
    complementary suppression (row totals, the previous personas' counted
    panel, and column totals, the current ones, are shown). Net flow =
    people in the persona now minus people in it then.
    """
    min_group = check_min_group(anonymity)
    threshold = float(migration.get("min_confidence") or 0.0)
    base = {
        "from_wave": previous_wave_outputs.get("wave"),
        "min_group_size": min_group,
        "min_confidence": threshold,
    }
    reason = _not_measured(previous_wave_outputs, persona_identities)
    if reason is not None or persona_identities.get("comparable") is False:
        return {**base, "available": False, "reason": reason}
    previous = previous_wave_outputs["assignments"]
    before = previous[previous["assignment_source"] == SURVEY][_panel_columns(previous)]
    after = persona_assignments[persona_assignments["assignment_source"] == SURVEY][
        _panel_columns(persona_assignments)
    ]
    both = before.merge(after, on="pid", suffixes=("_from", "_to"))
    clear = (both["confidence_from"] >= threshold) & (both["confidence_to"] >= threshold)
    rows = sorted(set(before["persona_id"]), key=persona_sort_key)
    cols = sorted(set(after["persona_id"]), key=persona_sort_key)
    counts = crosstab_counts(both[clear], "persona_id_from", "persona_id_to", rows, cols)
    n = int(counts.to_numpy().sum())
    base.update(_panel_shares(both, clear, min_group))
    if n < min_group:
        return to_plain({**base, "available": False, "reason": "panel_too_small", "counted": None})
    mask = suppress_cells(counts, min_group)
    names = {
        "from": before.drop_duplicates("persona_id").set_index("persona_id"),
        "to": after.drop_duplicates("persona_id").set_index("persona_id"),
    }
    stayers = sum(int(counts.at[p, p]) for p in rows if p in cols)
    movers_shown = shown_split(n - stayers, n, min_group)
    return to_plain(
        {
            **base,
            "available": True,
            "counted": n,
            "from": _personas_listed(names["from"], counts.sum(axis=1), rows, min_group),
            "to": _personas_listed(names["to"], counts.sum(axis=0), cols, min_group),
            "counts": [
                [None if mask.at[a, b] else int(counts.at[a, b]) for b in cols] for a in rows
            ],
            "hidden_cells": int(mask.to_numpy().sum()),
            "stayers": stayers if movers_shown else None,
            "movers": n - stayers if movers_shown else None,
            "movers_share": (n - stayers) / n if movers_shown else None,
            "most_common_move": _most_common_move(counts, mask),
            "net_flows": [
                _net_flow(p, counts, mask, names, min_group)
                for p in sorted(set(rows) | set(cols), key=persona_sort_key)
            ],
        }
    )
