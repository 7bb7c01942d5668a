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
from segmentation.jsonable import to_plain
from segmentation.persona_ids import persona_sort_key

from .adoption import SURVEY


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
    previous = previous_wave_outputs.get("assignments")
    threshold = float(migration.get("min_confidence") or 0.0)
    base = {
        "from_wave": previous_wave_outputs.get("wave"),
        "min_group_size": min_group,
        "min_confidence": threshold,
    }
    if previous is None or previous_wave_outputs.get("wave") is None:
        return {
            **base,
            "available": False,
            "reason": "no_previous_wave"
            if previous_wave_outputs.get("wave") is None
            else "no_previous_assignments",
        }
    if persona_identities.get("comparable") is False:
        return {**base, "available": False, "reason": persona_identities.get("not_matched_reason")}
    columns = ["pid", "persona_id", "persona_name", "persona_name_he", "confidence"]
    before = previous[previous["assignment_source"] == SURVEY][columns]
    after = persona_assignments[persona_assignments["assignment_source"] == SURVEY][columns]
    both = before.merge(after, on="pid", suffixes=("_from", "_to"))
    clear = (both["confidence_from"] >= threshold) & (both["confidence_to"] >= threshold)
    panel = both[clear]
    rows = sorted(set(before["persona_id"]), key=persona_sort_key)
    cols = sorted(set(after["persona_id"]), key=persona_sort_key)
    counts = crosstab_counts(panel, "persona_id_from", "persona_id_to", rows, cols)
    n = int(counts.to_numpy().sum())
    everyone = len(both)
    moved_any = int((both["persona_id_from"] != both["persona_id_to"]).sum())
    base.update(
        {
            "panel": everyone if everyone >= min_group else None,
            "uncertain": int((~clear).sum())
            if shown_split(int((~clear).sum()), everyone, min_group)
            else None,
            "movers_share_including_uncertain": moved_any / everyone
            if shown_split(moved_any, everyone, min_group)
            else None,
        }
    )
    if n < min_group:
        return to_plain({**base, "available": False, "reason": "panel_too_small", "counted": None})
    mask = suppress_cells(counts, min_group)
    row_total, col_total = counts.sum(axis=1), counts.sum(axis=0)

    names = {
        "from": before.drop_duplicates("persona_id").set_index("persona_id"),
        "to": after.drop_duplicates("persona_id").set_index("persona_id"),
    }
    stay = {p: int(counts.at[p, p]) for p in rows if p in cols}
    flows = []
    for p in sorted(set(rows) | set(cols), key=persona_sort_key):
        then = int(row_total.get(p, 0))
        now = int(col_total.get(p, 0))
        source = names["to"] if p in names["to"].index else names["from"]
        diagonal_shown = p in stay and not mask.at[p, p]
        inflow, outflow = now - stay.get(p, 0), then - stay.get(p, 0)
        flows.append(
            {
                "persona_id": p,
                "name": str(source.at[p, "persona_name"]),
                "name_he": str(source.at[p, "persona_name_he"]),
                "then": shown_count(then, min_group),
                "now": shown_count(now, min_group),
                "stayed": stay[p] if diagonal_shown else None,
                "moved_in": shown_count(inflow, min_group)
                if diagonal_shown or p not in rows
                else None,
                "moved_out": shown_count(outflow, min_group)
                if diagonal_shown or p not in cols
                else None,
                "net": None
                if None in (shown_count(then, min_group), shown_count(now, min_group))
                else now - then,
                "retired": p not in cols,
                "new": p not in rows,
            }
        )
    stayers = sum(stay.values())
    movers = n - stayers
    movers_shown = shown_split(movers, n, min_group)
    moves = [
        (int(counts.at[a, b]), a, b)
        for a in rows
        for b in cols
        if a != b and not mask.at[a, b] and counts.at[a, b] > 0
    ]
    moves.sort(key=lambda t: (-t[0], persona_sort_key(t[1]), persona_sort_key(t[2])))
    top = moves[0] if moves else None
    return to_plain(
        {
            **base,
            "available": True,
            "counted": n,
            "from": [
                {
                    "persona_id": p,
                    "name": str(names["from"].at[p, "persona_name"]),
                    "name_he": str(names["from"].at[p, "persona_name_he"]),
                    "total": shown_count(int(row_total[p]), min_group),
                }
                for p in rows
            ],
            "to": [
                {
                    "persona_id": p,
                    "name": str(names["to"].at[p, "persona_name"]),
                    "name_he": str(names["to"].at[p, "persona_name_he"]),
                    "total": shown_count(int(col_total[p]), min_group),
                }
                for p in cols
            ],
            "counts": [
                [None if mask.at[a, b] else int(counts.at[a, b]) for b in cols] for a in rows
            ],
            "hidden_cells": int(mask.to_numpy().sum()),
            "stayers": stayers if movers_shown else None,
            "movers": movers if movers_shown else None,
            "movers_share": movers / n if movers_shown else None,
            "most_common_move": {"from": top[1], "to": top[2], "count": top[0]} if top else None,
            "net_flows": flows,
        }
    )
