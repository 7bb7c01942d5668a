"""Manager briefs: each direct team's persona mix and talking points, never revealing a member."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segmentation.contacts import opted_out_mask
from segmentation.employment import is_active
from segmentation.persona_ids import persona_sort_key
from segmentation.text_keys import positions_of

from .rules import fill_text


def _team_talking_points(
    described: list[tuple[str, int]],
    counted: set[str],
    playbook: Mapping[str, Any],
    texts: Mapping[str, Any],
    language: str,
) -> list[str]:
    """A talking point per described persona: with its count only when the count may be shown."""
    points = []
    for persona_id, count in described:
        entry = playbook.get(persona_id, {})
        if entry.get("broad", True):
            continue
        propositions = entry["value_propositions"]
        style = entry["gamification"].get("style", [])
        template = (
            texts["talking_point"] if persona_id in counted else texts["talking_point_no_count"]
        )
        points.append(
            fill_text(
                template,
                {
                    "persona_name": entry["name"][language],
                    "count": count,
                    "headline": propositions[0][language]["headline"] if propositions else "",
                    "channels": texts["channel_joiner"].join(
                        c["label"][language] for c in entry["channels"]["top"]
                    ),
                    "gamification": style[0]["short"][language]
                    if style and "short" in style[0]
                    else "",
                },
            )
        )
    return points


def countable_personas(
    described: list[tuple[str, int]], team_size: int, min_group: int
) -> set[str]:
    """The personas whose head count a team's brief may show without revealing anyone's persona.

    A count is shown only when at least ``min_group`` members are in the
    persona and at least ``min_group`` are not (a team of 6 all in one
    persona would otherwise tell the manager everyone's persona), and only
    while the members left over by the shown counts are none or at least
    ``min_group`` (team size minus the shown counts must not single out 1
    to 4 people); the smallest counts are dropped until it holds.
    """
    counted = [(p, n) for p, n in described if n >= min_group and team_size - n >= min_group]
    while counted and 0 < team_size - sum(n for _, n in counted) < min_group:
        counted.pop()  # described is largest first: drop the smallest shown count
    return {p for p, _ in counted}


BRIEF_COLUMNS = [
    "employee_id",
    "email",
    "first_name",
    "language",
    "team_size",
    "persona_mix",
    "talking_points",
]


def brief_managers(
    employees: pd.DataFrame,
    contacts: pd.DataFrame,
    persona_assignments: pd.DataFrame,
    opt_outs: pd.DataFrame,
    playbook: Mapping[str, Any],
    anonymity: Mapping[str, Any],
    manager_params: Mapping[str, Any],
    targeting: Mapping[str, Any],
    naming: Mapping[str, Any],
    languages: Sequence[str],
) -> pd.DataFrame:
    """One brief per active people manager: their direct team's persona mix and talking points.

    A team under the anonymity threshold shows no mix; within a larger team
    a persona group under the threshold is not shown by name or count, and
    a larger group's count only when it cannot reveal a member's persona
    (:func:`countable_personas`); otherwise its name and talking points come
    without a count. A brief is in the manager's language when it is one of
    ``languages`` with texts, else in the first of ``languages``.
    """
    texts_by_language = manager_params["texts"]
    written = [lang for lang in languages if lang in texts_by_language]
    managers = contacts[
        is_active(contacts["employment_status"], targeting["active_statuses"])
        & contacts["is_people_manager"].eq(True)
    ]
    if not manager_params.get("include_opted_out", False):
        managers = managers[~opted_out_mask(managers, opt_outs)]
    managers = managers.sort_values("employee_id", key=lambda s: s.astype(str), kind="stable")
    if managers.empty:
        return pd.DataFrame([], columns=BRIEF_COLUMNS).astype({"team_size": "int64"})
    personas, kinds, kind_of = _team_kinds(
        employees, persona_assignments, managers["pid"], targeting, naming["unassigned"]["id"]
    )
    spoken = pd.Index(written).get_indexer(managers["language"])
    chosen = np.array([*written, languages[0]], dtype=object)[np.where(spoken < 0, -1, spoken)]
    # A brief depends only on the language and the team's (persona, count) pairs, which
    # many teams share: each is written once.
    first, combo_of = _distinct_rows(np.stack([pd.factorize(chosen)[0], kind_of], axis=1))
    briefs = []
    for at in first.tolist():
        language, kind = chosen[at], kind_of[at]
        briefs.append(
            _brief(
                [(personas[j], int(n)) for j, n in enumerate(kinds[kind]) if n > 0],
                language,
                texts_by_language[language],
                playbook,
                int(anonymity["min_group_size"]),
                int(manager_params["max_personas"]),
            )
        )
    shown = [np.array([b[i] for b in briefs], dtype=object)[combo_of] for i in range(3)]
    return pd.DataFrame(
        {
            "employee_id": managers["employee_id"].astype(str).tolist(),
            "email": managers["email"].fillna("").astype(str).tolist(),
            "first_name": managers["first_name"].fillna("").astype(str).tolist(),
            "language": chosen.tolist(),
            "team_size": shown[0].astype(np.int64),
            "persona_mix": shown[1].tolist(),
            "talking_points": shown[2].tolist(),
        },
        columns=BRIEF_COLUMNS,
    )


def _team_kinds(
    employees: pd.DataFrame,
    persona_assignments: pd.DataFrame,
    manager_pids: pd.Series,
    targeting: Mapping[str, Any],
    unassigned: str,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The personas, the distinct team mixes (a count per persona) and each manager's mix.

    A team is the active employees naming the manager; people without an
    assignment count as ``unassigned``; a manager without a team has the
    mix of no one. Personas in text order, as a persona mix lists them.
    """
    team = employees[
        is_active(employees["employment_status"], targeting["active_statuses"])
        & employees["manager_pid"].notna()
    ]
    at = positions_of(persona_assignments["pid"], team["pid"])
    persona = pd.Series(
        pd.api.extensions.take(persona_assignments["persona_id"].array, at, allow_fill=True)
    )
    persona_codes, personas = pd.factorize(persona.fillna(unassigned).astype(str), sort=True)
    lead_codes, leads = pd.factorize(team["manager_pid"].astype(str))
    width = max(len(personas), 1)
    counts = np.bincount(
        lead_codes * width + persona_codes, minlength=(len(leads) + 1) * width
    ).reshape(len(leads) + 1, width)  # the last row: a manager without a team
    first, kind_of_lead = _distinct_rows(counts)
    lead_of = positions_of(pd.Series(leads, dtype=object), manager_pids.astype(str))
    return [str(p) for p in personas], counts[first], kind_of_lead[lead_of]


def _distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first of each distinct row of ``rows`` (2-D integers), and each row's group:
    groups numbered in order of first appearance.

    Columns are folded into one key through hashing: ``np.unique(axis=0)`` sorted
    the rows as bytes, more than a second for the teams of a million employees.
    """
    group = np.zeros(len(rows), dtype=np.int64)
    for column in rows.T:
        codes = pd.factorize(column)[0]
        group = pd.factorize(group * (int(codes.max(initial=0)) + 1) + codes)[0]
    return np.unique(group, return_index=True)[1], group


def _brief(
    counts: list[tuple[Any, int]],
    language: str,
    texts: Mapping[str, Any],
    playbook: Mapping[str, Any],
    min_group: int,
    max_personas: int,
) -> tuple[int, str, str]:
    """A team's size, persona mix and talking points, from its (persona, count) pairs."""
    team_size = sum(n for _, n in counts)
    if team_size < min_group:
        persona_mix, described, counted = texts["too_small"], [], set()
    else:
        described = sorted(
            ((str(p), int(n)) for p, n in counts if n >= min_group),
            key=lambda t: (-t[1], persona_sort_key(t[0])),
        )
        counted = countable_personas(described, team_size, min_group)
        shown = [
            fill_text(
                texts["mix_item"] if p in counted else texts["mix_item_no_count"],
                {"persona_name": playbook.get(p, {}).get("name", {}).get(language, p), "count": n},
            )
            for p, n in described
        ]
        if len(described) < len(counts):
            shown.append(texts["others"])
        persona_mix = texts["mix_joiner"].join(shown) if described else texts["no_large_group"]
    points = (
        _team_talking_points(described[:max_personas], counted, playbook, texts, language)
        if described
        else []
    )
    return team_size, persona_mix, "\n".join([*points, *texts["general_talking_points"]])
