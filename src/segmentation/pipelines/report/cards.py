"""The persona cards: each persona's figures, words from its profile and its playbook, in the report's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from segmentation.anonymity import check_min_group
from segmentation.handoff import (
    PersonaProfile,
    PlaybookEntry,
)
from segmentation.parsing import is_in
from segmentation.persona_ids import persona_sort_key

from . import analysis
from .adapters import adapt_open_text
from .labels import Labels
from .plays import configured_proposition, persona_plays
from .scrub import guard_shares, scrub_text


def _tone(
    traits: list[dict[str, Any]],
    playbook_entry: Mapping[str, Any],
    tone_params: Mapping[str, Any],
    labels: Labels,
) -> dict[str, Any]:
    """Tone do's and don'ts: the campaign's tone to use, the report's rules for what to avoid.

    The campaign chooses each persona's tone (``four_ps.product.tone``): that is
    the "do". The playbook writes no don'ts, so they come from the report's
    rules on Cohen's d (``report.personas.tone``), which also give the "do"
    of a persona the playbook has no tone for.
    """
    d = {t["key"]: t["d"] for t in traits}
    min_d = tone_params["min_d"]
    fired = [
        rule
        for rule in tone_params["rules"]
        if d.get(rule["construct"]) is not None
        and (
            (rule["direction"] == "high" and d[rule["construct"]] >= min_d)
            or (rule["direction"] == "low" and d[rule["construct"]] <= -min_d)
        )
    ] or [tone_params["default"]]
    campaign = playbook_entry.get("tone", [])
    return {
        "do": [r["text"] for r in campaign] or [labels.localised(rule["do"]) for rule in fired],
        "dont": [labels.localised(rule["dont"]) for rule in fired],
        "rules": [r["rule_id"] for r in campaign] + [rule["id"] for rule in fired],
    }


def _one_line(traits: list[dict[str, Any]], min_d: float, labels: Labels) -> str:
    ranked = sorted(
        (t for t in traits if t["d"] is not None and abs(t["d"]) >= min_d),
        key=lambda t: -abs(t["d"]),
    )[:4]
    high = [
        t["label"].lower() if labels.language == "en" else t["label"] for t in ranked if t["d"] > 0
    ]
    low = [
        t["label"].lower() if labels.language == "en" else t["label"] for t in ranked if t["d"] < 0
    ]
    parts = []
    if high:
        parts.append(labels.ui("persona.high_on", traits=", ".join(high)))
    if low:
        parts.append(labels.ui("persona.low_on", traits=", ".join(low)))
    return "; ".join(parts) if parts else labels.ui("persona.no_traits")


_IDENTIFIERS = {"rule_id", "need", "channel", "construct", "topic", "key", "tone_rule_ids"}


def guard_texts(
    value: Any, group_size: int | None, min_group: int, mark: str, key: str = ""
) -> Any:
    """Every text in a (nested) structure with small-group percentages hidden (see :func:`guard_shares`)."""
    if key in _IDENTIFIERS:
        return value
    if isinstance(value, str):
        return guard_shares(value, group_size, min_group, mark)
    if isinstance(value, Mapping):
        return {k: guard_texts(v, group_size, min_group, mark, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [guard_texts(v, group_size, min_group, mark, key) for v in value]
    return value


def by_shown_share(channels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The playbook's chosen channels listed by the share that prefers them, as the card shows it.

    The playbook picks the channels (preference, reach and behaviour together);
    the card lists them in the order of the one figure it shows, so the list
    never reads "84%, 88%, 89%". Hidden shares go last, in the playbook's order.
    """
    ordered = sorted(channels, key=lambda c: (c["share"] is None, -(c["share"] or 0.0), c["rank"]))
    return [{**c, "position": i} for i, c in enumerate(ordered, start=1)]


def _quotes(members: pd.Series, texts: pd.DataFrame, params: Mapping[str, Any]) -> list[str]:
    mine = texts[is_in(texts["pid"], members)]
    if mine.empty:
        return []
    scrubbed = mine["text"].map(scrub_text)
    lengths = scrubbed.str.len()
    scrubbed = scrubbed[
        (lengths >= params["min_characters"]) & (lengths <= params["max_characters"])
    ]
    counts = scrubbed.value_counts()
    ranked = sorted(counts.index, key=lambda t: (-counts[t], t))
    return ranked[: int(params["max_quotes_per_persona"])]


def _card_needs(
    fig: Mapping[str, Any],
    play: Mapping[str, Any],
    top_needs: int,
    value_propositions: Mapping[str, Any] | None,
    labels: Labels,
) -> list[dict[str, Any]]:
    """The persona's top needs, each with its value proposition (the campaign's, else the
    configured one), then the needs the campaign chose that are not among them."""
    propositions = {vp["need"]: vp for vp in play.get("value_propositions", [])}
    top = fig["needs"][:top_needs]
    needs = [
        {
            **n,
            "proposition": propositions.get(n["key"])
            or configured_proposition(n["key"], value_propositions, labels),
        }
        for n in top
    ]
    shown = {n["key"] for n in top}
    return needs + [
        {
            "key": vp["need"],
            "label": labels.construct(vp["need"]) if vp["need"] else vp["title"],
            "share": next((n["share"] for n in fig["needs"] if n["key"] == vp["need"]), None),
            "mean": None,
            "proposition": vp,
        }
        for vp in play.get("value_propositions", [])
        if vp["need"] not in shown
    ]


def _card_channels(
    fig: Mapping[str, Any], play: Mapping[str, Any], top_channels: int
) -> list[dict[str, Any]]:
    """The playbook's chosen channels (else the most preferred), by the share shown."""
    if play.get("channels"):
        shares = {c["key"]: c["share"] for c in fig["channels"]}
        chosen = [
            {
                "key": c["construct"],
                "label": c["label"],
                "share": shares.get(c["construct"]),
                "reason": c["reason"],
                "rule_id": c["rule_id"],
                "rank": c["rank"],
            }
            for c in play["channels"][:top_channels]
        ]
    else:
        chosen = [
            {
                "key": c["key"],
                "label": c["label"],
                "share": c["share"],
                "reason": "",
                "rule_id": "",
                "rank": i,
            }
            for i, c in enumerate(fig["channels"][:top_channels], start=1)
        ]
    return by_shown_share(chosen)


def _card_quotes(
    report_base: pd.DataFrame,
    pid: str,
    size: int,
    texts: pd.DataFrame | None,
    params: Mapping[str, Any],
) -> list[str]:
    """Free-text answers of the persona's respondents, when shown and the persona is large enough."""
    if texts is None or size < int(params["min_persona_respondents"]):
        return []
    members = report_base.loc[
        report_base["respondent"]
        & report_base["persona_source"].eq("survey")
        & report_base["persona_id"].eq(pid),
        "pid",
    ]
    return _quotes(members, texts, params)


CARD_FIGURES = ("size", "share", "inferred", "total", "traits", "adopter_mix", "demographics")


def _persona_card(
    pid: str,
    fig: Mapping[str, Any],
    profile: PersonaProfile | None,
    play: Mapping[str, Any],
    report: Mapping[str, Any],
    value_propositions: Mapping[str, Any] | None,
    min_group: int,
    labels: Labels,
) -> dict[str, Any]:
    """One shown persona's card. Texts from other stages may quote shares of the persona: those
    that could describe a small group are hidden (judged on the respondents, the smaller of the
    persona's populations)."""
    mark = labels.ui("hidden_mark")
    play = guard_texts(play, fig["size"], min_group, mark)
    names = profile.name if profile else {labels.language: pid}
    description = guard_texts(profile.description if profile else {}, fig["size"], min_group, mark)
    params = report["personas"]
    return {
        "persona_id": pid,
        "name": labels.localised(names),
        "other_name": labels.other_language(names),
        "hidden": False,
        "description": labels.localised(description),
        "one_line": _one_line(fig["traits"], params["tone"]["min_d"], labels),
        **{k: fig[k] for k in CARD_FIGURES},
        "needs": _card_needs(fig, play, int(params["top_needs"]), value_propositions, labels),
        "channels": _card_channels(fig, play, int(params["top_channels"])),
        "channel_means": {c["key"]: c["mean"] for c in fig["channels"]},
        "four_ps": [
            {
                "key": p,
                "label": labels.ui(f"persona.{p}"),
                "items": play.get("four_ps", {}).get(p, []),
            }
            for p in ("product", "price", "place", "promotion")
        ],
        "gamification": play.get("gamification", []),
        "training": play.get("training", []),
        "help_desk": play.get("help_desk", []),
        "tone": _tone(fig["traits"], play, params["tone"], labels),
        "has_playbook": bool(play),
    }


def build_persona_cards(
    report_base: pd.DataFrame,
    persona_profiles: Mapping[str, PersonaProfile],
    playbook: Mapping[str, PlaybookEntry],
    open_text: pd.DataFrame,
    report: Mapping[str, Any],
    anonymity: Mapping[str, Any],
    value_propositions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One card per persona: figures (anonymity-checked), words from the profiles, the playbook.

    ``value_propositions`` is the playbook's configuration: a need shown on a
    card that the campaign did not pick still gets the message written for it.
    """
    min_group = check_min_group(anonymity)
    labels = Labels(report)
    figures = analysis.persona_figures(
        report_base, sorted(persona_profiles, key=persona_sort_key), report, min_group
    )
    show_text = bool(report.get("show_open_text", False))
    text_params = report["open_text"]
    texts = adapt_open_text(open_text, text_params["column"]) if show_text else None
    cards = []
    for pid in sorted(set(figures["visible"]) | set(figures["hidden"]), key=persona_sort_key):
        profile = persona_profiles.get(pid)
        if pid in figures["hidden"]:
            name = labels.localised(profile.name) if profile else pid
            cards.append({"persona_id": pid, "name": name, "hidden": True})
            continue
        fig = figures["personas"][pid]
        play = persona_plays(playbook.get(pid), labels)
        card = _persona_card(pid, fig, profile, play, report, value_propositions, min_group, labels)
        card["quotes"] = _card_quotes(report_base, pid, fig["size"], texts, text_params)
        cards.append(card)
    return {
        "cards": cards,
        "n_respondents": figures["n_respondents"],
        "show_open_text": show_text,
        "trait_axis": figures["trait_axis"],
    }
