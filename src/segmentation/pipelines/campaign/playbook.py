"""The launch playbook per persona: value propositions, channels, 4 Ps, gamification, training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from segmentation.roles import GAMIFICATION, NEEDS, survey_roles

from .channels import score_channels, top_channels
from .exports import list_name
from .playbook_checks import RULE_FAMILIES, asked_channels, playbook_problems, survey_figures
from .rules import (
    RuleError,
    apply_rules,
    fill_text,
    is_missing,
    prune_rule_sets,
)


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
    setting = {
        "params": playbook_params,
        "roles": roles,
        "channels": channels,
        "families": families,
        "construct_labels": construct_labels,
        "work_pattern_labels": labels["work_patterns"],
        "decimals": decimals,
    }
    playbook = {
        persona_id: _persona_entry(persona_id, entry, setting)
        for persona_id, entry in persona_figures.items()
    }
    unassigned = naming["unassigned"]
    playbook[unassigned["id"]] = _unassigned_entry(unassigned, playbook_params, channels, languages)
    return playbook


RANKING_KEYS = ("channel", "construct", "score", "preference", "preference_z", "behaviour", "reach")


def _persona_entry(
    persona_id: str, entry: Mapping[str, Any], setting: Mapping[str, Any]
) -> dict[str, Any]:
    """One persona's playbook entry, from its figures and the survey's setting."""
    params, roles, channels = setting["params"], setting["roles"], setting["channels"]
    families, explanations = setting["families"], params["explanations"]
    figures = entry["figures"]
    propositions = _value_propositions(
        figures,
        params["value_propositions"],
        setting["construct_labels"],
        roles[NEEDS],
        explanations,
    )
    ranking = score_channels(
        figures,
        channels,
        setting["construct_labels"],
        setting["work_pattern_labels"],
        setting["decimals"],
    )
    top = top_channels(
        ranking, channels["top_n"], channels["min_reach"], explanations["channel_rank"]
    )
    four_ps = apply_rules(families["four_ps"], figures)
    four_ps["product"] = {
        "message_angle": _message_angle(
            propositions,
            params["value_propositions"]["message_angle"],
            explanations["message_angle"],
        ),
        **four_ps["product"],
    }
    return {
        "persona_id": persona_id,
        "name": dict(entry["name"]),
        "broad": False,
        "figures": dict(figures),
        "value_propositions": propositions,
        "channels": {
            "top": top,
            "ranking": [{k: c[k] for k in RANKING_KEYS} for c in ranking],
        },
        "four_ps": four_ps,
        "gamification": apply_rules(families["gamification"], figures)
        if roles[GAMIFICATION]
        else {},
        "training": apply_rules(families["training"], figures),
        "lists": [list_name(persona_id, c["channel"]) for c in top],
    }


def _unassigned_entry(
    unassigned: Mapping[str, Any],
    playbook_params: Mapping[str, Any],
    channels: Mapping[str, Any],
    languages: Sequence[str],
) -> dict[str, Any]:
    """The entry of people without a persona: the broad channels and the general note."""
    return {
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
                    "why": playbook_params["explanations"]["broad_channels"],
                }
                for rank, c in enumerate(channels["broad"], start=1)
            ],
            "ranking": [],
        },
        "lists": [list_name(unassigned["id"], channels["broad_list_name"])]
        if channels["broad"]
        else [],
    }
