"""Campaign: the launch playbook per persona, targeting lists, champions, manager briefs.

Every number, rule and text comes from ``conf/base/parameters_campaign.yml``
(``campaign``); these functions only read data and parameters and return
data. The one table with clear identifiers (``contacts``) is joined here and
only what a campaign list needs leaves this stage: never a survey answer or
a construct score.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.codebook import Codebook
from segmentation.contacts import email_key, opted_out_mask
from segmentation.datasets import RawTable
from segmentation.employment import is_active
from segmentation.errors import InputFileError, RunStopped
from segmentation.parsing import (
    clean_ids,
    concat_rejects,
    id_key,
    is_in,
    locate_columns,
    rejects_frame,
)
from segmentation.persona_ids import persona_sort_key
from segmentation.roles import (
    CHANNELS,
    GAMIFICATION,
    NEEDS,
    SINGLE,
    RoleError,
    left_out_parts,
    resolve,
    survey_roles,
)

from .channels import WORK_PATTERN_PREFIX, person_channels, score_channels, top_channels
from .exports import (
    LIST_CHANNEL,
    TAGS,
    join_lines,
    list_channel,
    list_name,
    preset_frame,
    preset_keep,
    preset_lines,
    render_rows,
    render_table,
)
from .rules import (
    RuleError,
    apply_rules,
    fill_text,
    is_missing,
    prune_rule_sets,
    rule_ids,
    rule_set_problems,
)

logger = logging.getLogger(__name__)

SURVEY = "survey"
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
RULE_FAMILIES = ("four_ps", "gamification", "training")
PLAYBOOK_SOURCE = "campaign.playbook (conf/<env>/parameters_campaign.yml)"


# ------------------------------------------------------------------ helpers
def natural_key(text: str) -> tuple:
    """Sort key that puts P2 before P10."""
    return tuple(
        int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", str(text)))
    )


def _plain(value: Any, decimals: int) -> Any:
    """A JSON-ready number: rounded float, int, or None for missing."""
    if is_missing(value) or (isinstance(value, np.floating) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return round(float(value), decimals)


def _language(value: Any, available: Any, languages: Sequence[str]) -> str:
    """The person's language when it is one of ``available``, else the first of ``languages``."""
    return value if isinstance(value, str) and value in available else languages[0]


def audience_columns(languages: Sequence[str]) -> list[str]:
    """The audience's columns: the contract's, the last name and the persona's name in each language."""
    return [*CONTRACT_COLUMNS, "last_name", *(f"persona_name_{lang}" for lang in languages)]


def _assigned_name(assignments: Any, language: str) -> Any:
    """The assignments' persona names in ``language``: ``persona_name_<language>`` where
    the personas stage wrote one, else ``persona_name`` (a row or a table)."""
    return assignments.get(f"persona_name_{language}", assignments["persona_name"])


# ------------------------------------------------------------------ figures
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
            "name": {lang: str(_assigned_name(first, lang)) for lang in languages},
            "figures": {k: _plain(v, decimals) for k, v in values.items()},
        }
    return figures


# ------------------------------------------------------------------ playbook
def _role_aliases(roles: Mapping[str, list[str]], constructs: list[str]) -> dict[str, str]:
    """One-construct role -> its construct, where the two names differ and the construct was scored."""
    return {
        role: roles[role][0]
        for role in SINGLE
        if roles.get(role) and roles[role][0] != role and roles[role][0] in constructs
    }


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


def _value_propositions(
    figures: Mapping[str, Any],
    params: Mapping[str, Any],
    labels: Mapping[str, Any],
    asked: list[str],
    explanations: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The value propositions of the persona's strongest needs relative to everyone.

    Only needs the survey asked (``asked``) and the playbook has texts for.
    """
    needs = [n for n in params["needs"] if n in asked and not is_missing(figures.get(f"{n}_z"))]
    ranked = sorted(needs, key=lambda n: (-figures[f"{n}_z"], n))
    chosen = [n for n in ranked if figures[f"{n}_z"] >= params["min_z"]][: params["per_persona"]]
    rule = "value_propositions.strongest_needs"
    if not chosen:
        chosen, rule = ranked[:1], "value_propositions.strongest_available"
    out = []
    for rank, need in enumerate(chosen, start=1):
        numbers = {
            "z": figures[f"{need}_z"],
            **{
                key: float("nan") if is_missing(figures.get(figure)) else figures[figure]
                for key, figure in (("mean", need), ("mean_100", f"{need}_100"))
            },
        }
        out.append(
            {
                "rule": rule,
                "need": need,
                "rank": rank,
                "mean": figures.get(need),
                "z": figures[f"{need}_z"],
                **{lang: dict(text) for lang, text in params["needs"][need].items()},
                "reason": {
                    lang: fill_text(
                        template, {**numbers, "label": labels.get(need, {}).get(lang, need)}
                    )
                    for lang, template in params["reason"].items()
                },
                "why": fill_text(
                    explanations[rule.rsplit(".", 1)[1]],
                    {
                        "need": need,
                        "z": figures[f"{need}_z"],
                        "rank": rank,
                        "min_z": params["min_z"],
                    },
                ),
            }
        )
    return out


def _message_angle(
    value_propositions: list[dict[str, Any]], template: Mapping[str, str], why: str
) -> list[dict[str, Any]]:
    if not value_propositions:
        return []
    top = value_propositions[0]
    return [
        {
            "rule": "product.message_angle",
            **{lang: fill_text(text, top[lang]) for lang, text in template.items()},
            "why": fill_text(why, {"need": top["need"]}),
        }
    ]


def build_playbook(
    persona_figures: Mapping[str, Any],
    playbook_params: Mapping[str, Any],
    labels: Mapping[str, Any],
    figures_params: Mapping[str, Any],
    naming: Mapping[str, Any],
    questionnaire: Mapping[str, Any],
    languages: Sequence[str],
) -> dict[str, Any]:
    """The launch playbook per persona: value propositions, channels, 4 Ps,
    gamification and training, each recommendation with the rule behind it.

    Only what the survey asked: channels whose preference it asked, its
    needs, rules whose figures it has, gamification when it asked its appeal.
    People without a persona get an ``unassigned`` entry with the broad
    channels, so every list and brief has a playbook entry to point to.
    """
    problems = playbook_problems(
        questionnaire, playbook_params, figures_params, {"min_scores": {}, "weights": {}}
    )
    if problems:
        raise RuleError("; ".join(problems))
    roles = survey_roles(questionnaire)
    decimals = int(figures_params["decimals"])
    construct_labels = naming.get("labels", {})
    channels = asked_channels(playbook_params["channels"], roles)
    families, _ = prune_rule_sets(
        {name: playbook_params[name] for name in RULE_FAMILIES},
        survey_figures(questionnaire, figures_params),
    )
    explanations = playbook_params["explanations"]
    playbook: dict[str, Any] = {}
    for persona_id, entry in persona_figures.items():
        figures = entry["figures"]
        propositions = _value_propositions(
            figures,
            playbook_params["value_propositions"],
            construct_labels,
            roles[NEEDS],
            explanations,
        )
        ranking = score_channels(
            figures, channels, construct_labels, labels["work_patterns"], decimals
        )
        top = top_channels(
            ranking, channels["top_n"], channels["min_reach"], explanations["channel_rank"]
        )
        four_ps = apply_rules(families["four_ps"], figures)
        four_ps["product"] = {
            "message_angle": _message_angle(
                propositions,
                playbook_params["value_propositions"]["message_angle"],
                explanations["message_angle"],
            ),
            **four_ps["product"],
        }
        playbook[persona_id] = {
            "persona_id": persona_id,
            "name": dict(entry["name"]),
            "broad": False,
            "figures": dict(figures),
            "value_propositions": propositions,
            "channels": {
                "top": top,
                "ranking": [
                    {
                        k: c[k]
                        for k in (
                            "channel",
                            "construct",
                            "score",
                            "preference",
                            "preference_z",
                            "behaviour",
                            "reach",
                        )
                    }
                    for c in ranking
                ],
            },
            "four_ps": four_ps,
            "gamification": apply_rules(families["gamification"], figures)
            if roles[GAMIFICATION]
            else {},
            "training": apply_rules(families["training"], figures),
            "lists": [list_name(persona_id, c["channel"]) for c in top],
        }
    unassigned = naming["unassigned"]
    playbook[unassigned["id"]] = {
        "persona_id": unassigned["id"],
        "name": {lang: unassigned[lang] for lang in languages},
        "broad": True,
        "note": dict(playbook_params["unassigned"]["note"]),
        "channels": {
            "top": [
                {
                    "rule": "channels.broad",
                    "channel": c,
                    "label": dict(channels["catalog"][c]["label"]),
                    "rank": rank,
                    "why": explanations["broad_channels"],
                }
                for rank, c in enumerate(channels["broad"], start=1)
            ],
            "ranking": [],
        },
        "lists": [list_name(unassigned["id"], channels["broad_list_name"])]
        if channels["broad"]
        else [],
    }
    return playbook


# ------------------------------------------------------------------ opt-outs
def parse_opt_out(
    raw: RawTable, opt_out_params: Mapping[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The opt-out file as ``employee_id``, a folded ``email_key`` and the ``row`` the user sees, per entry.

    An absent file means nobody opted out. A file with neither column stops
    the run: silently ignoring it would message people who said no.
    """
    empty = pd.DataFrame(
        {
            "employee_id": pd.Series([], dtype=str),
            "email_key": pd.Series([], dtype=str),
            "row": pd.Series([], dtype="int64"),
        }
    )
    if not raw.present or raw.cells.empty:
        return empty, {"file": raw.source, "file_present": bool(raw.present), "entries": 0}
    header = raw.cells.iloc[0].tolist()
    found = locate_columns(header, opt_out_params["columns"])
    if not found:
        raise InputFileError(
            raw.source,
            "the opt-out file has neither an employee id nor an email column.",
            "a header row with 'employee_id' and/or 'email' (see the data contract).",
        )
    body = raw.cells.iloc[1:].reset_index(drop=True)
    ids = (
        clean_ids(body[found["employee_id"]])[0]
        if "employee_id" in found
        else pd.Series("", index=body.index)
    )
    emails = (
        email_key(clean_ids(body[found["email"]])[0])
        if "email" in found
        else pd.Series("", index=body.index)
    )
    entries = pd.DataFrame(
        {"employee_id": ids.to_numpy(dtype=object), "email_key": emails.to_numpy(dtype=object)}
    ).astype(str)
    entries["row"] = raw.row_numbers[1:]
    entries = entries[(entries["employee_id"] != "") | (entries["email_key"] != "")].reset_index(
        drop=True
    )
    return entries, {
        "file": raw.source,
        "file_present": True,
        "entries": len(entries),
        "columns": sorted(found),
    }


def match_opt_outs(
    opt_out_entries: pd.DataFrame,
    opt_out_file: Mapping[str, Any],
    contacts: pd.DataFrame,
    opt_out_params: Mapping[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Each opt-out entry matched to the roster; none passes quietly.

    An entry matches by exact employee id or by email. An id that matches
    nobody exactly gets a second look with :func:`~segmentation.parsing.id_key`
    (the id as Excel leaves it: ``2346`` for ``02346``); every roster id with
    the same key is opted out (an ambiguous key opts out all of them: a
    message not sent costs less than one sent to someone who said no). Both
    kinds of entry are listed in ``opt_out_rejects`` with their row: matched
    after normalising (``id_matched_after_normalising``, with the roster id)
    and matching nobody (``matches_nobody``), and counted in the summary's
    warnings. ``opt_out.unmatched: stop`` stops the run on an entry that
    matches nobody instead (the default, ``warn``, lets people who left the
    roster stay on the opt-out list).

    Returns the opt-outs to apply (``employee_id`` as in the roster,
    ``email_key``), the summary for the run summary and the listed entries.
    """
    source = opt_out_file.get("file", "opt_out")
    summary = dict(opt_out_file)
    roster_ids = contacts["employee_id"].astype(str)
    has_id, has_email = opt_out_entries["employee_id"].ne(""), opt_out_entries["email_key"].ne("")
    exact = is_in(opt_out_entries["employee_id"], roster_ids) & has_id.to_numpy()
    by_email = (
        is_in(opt_out_entries["email_key"], email_key(contacts["email"])) & has_email.to_numpy()
    )
    roster_by_key = (
        pd.Series(roster_ids.to_numpy(), index=id_key(roster_ids).to_numpy())
        .groupby(level=0)
        .agg(list)
    )
    second = ~exact & has_id.to_numpy()
    keys = id_key(opt_out_entries.loc[second, "employee_id"])
    resolved = pd.Series(
        [[] for _ in range(len(opt_out_entries))], index=opt_out_entries.index, dtype=object
    )
    resolved[second] = [roster_by_key.get(k, []) if k else [] for k in keys]
    by_key = resolved.map(len).gt(0).to_numpy()
    matched = exact | by_email | by_key
    applied = opt_out_entries.assign(
        employee_id=[
            ids if ids else [e]
            for e, ids in zip(opt_out_entries["employee_id"], resolved, strict=True)
        ]
    )
    opt_outs = (
        applied.explode("employee_id")[["employee_id", "email_key"]]
        .astype(str)
        .reset_index(drop=True)
    )

    normalised = opt_out_entries[by_key & ~exact]
    unmatched = opt_out_entries[~matched]
    rejects = (
        concat_rejects(
            [
                rejects_frame(
                    source,
                    normalised["row"],
                    "employee_id",
                    [
                        f"{e} (roster: {', '.join(ids)})"
                        for e, ids in zip(
                            normalised["employee_id"], resolved[by_key & ~exact], strict=True
                        )
                    ],
                    "id_matched_after_normalising",
                    "opted_out",
                ),
                *(
                    rejects_frame(
                        source, part["row"], column, part[key], "matches_nobody", "not_applied"
                    )
                    for column, key, part in (
                        ("employee_id", "employee_id", unmatched[unmatched["employee_id"].ne("")]),
                        ("email", "email_key", unmatched[unmatched["employee_id"].eq("")]),
                    )
                ),
            ]
        )
        .sort_values("row", kind="stable")
        .reset_index(drop=True)
    )
    warnings = []
    if len(normalised):
        warnings.append(
            f"{source}: {len(normalised)} opt-out ids match a roster id only without their leading zeros "
            "or spacing (a file saved by Excel?); they are honoured (listed in opt_out_rejects.csv)."
        )
    rows = f"rows {', '.join(map(str, unmatched['row'].head(10).tolist()))}{', ...' if len(unmatched) > 10 else ''}"
    if len(unmatched):
        warnings.append(
            f"{source}: {len(unmatched)} opt-out entries match nobody in the roster ({rows}); check them: "
            "someone who opted out may be listed under another id or email (opt_out_rejects.csv)."
        )
    for warning in warnings:
        logger.warning(warning)
    summary.update(
        {
            "matched_exactly_or_by_email": int((exact | by_email).sum()),
            "matched_after_normalising": int(len(normalised)),
            "matching_nobody": int(len(unmatched)),
            "warnings": warnings,
        }
    )
    if len(unmatched) and opt_out_params.get("unmatched", "warn") == "stop":
        raise RunStopped(
            source,
            f"{len(unmatched)} opt-out entries match nobody in the roster ({rows}).",
            "every entry naming someone in the roster by id or email; fix or remove them, "
            "or set campaign.opt_out.unmatched: warn.",
        )
    return opt_outs, summary, rejects


# ------------------------------------------------------------------ targeting
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
    playbook: Mapping[str, Any],
    persona_ids: pd.Series,
    language: str,
    assigned: pd.Series,
    first: pd.Series,
) -> np.ndarray:
    """Everyone's persona name in ``language``: the playbook's, else the assignment's.

    The assignment's name is the one in ``language`` (``assigned``), else the
    one in the first language (``first``); one playbook look-up per persona.
    """
    codes, personas = pd.factorize(persona_ids, use_na_sentinel=True)
    names = np.array(
        [
            str(n) if (n := playbook.get(p, {}).get("name", {}).get(language)) else None
            for p in personas
        ]
        + [None],
        dtype=object,
    )
    out = names[codes]
    fallback = np.flatnonzero(np.equal(out, None))
    if len(fallback):
        out[fallback] = [
            str(own) if isinstance(own, str) else ("" if is_missing(other) else str(other))
            for own, other in zip(
                assigned.to_numpy(dtype=object)[fallback],
                first.to_numpy(dtype=object)[fallback],
                strict=True,
            )
        ]
    return out


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
    contacts = contacts.assign(employee_id=contacts["employee_id"].astype(str))
    active = is_active(contacts["employment_status"], targeting["active_statuses"])
    opted = opted_out_mask(contacts, opt_outs)
    people = contacts[active & ~opted].merge(
        employees[["pid", "work_pattern"]], on="pid", how="left"
    )
    names = [c for c in persona_assignments.columns if c.startswith("persona_name")]
    people = people.merge(
        persona_assignments[["pid", "persona_id", *names, "assignment_source", "confidence"]],
        on="pid",
        how="left",
    )
    without_assignment = int(people["persona_id"].isna().sum())
    if without_assignment:
        logger.warning(
            "%d active employees have no persona assignment; they go to the broad list",
            without_assignment,
        )
    people["persona_id"] = people["persona_id"].fillna(unassigned).astype(str)
    spoken = people["language"]
    people["language"] = np.where(spoken.isin(languages), spoken, languages[0]).tolist()
    # The name in every language, for tools whose field holds one language (Staffbase),
    # and in each person's own.
    named = {
        language: _persona_names(
            playbook,
            people["persona_id"],
            language,
            _assigned_name(people, language),
            people["persona_name"],
        )
        for language in languages
    }
    spoken_at = pd.Index(list(languages)).get_indexer(people["language"])
    people["persona_name"] = np.stack(list(named.values()))[
        spoken_at, np.arange(len(people))
    ].tolist()
    for language, names in named.items():
        people[f"persona_name_{language}"] = names.tolist()
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
    people["primary_channel"] = np.array([first for first, _, _ in plans], dtype=object)[
        plan_of
    ].tolist()
    order = people["employee_id"].sort_values(kind="stable").index.to_numpy()
    audience = people[audience_columns(languages)].take(order).reset_index(drop=True)
    rank = np.empty(len(people), dtype=np.intp)
    rank[order] = np.arange(len(people))
    ids = people["employee_id"].to_numpy(dtype=object)
    list_counts = np.array([len(lists) for _, lists, _ in plans], dtype=np.intp)[plan_of]
    who, named = [], []
    for j in range(max((len(lists) for _, lists, _ in plans), default=0)):
        at = np.flatnonzero(list_counts > j)
        who.append(at)
        named.append(
            np.array([lists[j] if j < len(lists) else "" for _, lists, _ in plans], dtype=object)[
                plan_of[at]
            ]
        )
    who_all = np.concatenate(who) if who else np.zeros(0, dtype=np.intp)
    names_all = np.concatenate(named) if named else np.zeros(0, dtype=object)
    # sorted by list name, then employee id (text order, as Python compares strings)
    sorted_names = sorted(set(names_all.tolist()))
    name_rank = (
        pd.Index(sorted_names, dtype=object).get_indexer(names_all)
        if len(names_all)
        else np.zeros(0, dtype=np.intp)
    )
    by = np.lexsort((rank[who_all], name_rank))
    members = pd.DataFrame(
        {"employee_id": ids[who_all[by]], "list_name": names_all[by]},
        columns=["employee_id", "list_name"],
        dtype=object,
    )
    own_listed = np.array([own is None or own in lists for _, lists, own in plans], dtype=bool)
    if own_listed[plan_of].all():
        on_own_lists = True
    else:
        on_lists = set(zip(ids[who_all].tolist(), names_all.tolist(), strict=True))
        on_own_lists = all(
            plans[p][2] is None or (e, plans[p][2]) in on_lists
            for e, p in zip(ids.tolist(), plan_of.tolist(), strict=True)
        )
    matched = is_in(opt_outs["employee_id"], contacts["employee_id"]) | (
        is_in(opt_outs["email_key"], email_key(contacts["email"]))
        & opt_outs["email_key"].ne("").to_numpy()
    )
    accounting = {
        "employees_in_roster": len(contacts),
        "active_employees": int(active.sum()),
        "excluded_not_active": int((~active).sum()),
        "excluded_opted_out": int((active & opted).sum()),
        "opted_out_not_active": int((~active & opted).sum()),
        "opt_out_entries_matching_nobody": int((~matched).sum()),
        "listed": len(audience),
        "unassigned": int((audience["persona_id"] == unassigned).sum()),
        "without_assignment": without_assignment,
        "by_persona": {
            p: int(n)
            for p, n in sorted(
                audience["persona_id"].value_counts().items(), key=lambda t: persona_sort_key(t[0])
            )
        },
        "checks": {
            "listed_equals_active_minus_opted_out": len(audience) == int((active & ~opted).sum()),
            "each_listed_once": bool(audience["employee_id"].is_unique),
            "each_on_own_primary_list": on_own_lists,
        },
    }
    return audience, members, accounting


def export_targeting_lists(
    audience: pd.DataFrame,
    memberships: pd.DataFrame,
    playbook: Mapping[str, Any],
    targeting: Mapping[str, Any],
) -> tuple[dict[str, str], dict[str, Any]]:
    """The targeting folder as ``{file name: text}``.

    ``all_personas`` is always the data contract's CSV; each campaign list
    ``<persona_id>__<channel>`` is written in the configured preset. Every
    list a playbook entry names is written, even when empty, so the files
    of a wave are predictable.
    """
    presets = targeting["presets"]
    preset_name = targeting["preset"]
    if preset_name not in presets:
        raise ValueError(
            f"campaign.targeting.preset '{preset_name}' is not one of {sorted(presets)}"
        )
    preset = presets[preset_name]
    all_name = targeting["all_list_name"]
    contract = audience[CONTRACT_COLUMNS]
    contract_rows = render_rows(contract, presets["generic"])
    if contract_rows is None:
        files = {all_name: render_table(contract, presets["generic"])}
    else:
        files = {
            all_name: join_lines(
                render_table(contract.iloc[0:0], presets["generic"]), contract_rows
            )
        }
    counts: dict[str, Any] = {
        "preset": preset_name,
        "lists": {all_name: len(audience)},
        "left_out_missing_value": {},
    }
    names = sorted(
        {n for entry in playbook.values() for n in entry["lists"]} | set(memberships["list_name"]),
        key=natural_key,
    )
    # audience rows of every membership, grouped by list, each list in employee-id order
    # (positions, not a label lookup per list: a million memberships took a minute)
    position = _positions(audience["employee_id"], memberships["employee_id"])
    by_list = pd.DataFrame(
        {
            "list_name": memberships["list_name"].to_numpy(dtype=object),
            "employee_id": memberships["employee_id"].to_numpy(dtype=object),
            "position": position,
        }
    )
    by_list = by_list.sort_values(["list_name", "employee_id"], kind="stable")
    starts = {
        name: group.to_numpy()
        for name, group in by_list.groupby("list_name", sort=False)["position"]
    }
    # Each audience row is rendered once per channel (once in all when the preset does not
    # name the channel), then every list joins the lines of its rows: rendering each list
    # on its own converted and wrote a million rows per channel cell by cell.
    by_channel: dict[str, list[str]] = {}
    for name in names:
        by_channel.setdefault(_row_channel(preset, name), []).append(name)
    rendered: dict[str, tuple[np.ndarray, Any]] = {}
    reused = _contract_lines(audience, contract_rows, preset, presets["generic"])
    for channel, group in by_channel.items():
        used = [starts[name] for name in group if name in starts]
        if used and reused is not None:
            rendered[channel] = np.arange(len(audience)), reused
        elif used:
            listed = np.zeros(len(audience), dtype=bool)
            for positions in used:
                listed[positions] = True  # a position of -1 is the last row, as in iloc
            rows = np.flatnonzero(listed)
            rendered[channel] = (
                rows,
                preset_lines(
                    audience.iloc[rows].set_index("employee_id", drop=False), preset, channel
                ),
            )
    for name in names:
        positions = starts.get(name)
        rows, lines = rendered.get(_row_channel(preset, name), (None, None))
        if positions is None or lines is None:  # an empty list, or a cell with a line break
            _render_list(files, counts, name, audience, positions, preset)
            continue
        head, text, keep = lines
        at = np.searchsorted(rows, np.where(positions < 0, positions + len(audience), positions))
        kept = at[keep[at]]
        files[name] = join_lines(head, text[kept])
        counts["lists"][name] = len(kept)
        if len(at) - len(kept):
            counts["left_out_missing_value"][name] = int(len(at) - len(kept))
    return files, counts


def _positions(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Where each of ``wanted`` is among the (unique) ``ids``, -1 when nowhere.

    Arrow's hash look-up when both are text without gaps; else the index's.
    """
    text = _arrow_text(ids)
    look_for = _arrow_text(wanted)
    gapless = (
        text is not None
        and look_for is not None
        and text.null_count == 0
        and look_for.null_count == 0
    )
    if gapless and pc.count_distinct(text).as_py() == len(text):
        found = pc.index_in(look_for.cast(text.type), value_set=text)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.intp)
    return pd.Index(ids.to_numpy(dtype=object)).get_indexer(wanted.to_numpy(dtype=object))


def _arrow_text(values: pd.Series) -> pa.Array | None:
    """The column as one Arrow string array, when it is Arrow text (else ``None``)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        text = pa.array(values.array)
        return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    if (
        values.dtype == object
        and len(values)
        and pd.api.types.infer_dtype(values, skipna=False) == "string"
    ):
        return pa.array(values.to_numpy(dtype=object), type=pa.large_string())
    return None


def _contract_lines(
    audience: pd.DataFrame,
    rows: np.ndarray | None,
    preset: Mapping[str, Any],
    generic: Mapping[str, Any],
) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The rows of ``all_personas`` as a list's rows, when the list's preset is the contract's.

    A list in the generic preset shows the same cells as ``all_personas``
    (``rows`` is only given for Arrow text and float columns, which render the
    same as the Python values a list's table holds).
    """
    if rows is None or preset != generic or preset.get("tags"):
        return None
    if list(preset["columns"].items()) != [(c, c) for c in CONTRACT_COLUMNS]:
        return None
    if {LIST_CHANNEL, TAGS} & set(preset.get("required", [])):
        return None
    _, keep = preset_keep(audience, preset, "")
    return (
        render_table(audience[CONTRACT_COLUMNS].iloc[0:0], preset),
        rows,
        keep.to_numpy(dtype=bool),
    )


def _row_channel(preset: Mapping[str, Any], name: str) -> str:
    """The channel a list's rows show: its own when the preset names it (tags, a column), else none."""
    if preset.get("tags") or LIST_CHANNEL in set(preset["columns"].values()):
        return list_channel(name)
    return ""


def _render_list(
    files: dict[str, str],
    counts: dict[str, Any],
    name: str,
    audience: pd.DataFrame,
    positions: Any,
    preset: Mapping[str, Any],
) -> None:
    """One list rendered on its own."""
    rows = (
        audience.iloc[positions].set_index("employee_id", drop=False)
        if positions is not None
        else audience.iloc[0:0]
    )
    table, left_out = preset_frame(rows, preset, list_channel(name))
    files[name] = render_table(table, preset)
    counts["lists"][name] = len(table)
    if left_out:
        counts["left_out_missing_value"][name] = left_out


# ------------------------------------------------------------------ champions
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
    candidates = people[is_in(people["pid"], eligible_pids)].merge(
        scores.assign(
            _score=sum(
                (w * z[c].fillna(0.0) for c, w in weights.items()),
                pd.Series(0.0, index=scores.index),
            )
        ),
        on="pid",
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


# ------------------------------------------------------------------ managers
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
        language = _language(manager_language, written, languages)
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


# ------------------------------------------------------------------ summary
def summarise_campaign(
    audience_accounting: Mapping[str, Any],
    opt_out_summary: Mapping[str, Any],
    targeting_list_counts: Mapping[str, Any],
    champions: pd.DataFrame,
    manager_briefs: pd.DataFrame,
    survey_parts: Mapping[str, Any],
    anonymity: Mapping[str, Any],
    targeting: Mapping[str, Any],
) -> dict[str, Any]:
    """The campaign's head counts for the run summary, with the checks that they add up,
    and what was left out because the survey did not ask it."""
    accounting = dict(audience_accounting)
    checks = dict(accounting.pop("checks"))
    lists = dict(targeting_list_counts["lists"])
    checks["all_personas_rows_equal_listed"] = (
        lists.get(targeting["all_list_name"]) == accounting["listed"]
    )
    checks["active_equals_listed_plus_opted_out"] = (
        accounting["active_employees"] == accounting["listed"] + accounting["excluded_opted_out"]
    )
    checks["roster_equals_active_plus_not_active"] = (
        accounting["employees_in_roster"]
        == accounting["active_employees"] + accounting["excluded_not_active"]
    )
    all_ok = all(checks.values())
    if not all_ok:
        logger.error(
            "Campaign head counts do not add up: %s", {k: v for k, v in checks.items() if not v}
        )
    # The briefs may come back from their CSV, where every cell is text.
    team_sizes = pd.to_numeric(manager_briefs["team_size"])
    too_small = int((team_sizes < int(anonymity["min_group_size"])).sum())
    return {
        **accounting,
        "opt_out": dict(opt_out_summary),
        "preset": targeting_list_counts["preset"],
        "lists": lists,
        "left_out_of_lists_missing_value": dict(targeting_list_counts["left_out_missing_value"]),
        "champions": len(champions),
        "champion_org_units": int(champions["org_unit"].nunique())
        if "org_unit" in champions
        else 0,
        "manager_briefs": len(manager_briefs),
        "manager_teams_too_small": too_small,
        "left_out": {k: list(v) for k, v in survey_parts.items() if k != "roles"},
        "checks": {**{k: bool(v) for k, v in checks.items()}, "all_ok": bool(all_ok)},
    }
