"""Persona figures: what the playbook rules read, per persona."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segmentation.codebook import Codebook
from segmentation.persona_ids import persona_sort_key
from segmentation.roles import SINGLE, survey_roles

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
    members = members.merge(employees[["pid", "work_pattern"]], on="pid", how="left").sort_values(
        "pid"
    )
    means = members.merge(scores, on="pid", how="inner").groupby("persona_id")[constructs].mean()
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


def _role_aliases(roles: Mapping[str, list[str]], constructs: list[str]) -> dict[str, str]:
    """One-construct role -> its construct, where the two names differ and the construct was scored."""
    return {
        role: roles[role][0]
        for role in SINGLE
        if roles.get(role) and roles[role][0] != role and roles[role][0] in constructs
    }
