"""Manager briefs: each direct team's persona mix and talking points, never revealing a member."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from segmentation.contacts import opted_out_mask
from segmentation.employment import is_active
from segmentation.persona_ids import persona_sort_key

from .languages import language_of
from .rules import fill_text, is_missing


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
    min_group = int(anonymity["min_group_size"])
    unassigned = naming["unassigned"]["id"]
    texts_by_language = manager_params["texts"]
    written = [lang for lang in languages if lang in texts_by_language]
    managers = contacts[
        is_active(contacts["employment_status"], targeting["active_statuses"])
        & contacts["is_people_manager"].eq(True)
    ]
    if not manager_params.get("include_opted_out", False):
        managers = managers[~opted_out_mask(managers, opt_outs)]
    team = employees[
        is_active(employees["employment_status"], targeting["active_statuses"])
        & employees["manager_pid"].notna()
    ][["pid", "manager_pid"]]
    team = team.merge(persona_assignments[["pid", "persona_id"]], on="pid", how="left")
    team["persona_id"] = team["persona_id"].fillna(unassigned).astype(str)
    mix = team.groupby(["manager_pid", "persona_id"]).size()
    # Each manager's (persona, count) pairs in one pass: looking a manager up
    # in the MultiIndex made the loop quadratic in the number of managers.
    team_mix: dict[Any, list[tuple[Any, int]]] = {}
    for manager_pid, persona_id, n in zip(
        mix.index.get_level_values(0),
        mix.index.get_level_values(1),
        mix.to_numpy().tolist(),
        strict=True,
    ):
        team_mix.setdefault(manager_pid, []).append((persona_id, int(n)))
    # A brief's mix and talking points depend only on the language and the team's
    # (persona, count) pairs, which many teams share: each is written once.
    briefs: dict[tuple[str, tuple[tuple[Any, int], ...]], tuple[int, str, str]] = {}
    rows: dict[str, list[Any]] = {
        "employee_id": [],
        "email": [],
        "first_name": [],
        "language": [],
        "team_size": [],
        "persona_mix": [],
        "talking_points": [],
    }
    ordered = managers.sort_values("employee_id", key=lambda s: s.astype(str))
    for employee_id, email, first_name, manager_language, manager_pid in zip(
        ordered["employee_id"],
        ordered["email"],
        ordered["first_name"],
        ordered["language"],
        ordered["pid"],
        strict=True,
    ):
        language = language_of(manager_language, written, languages)
        counts = team_mix.get(manager_pid, [])
        key = (language, tuple(counts))
        brief = briefs.get(key)
        if brief is None:
            brief = briefs[key] = _brief(
                counts,
                language,
                texts_by_language[language],
                playbook,
                min_group,
                int(manager_params["max_personas"]),
            )
        rows["employee_id"].append(str(employee_id))
        rows["email"].append("" if is_missing(email) else str(email))
        rows["first_name"].append("" if is_missing(first_name) else str(first_name))
        rows["language"].append(language)
        rows["team_size"].append(brief[0])
        rows["persona_mix"].append(brief[1])
        rows["talking_points"].append(brief[2])
    columns = [
        "employee_id",
        "email",
        "first_name",
        "language",
        "team_size",
        "persona_mix",
        "talking_points",
    ]
    if not rows["employee_id"]:
        return pd.DataFrame([], columns=columns).astype({"team_size": "int64"})
    return pd.DataFrame(rows, columns=columns).astype({"team_size": "int64"})


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
