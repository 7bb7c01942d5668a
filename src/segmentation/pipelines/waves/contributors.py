"""The top contributors of a wave: from the activity log alone, never from a survey
answer, and leaving out everyone on the opt-out list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.contacts import opted_out_mask
from segmentation.parsing import is_in
from segmentation.waves import wave_end

from .measures import in_window


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
