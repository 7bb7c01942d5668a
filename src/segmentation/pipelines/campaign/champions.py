"""Champion candidates per org unit: early adopters who like peer-to-peer help."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.codebook import Codebook
from segmentation.contacts import opted_out_mask
from segmentation.employment import is_active
from segmentation.parsing import is_in
from segmentation.roles import resolve, survey_roles
from segmentation.text_keys import is_unique, positions_of


def select_champions(
    construct_scores: pd.DataFrame,
    persona_assignments: pd.DataFrame,
    contacts: pd.DataFrame,
    opt_outs: pd.DataFrame,
    champion_params: Mapping[str, Any],
    targeting: Mapping[str, Any],
    questionnaire: Mapping[str, Any],
) -> pd.DataFrame:
    """Up to N champion candidates per org unit: early adopters who like peer-to-peer help.

    Only people whose persona comes from their own (consented) survey
    answers, who are active and have not opted out. The list carries
    identifiers only, no scores. Champion settings may name a role
    (``innovativeness``) or a construct; those the survey did not ask are
    left out, and without any of them there are no champions.
    """
    roles = survey_roles(questionnaire)
    scored = [c for c in construct_scores.columns if c != "pid"]

    def asked(settings: Mapping[str, Any]) -> dict[str, Any]:
        named = {name: resolve(roles, name, scored) for name in settings}
        return {
            construct: settings[name] for name, construct in named.items() if construct in scored
        }

    min_scores, weights = asked(champion_params["min_scores"]), asked(champion_params["weights"])
    columns = list(champion_params["columns"])
    if not min_scores and not weights:
        return pd.DataFrame({c: pd.Series([], dtype=str) for c in columns})
    constructs = list(dict.fromkeys([*min_scores, *weights]))
    scores = construct_scores[["pid", *constructs]]
    z = (scores[constructs] - scores[constructs].mean()) / scores[constructs].std(ddof=0).replace(
        0.0, np.nan
    )
    eligible_pids = persona_assignments.loc[
        persona_assignments["assignment_source"].isin(champion_params["assignment_sources"]), "pid"
    ]
    people = contacts[
        is_active(contacts["employment_status"], targeting["active_statuses"])
        & ~opted_out_mask(contacts, opt_outs)
    ]
    candidates = _with_scores(
        people[is_in(people["pid"], eligible_pids)],
        scores.assign(
            _score=sum(
                (w * z[c].fillna(0.0) for c, w in weights.items()),
                pd.Series(0.0, index=scores.index),
            )
        ),
    )
    codebook = Codebook.from_params(questionnaire)
    for (
        construct,
        minimum,
    ) in min_scores.items():  # on the common 0-100 scale, read on the construct's own
        threshold = codebook.construct_scale(construct).from_common(minimum)
        candidates = candidates[candidates[construct].ge(threshold).fillna(False).astype(bool)]
    candidates = candidates.assign(
        _score=candidates["_score"].round(9), employee_id=candidates["employee_id"].astype(str)
    )
    ranked = candidates.sort_values(
        ["org_unit", "_score", "employee_id"], ascending=[True, False, True], kind="stable"
    )
    chosen = ranked.groupby("org_unit", sort=True).head(int(champion_params["max_per_org_unit"]))
    return chosen[columns].fillna("").astype(str).reset_index(drop=True)


def _with_scores(people: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """``people.merge(scores, on="pid")``: the people with scores, in their order, with them.

    Rows taken by position from one Arrow look-up when the scores' pids are
    distinct (merging on a million text pids took most of the node's time).
    """
    if (set(people.columns) & set(scores.columns)) - {"pid"} or not is_unique(scores["pid"]):
        return people.merge(scores, on="pid")
    at = positions_of(scores["pid"], people["pid"])
    found = at >= 0
    return pd.concat(
        [
            people[found].reset_index(drop=True),
            scores.drop(columns="pid").iloc[at[found]].reset_index(drop=True),
        ],
        axis=1,
    )
