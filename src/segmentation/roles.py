"""What each construct of the questionnaire is for: its role.

The questionnaire (``questionnaire.roles`` in ``parameters_questionnaire.yml``)
says which of its constructs are needs, channel preferences, social-media use,
mobile use, innovativeness, barriers and gamification appeal. Everything
downstream (value propositions, channel ranking, champions, SWOT, the 4 Ps,
the report's sections, the targeting lists) asks this module which constructs
play a role, uses what is there and leaves out the parts whose role the survey
lacks. :func:`left_out_parts` says which parts those are, so that one warning
can list them all.

Roles ``needs`` and ``channel_preferences`` hold any number of constructs;
every other role holds at most one. A playbook rule or a champion setting may
name a one-construct role instead of the construct itself (``innovativeness``
reads the survey's innovativeness construct, whatever it is called).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NEEDS = "needs"
CHANNELS = "channel_preferences"
SOCIAL_MEDIA = "social_media_use"
MOBILE = "mobile_use"
INNOVATIVENESS = "innovativeness"
BARRIERS = "barriers"
GAMIFICATION = "gamification_appeal"
# Roles of many constructs, then roles of one construct each.
MANY = (NEEDS, CHANNELS)
SINGLE = (SOCIAL_MEDIA, MOBILE, INNOVATIVENESS, BARRIERS, GAMIFICATION)
ROLES = (*MANY, *SINGLE)

# The parts of the outputs that each role feeds, as the warning names them.
PARTS: dict[str, str] = {
    NEEDS: "needs (value propositions, message angle, needs in the report)",
    CHANNELS: "channel preferences (channel ranking, per-channel targeting lists, channels in the report)",
    SOCIAL_MEDIA: "social-media use (its report section, champion and channel nudges)",
    MOBILE: "mobile use (its report section, channel nudges)",
    INNOVATIVENESS: "innovativeness (adopter categories, the persona name's noun, champions)",
    BARRIERS: "barriers (the barriers section and its SWOT threats)",
    GAMIFICATION: "gamification appeal (the gamification style, its report figure)",
}


class RoleError(ValueError):
    """The questionnaire's roles name an unknown role or construct."""


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def survey_roles(questionnaire: Mapping[str, Any]) -> dict[str, list[str]]:
    """Role -> the questionnaire's constructs with that role (an empty list when none).

    Raises :class:`RoleError` naming every unknown role, unknown construct and
    one-construct role given several, all at once.
    """
    declared = questionnaire.get("roles") or {}
    constructs = set((questionnaire.get("constructs") or {}).keys())
    problems = []
    unknown_roles = sorted(set(declared) - set(ROLES))
    if unknown_roles:
        problems.append(f"unknown role(s) {unknown_roles} (roles: {list(ROLES)})")
    roles: dict[str, list[str]] = {}
    for role in ROLES:
        names = list(dict.fromkeys(_as_list(declared.get(role))))
        missing = [n for n in names if n not in constructs]
        if missing:
            problems.append(
                f"role {role} names constructs {missing} that are not in questionnaire.constructs"
            )
        if role in SINGLE and len(names) > 1:
            problems.append(f"role {role} takes one construct, got {names}")
        roles[role] = names
    if problems:
        raise RoleError("questionnaire.roles: " + "; ".join(problems))
    return roles


def role_construct(roles: Mapping[str, list[str]], role: str) -> str | None:
    """The construct of a one-construct role, or ``None`` when the survey has none."""
    names = roles.get(role) or []
    return names[0] if names else None


def resolve(roles: Mapping[str, list[str]], name: str, constructs: Any = ()) -> str | None:
    """A construct or one-construct role name as the survey's construct (``None``: not asked).

    ``constructs`` are the survey's constructs (with or without a role); a
    name that is neither a role nor one of them, nor a construct with a role,
    is ``None``.
    """
    if name in SINGLE:
        return role_construct(roles, name)
    present = {*constructs, *(c for role in ROLES for c in roles.get(role, []))}
    return name if name in present else None


def missing_roles(roles: Mapping[str, list[str]]) -> list[str]:
    """The roles the survey has no construct for, in :data:`ROLES` order."""
    return [role for role in ROLES if not roles.get(role)]


def left_out_parts(roles: Mapping[str, list[str]]) -> list[str]:
    """What the outputs leave out because the survey lacks its role, one text per role."""
    return [PARTS[role] for role in missing_roles(roles)]
