"""Who the campaign may message, once each, with persona, primary channel and lists."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from segmentation.contacts import email_key, opted_out_mask
from segmentation.employment import is_active
from segmentation.parsing import is_in, positions_in
from segmentation.persona_ids import persona_sort_key
from segmentation.text_keys import is_unique, positions_of, same_text

from .channels import person_channels
from .exports import list_name
from .languages import assigned_name
from .rules import is_missing

logger = logging.getLogger(__name__)

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


CONTRACT_COLUMNS = [
    "employee_id",
    "email",
    "first_name",
    "language",
    "org_unit",
    "persona_id",
    "persona_name",
    "assignment_source",
    "confidence",
    "primary_channel",
]


def audience_columns(languages: Sequence[str]) -> list[str]:
    """The audience's columns: the contract's, the last name and the persona's name in each language."""
    return [*CONTRACT_COLUMNS, "last_name", *(f"persona_name_{lang}" for lang in languages)]


def _person_plan(
    playbook: Mapping[str, Any],
    persona_id: str,
    work_pattern: Any,
    channels: Mapping[str, Any],
    unassigned: str,
) -> tuple[str, list[str], str]:
    """Primary channel, list memberships and own list for a persona and work pattern.

    A persona's people join each of its top channels that reaches them and
    the list of their primary channel; people without a persona (or whose
    persona has no playbook entry) join the broad list of their persona id.
    Without any channel (the survey asked none) nobody joins a channel list:
    no primary channel, no lists, no own list (``None``).
    """
    entry = playbook.get(persona_id)
    if entry is None or entry.get("broad"):
        broad = [
            c["channel"] for c in playbook.get(unassigned, {}).get("channels", {}).get("top", [])
        ]
        if not broad:
            return "", [], None
        first, _ = person_channels(broad, broad, channels, work_pattern)
        own = list_name(persona_id if entry is None else unassigned, channels["broad_list_name"])
        return first, [own], own
    top = [c["channel"] for c in entry["channels"]["top"]]
    ordered = list(dict.fromkeys([*top, *(c["channel"] for c in entry["channels"]["ranking"])]))
    if not ordered:
        return "", [], None
    first, reached = person_channels(ordered, top, channels, work_pattern)
    lists = [list_name(persona_id, c) for c in dict.fromkeys([*reached, first])]
    return first, lists, list_name(persona_id, first)


def _persona_names(
    playbook: Mapping[str, Any], people: pd.DataFrame, languages: Sequence[str]
) -> tuple[list[Any], np.ndarray]:
    """The persona names (``names``) and, per language, which one is each person's (``codes[l]``).

    The playbook's name in the language, else the assignment's (in that
    language, else in the first); one playbook look-up per persona.
    """
    persona_codes, personas = pd.factorize(people["persona_id"], use_na_sentinel=True)
    names: list[Any] = [
        str(n) if (n := playbook.get(p, {}).get("name", {}).get(language)) else None
        for language in languages
        for p in [*personas, None]
    ]
    width = len(personas) + 1
    codes = np.stack([i * width + persona_codes for i in range(len(languages))])
    missing = np.equal(np.array(names, dtype=object), None)
    for i, language in enumerate(languages):
        fallback = np.flatnonzero(missing[codes[i]])
        own = assigned_name(people, language).iloc[fallback].to_numpy(dtype=object)
        first = people["persona_name"].iloc[fallback].to_numpy(dtype=object)
        for row, mine, other in zip(fallback, own, first, strict=True):
            codes[i, row] = len(names)
            names.append(
                str(mine) if isinstance(mine, str) else ("" if is_missing(other) else str(other))
            )
    return names, codes


def _plans(
    persona_ids: pd.Series,
    patterns: pd.Series,
    playbook: Mapping[str, Any],
    channels: Mapping[str, Any],
    unassigned: str,
) -> tuple[list[tuple[str, list[str], str]], np.ndarray]:
    """The distinct ``_person_plan`` results and which one is each person's."""
    persona_codes, persona_uniques = pd.factorize(persona_ids, use_na_sentinel=True)
    pattern_codes, pattern_uniques = pd.factorize(patterns, use_na_sentinel=True)
    combined = persona_codes.astype(np.int64) * (len(pattern_uniques) + 1) + (pattern_codes + 1)
    missing = (persona_codes < 0) | (pattern_codes < 0)
    plan_of = np.empty(len(combined), dtype=np.intp)
    plans: list[tuple[str, list[str], str]] = []
    index: dict[tuple[str, Any], int] = {}

    def plan(persona_id: str, pattern: Any) -> int:
        key = (persona_id, None if is_missing(pattern) else pattern)
        if key not in index:
            index[key] = len(plans)
            plans.append(_person_plan(playbook, persona_id, key[1], channels, unassigned))
        return index[key]

    present = np.flatnonzero(~missing)
    combo_codes, _ = pd.factorize(combined[present])
    first = present[np.unique(combo_codes, return_index=True)[1]] if len(present) else present
    combo_plan = np.array(
        [plan(persona_uniques[persona_codes[i]], pattern_uniques[pattern_codes[i]]) for i in first],
        dtype=np.intp,
    )
    plan_of[present] = combo_plan[combo_codes]
    absent = np.flatnonzero(missing)
    if len(absent):
        plan_of[absent] = [
            plan(p, w) for p, w in zip(persona_ids.iloc[absent], patterns.iloc[absent], strict=True)
        ]
    return plans, plan_of


def select_audience(
    persona_assignments: pd.DataFrame,
    employees: pd.DataFrame,
    contacts: pd.DataFrame,
    opt_outs: pd.DataFrame,
    playbook: Mapping[str, Any],
    channels: Mapping[str, Any],
    targeting: Mapping[str, Any],
    naming: Mapping[str, Any],
    languages: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Everyone the campaign may message, once each, with persona and primary channel.

    A person whose language is none of ``languages`` gets the first.

    Returns the audience (one row per active, not opted-out employee, sorted
    by employee_id), their list memberships (``employee_id``, ``list_name``)
    and the head counts that show nobody was lost or listed twice.
    """
    unassigned = naming["unassigned"]["id"]
    active = is_active(contacts["employment_status"], targeting["active_statuses"]).to_numpy(bool)
    contacts = contacts.assign(employee_id=contacts["employee_id"].astype(str))
    email_keys = email_key(contacts["email"])
    opted = opted_out_mask(contacts, opt_outs, email_keys).to_numpy(dtype=bool)
    listed = np.flatnonzero(active & ~opted)
    ids = contacts["employee_id"].take(listed).reset_index(drop=True)
    order = ids.sort_values(kind="stable").index.to_numpy()
    people = _assigned(
        contacts[["pid", "email", "first_name", "last_name", "language", "org_unit"]].take(
            listed[order]
        ),
        employees,
        persona_assignments,
    )
    people["employee_id"] = ids.take(order).reset_index(drop=True)
    without_assignment = int(people["persona_id"].isna().sum())
    if without_assignment:
        logger.warning(
            "%d active employees have no persona assignment; they go to the broad list",
            without_assignment,
        )
    people["persona_id"] = people["persona_id"].fillna(unassigned).astype(str)
    _name_personas(people, playbook, languages)
    people["assignment_source"] = people["assignment_source"].fillna("").astype(str)
    people["confidence"] = (
        people["confidence"].astype(float).round(int(targeting["confidence_decimals"]))
    )
    for column in ("email", "first_name", "last_name", "org_unit"):
        people[column] = people[column].fillna("").astype(str)
    # One plan per (persona, work pattern), then each person takes their plan's channels and lists.
    plans, plan_of = _plans(
        people["persona_id"], people["work_pattern"], playbook, channels, unassigned
    )
    people["primary_channel"] = _text_of([first for first, _, _ in plans], plan_of)
    audience = people[audience_columns(languages)]
    members, on_own_lists = _memberships(audience["employee_id"], plans, plan_of)
    accounting = _accounting(contacts, email_keys, opt_outs, (active, opted), audience, unassigned)
    accounting["without_assignment"] = without_assignment
    accounting["by_persona"] = accounting.pop("by_persona")  # the summary's order
    accounting["checks"] = {
        "listed_equals_active_minus_opted_out": len(audience) == len(listed),
        "each_listed_once": is_unique(audience["employee_id"]),
        "each_on_own_primary_list": on_own_lists,
    }
    return audience, members, accounting


def _accounting(
    contacts: pd.DataFrame,
    email_keys: pd.Series,
    opt_outs: pd.DataFrame,
    status: tuple[np.ndarray, np.ndarray],
    audience: pd.DataFrame,
    unassigned: str,
) -> dict[str, Any]:
    """The head counts that show nobody was lost: roster, active, opted out, listed, per persona.

    ``status``: which contacts are active, and which opted out.
    """
    active, opted = status
    matched = is_in(opt_outs["employee_id"], contacts["employee_id"]) | (
        is_in(opt_outs["email_key"], email_keys) & opt_outs["email_key"].ne("").to_numpy()
    )
    return {
        "employees_in_roster": len(contacts),
        "active_employees": int(active.sum()),
        "excluded_not_active": int((~active).sum()),
        "excluded_opted_out": int((active & opted).sum()),
        "opted_out_not_active": int((~active & opted).sum()),
        "opt_out_entries_matching_nobody": int((~matched).sum()),
        "listed": len(audience),
        "unassigned": int((audience["persona_id"] == unassigned).sum()),
        "by_persona": {
            p: int(n)
            for p, n in sorted(
                audience["persona_id"].value_counts().items(), key=lambda t: persona_sort_key(t[0])
            )
        },
    }


def _assigned(
    people: pd.DataFrame, employees: pd.DataFrame, persona_assignments: pd.DataFrame
) -> pd.DataFrame:
    """``people`` with their work pattern and persona assignment (missing where they have none).

    A look-up of each person's pid (the key of both tables), not a merge:
    merging a million rows on text keys of two kinds took seconds.
    """
    names = [c for c in persona_assignments.columns if c.startswith("persona_name")]
    # the columns' own arrays (Arrow text stays Arrow, not a Python string per cell)
    joined = {column: people[column].array for column in people.columns}
    at, keys = None, None
    for table, columns in (
        (employees, ["work_pattern"]),
        (persona_assignments, ["persona_id", *names, "assignment_source", "confidence"]),
    ):
        # both tables are usually keyed by the same pids in the same order: one look-up serves
        if at is None or not same_text(keys, table["pid"]):
            at, keys = positions_of(table["pid"], people["pid"]), table["pid"]
        for column in columns:
            joined[column] = pd.api.extensions.take(table[column].array, at, allow_fill=True)
    return pd.DataFrame(joined)


def _text_of(values: list[Any], codes: np.ndarray) -> pd.Series:
    """``values[code]`` for each code, as Arrow text (taken in Arrow, not one Python string each)."""
    return pd.Series(pd.array(pa.array(values, type=pa.large_string()).take(codes), dtype=TEXT))


def _name_personas(
    people: pd.DataFrame, playbook: Mapping[str, Any], languages: Sequence[str]
) -> None:
    """Each person's language (one of ``languages``, else the first), and the persona's name in
    it and in every language (for tools whose field holds one language, Staffbase)."""
    # Arrow's hash look-up: pandas' get_indexer made a Python string of every person's language
    spoken = positions_in(people["language"], list(languages))
    spoken[spoken < 0] = 0
    names, codes = _persona_names(playbook, people, languages)
    people["language"] = _text_of(list(languages), spoken)
    people["persona_name"] = _text_of(names, codes[spoken, np.arange(len(people))])
    for i, language in enumerate(languages):
        people[f"persona_name_{language}"] = _text_of(names, codes[i])


def _memberships(
    ids: pd.Series, plans: list[tuple[str, list[str], str]], plan_of: np.ndarray
) -> tuple[pd.DataFrame, bool]:
    """Each person's lists (``employee_id``, ``list_name``), sorted by list name then
    ``ids`` order, and whether everyone is on their own list.

    ``ids`` are the people's employee ids, in employee-id order.
    """
    names = sorted({name for _, lists, _ in plans for name in lists})
    code_of = {name: code for code, name in enumerate(names)}
    width = max((len(lists) for _, lists, _ in plans), default=0)
    # codes[p, j]: the j-th list of plan p, -1 past its last
    codes = np.full((len(plans), width), -1, dtype=np.intp)
    for p, (_, lists, _) in enumerate(plans):
        codes[p, : len(lists)] = [code_of[name] for name in lists]
    person_codes = codes[plan_of]
    who, slot = np.nonzero(person_codes >= 0)  # who ascends: people in id order
    list_codes = person_codes[who, slot]
    by = np.argsort(list_codes, kind="stable")
    members = pd.DataFrame(
        {
            "employee_id": ids.take(who[by]).reset_index(drop=True),
            "list_name": _text_of(names, list_codes[by]),
        }
    )
    own = np.array(
        [-1 if own is None else code_of.get(own, -2) for _, _, own in plans], dtype=np.intp
    )[plan_of]
    on_own = (own == -1) | (person_codes == own[:, None]).any(axis=1)
    return members, bool(on_own.all())
