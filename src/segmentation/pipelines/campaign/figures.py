"""Persona figures: what the playbook rules read, per persona."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segmentation.codebook import Codebook
from segmentation.persona_ids import persona_sort_key
from segmentation.roles import SINGLE, survey_roles
from segmentation.text_keys import is_unique, positions_of

from .channels import WORK_PATTERN_PREFIX
from .languages import assigned_name
from .rules import is_missing

SURVEY = "survey"


def _plain(value: Any, decimals: int) -> Any:
    """A JSON-ready number: rounded float, int, or None for missing."""
    if is_missing(value) or (isinstance(value, np.floating) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return round(float(value), decimals)


def compute_persona_figures(
    construct_scores: pd.DataFrame,
    persona_assignments: pd.DataFrame,
    employees: pd.DataFrame,
    figures_params: Mapping[str, Any],
    naming: Mapping[str, Any],
    questionnaire: Mapping[str, Any],
    languages: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """The figures the playbook rules read, and the persona's name in each language, per persona.

    A one-construct role (``innovativeness``) is a figure too, the same as
    its construct's, so a playbook written in roles reads any survey.
    ``<construct>_100`` is the persona's mean on the common 0-100 scale
    (0 the scale's lowest answer, 100 its highest), so a rule reads any scale.

    Size and share count everyone assigned (respondents and inferred);
    construct means and z-scores (persona mean minus everyone's mean, over
    everyone's standard deviation) come from respondents; the work-pattern mix
    from the HR record of everyone assigned.
    """
    decimals = int(figures_params["decimals"])
    unassigned = naming["unassigned"]["id"]
    scores = construct_scores.sort_values("pid").reset_index(drop=True)
    constructs = [c for c in scores.columns if c != "pid"]
    aliases = _role_aliases(survey_roles(questionnaire), constructs)
    codebook = Codebook.from_params(questionnaire)
    on_range = {c: codebook.construct_scale(c) for c in constructs if c in codebook.constructs}
    overall_mean = scores[constructs].mean()
    overall_sd = scores[constructs].std(ddof=0).replace(0.0, np.nan)
    members = persona_assignments[persona_assignments["persona_id"] != unassigned]
    members = _with_work_pattern(members, employees).sort_values("pid")
    means = _respondent_means(members, scores, constructs)
    patterns = list(figures_params["work_patterns"])
    mix = pd.crosstab(members["persona_id"], members["work_pattern"], normalize="index").reindex(
        columns=patterns, fill_value=0.0
    )
    total = len(persona_assignments)
    figures: dict[str, dict[str, Any]] = {}
    for persona_id in sorted(members["persona_id"].unique(), key=persona_sort_key):
        rows = members[members["persona_id"] == persona_id]
        values: dict[str, Any] = {
            "size": len(rows),
            "respondents": int((rows["assignment_source"] == SURVEY).sum()),
            "share": len(rows) / total if total else 0.0,
        }
        persona_means = (
            means.loc[persona_id]
            if persona_id in means.index
            else pd.Series(np.nan, index=constructs)
        )
        for construct in constructs:
            values[construct] = persona_means[construct]
            values[f"{construct}_z"] = (
                persona_means[construct] - overall_mean[construct]
            ) / overall_sd[construct]
            if construct in on_range:
                values[f"{construct}_100"] = on_range[construct].to_common(persona_means[construct])
        for role, construct in aliases.items():
            values[role], values[f"{role}_z"] = values[construct], values[f"{construct}_z"]
            if construct in on_range:
                values[f"{role}_100"] = values[f"{construct}_100"]
        for pattern in patterns:
            values[f"{WORK_PATTERN_PREFIX}{pattern}"] = (
                mix.loc[persona_id, pattern] if persona_id in mix.index else 0.0
            )
        first = rows.iloc[0]
        figures[str(persona_id)] = {
            "name": {lang: str(assigned_name(first, lang)) for lang in languages},
            "figures": {k: _plain(v, decimals) for k, v in values.items()},
        }
    return figures


def _with_work_pattern(members: pd.DataFrame, employees: pd.DataFrame) -> pd.DataFrame:
    """``members`` with each one's work pattern (a left merge on pid), by position when the
    employees' pids are distinct: merging a million text pids took about 0.6 s."""
    if not is_unique(employees["pid"]):
        return members.merge(employees[["pid", "work_pattern"]], on="pid", how="left")
    at = positions_of(employees["pid"], members["pid"])
    pattern = pd.api.extensions.take(employees["work_pattern"].array, at, allow_fill=True)
    return members.reset_index(drop=True).assign(work_pattern=pattern)


def _respondent_means(
    members: pd.DataFrame, scores: pd.DataFrame, constructs: list[str]
) -> pd.DataFrame:
    """Each persona's construct means over its members with scores (an inner merge on pid,
    then a groupby), the rows taken by position when the scores' pids are distinct."""
    if not is_unique(scores["pid"]):
        return members.merge(scores, on="pid", how="inner").groupby("persona_id")[constructs].mean()
    at = positions_of(scores["pid"], members["pid"])
    found = at >= 0
    scored = scores[constructs].iloc[at[found]].reset_index(drop=True)
    scored["persona_id"] = members["persona_id"].to_numpy()[found]
    return scored.groupby("persona_id")[constructs].mean()


def _role_aliases(roles: Mapping[str, list[str]], constructs: list[str]) -> dict[str, str]:
    """One-construct role -> its construct, where the two names differ and the construct was scored."""
    return {
        role: roles[role][0]
        for role in SINGLE
        if roles.get(role) and roles[role][0] != role and roles[role][0] in constructs
    }
