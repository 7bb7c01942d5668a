"""Checking the playbook against the questionnaire before anything runs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from segmentation.errors import InputFileError
from segmentation.roles import (
    CHANNELS,
    NEEDS,
    SINGLE,
    RoleError,
    left_out_parts,
    survey_roles,
)

from .channels import WORK_PATTERN_PREFIX
from .rules import prune_rule_sets, rule_ids, rule_set_problems

logger = logging.getLogger(__name__)


RULE_FAMILIES = ("four_ps", "gamification", "training")
PLAYBOOK_SOURCE = "campaign.playbook (conf/<env>/parameters_campaign.yml)"


def _base_figures(figures_params: Mapping[str, Any]) -> set[str]:
    return {
        "size",
        "respondents",
        "share",
        *(f"{WORK_PATTERN_PREFIX}{p}" for p in figures_params["work_patterns"]),
    }


def _with_z(names: Any) -> set[str]:
    """A construct's figures: its mean, its z-score and its mean on 0-100."""
    return {f for name in names for f in (name, f"{name}_z", f"{name}_100")}


def survey_figures(questionnaire: Mapping[str, Any], figures_params: Mapping[str, Any]) -> set[str]:
    """The figures this survey gives every persona: sizes, work patterns, its constructs and roles."""
    roles = survey_roles(questionnaire)
    asked = [role for role in SINGLE if roles[role]]
    return _base_figures(figures_params) | _with_z([*questionnaire["constructs"], *asked])


def known_figures(
    questionnaire: Mapping[str, Any], playbook: Mapping[str, Any], figures_params: Mapping[str, Any]
) -> set[str]:
    """Every figure a rule may read: this survey's, every one-construct role's, and the
    needs and channels the playbook itself declares (a survey may lack them)."""
    declared = [
        *playbook["value_propositions"]["needs"],
        *(c["construct"] for c in playbook["channels"]["catalog"].values()),
    ]
    return survey_figures(questionnaire, figures_params) | _with_z([*SINGLE, *declared])


def asked_channels(channels: Mapping[str, Any], roles: Mapping[str, list[str]]) -> dict[str, Any]:
    """The channel settings with only the channels whose preference the survey asked."""
    asked = set(roles[CHANNELS])
    catalog = {
        name: spec for name, spec in channels["catalog"].items() if spec["construct"] in asked
    }
    return {**channels, "catalog": catalog, "broad": [c for c in channels["broad"] if c in catalog]}


def playbook_problems(
    questionnaire: Mapping[str, Any],
    playbook: Mapping[str, Any],
    figures_params: Mapping[str, Any],
    champions: Mapping[str, Any],
) -> list[str]:
    """Every problem of the playbook at once: unknown figures or operators, bad match modes,
    rules without or with a repeated id, unknown channels and champion constructs."""
    known = known_figures(questionnaire, playbook, figures_params)
    families = {name: playbook[name] for name in RULE_FAMILIES}
    problems = rule_set_problems(families, known)
    ids = rule_ids(families)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"rule ids must be unique; repeated: {duplicates}")
    channels = playbook["channels"]
    for name, spec in channels["catalog"].items():
        problems.extend(
            f"channel '{name}' behaviour reads unknown figure '{b}'"
            for b in spec.get("behaviour", {})
            if f"{b}_z" not in known
        )
    problems.extend(
        f"channels.broad names '{c}', which is not in channels.catalog"
        for c in channels["broad"]
        if c not in channels["catalog"]
    )
    problems.extend(
        f"champions name unknown construct '{c}'"
        for c in dict.fromkeys([*champions["min_scores"], *champions["weights"]])
        if c not in known
    )
    return problems


def check_playbook(
    questionnaire: Mapping[str, Any],
    playbook: Mapping[str, Any],
    figures_params: Mapping[str, Any],
    champions: Mapping[str, Any],
) -> dict[str, Any]:
    """Check the playbook against the questionnaire before anything runs, and say what is left out.

    A rule or setting naming a figure nobody could have (a typo) stops the run
    with one message listing every such problem (exit code 2). A part of the
    outputs whose role the survey lacks, and every rule reading a figure the
    survey lacks, is left out; one warning lists them all.
    """
    try:
        roles = survey_roles(questionnaire)
    except RoleError as exc:
        raise InputFileError(
            "questionnaire.roles (conf/<env>/parameters_questionnaire.yml)",
            str(exc),
            "role names from the comment above `roles`, each naming constructs of the questionnaire.",
        ) from exc
    problems = playbook_problems(questionnaire, playbook, figures_params, champions)
    if problems:
        raise InputFileError(
            PLAYBOOK_SOURCE,
            f"{len(problems)} problem(s): " + "; ".join(problems) + ".",
            "figures named as in the comment at the top of parameters_campaign.yml: size, respondents, share, "
            "work_pattern_<pattern>, a construct of the questionnaire or a role, or <that>_z.",
        )
    families = {name: playbook[name] for name in RULE_FAMILIES}
    _, rules_left_out = prune_rule_sets(families, survey_figures(questionnaire, figures_params))
    parts = left_out_parts(roles)
    unasked = [
        n
        for n, spec in playbook["channels"]["catalog"].items()
        if spec["construct"] not in roles[CHANNELS]
    ]
    needs_without_text = [
        n for n in roles[NEEDS] if n not in playbook["value_propositions"]["needs"]
    ]
    channels_without_entry = sorted(
        set(roles[CHANNELS]) - {c["construct"] for c in playbook["channels"]["catalog"].values()}
    )
    details = [
        *([f"parts for what the survey does not ask: {'; '.join(parts)}"] if parts else []),
        *(
            [f"playbook rules reading figures the survey lacks: {', '.join(rules_left_out)}"]
            if rules_left_out
            else []
        ),
        *(
            [f"channels nobody was asked about: {', '.join(unasked)}"]
            if unasked and roles[CHANNELS]
            else []
        ),
        *(
            [f"needs without a value proposition in the playbook: {', '.join(needs_without_text)}"]
            if needs_without_text
            else []
        ),
        *(
            [
                f"channel preferences without a channel in the playbook's catalog: {', '.join(channels_without_entry)}"
            ]
            if channels_without_entry
            else []
        ),
    ]
    if details:
        logger.warning("Left out of this run's outputs: %s.", " | ".join(details))
    return {
        "roles": roles,
        "left_out": parts,
        "rules_left_out": rules_left_out,
        "channels_not_asked": unasked,
        "needs_without_value_proposition": needs_without_text,
        "channel_preferences_without_channel": channels_without_entry,
    }
