"""Channel scoring and reach: which channels suit a persona and who they reach.

A persona's channels are ranked by what its members say they prefer
(``channel_*`` constructs), nudged by what they do (``mobile_use``,
``social_media_use``) and scaled by reach: a channel its members cannot
receive (company email for frontline workers, office screens for remote
workers) is worth less however much they like it. Weights, reach and texts
come from ``campaign.playbook.channels``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .rules import fill_text, is_missing

WORK_PATTERN_PREFIX = "work_pattern_"


def work_pattern_shares(figures: Mapping[str, Any]) -> dict[str, float]:
    """The persona's share per work pattern, from its ``work_pattern_*`` figures."""
    return {
        key[len(WORK_PATTERN_PREFIX) :]: float(value)
        for key, value in figures.items()
        if key.startswith(WORK_PATTERN_PREFIX) and not is_missing(value)
    }


def channel_reach(spec: Mapping[str, Any], work_pattern: Any) -> float:
    """Reach of a channel for one work pattern (1.0 when the pattern is not listed)."""
    if is_missing(work_pattern):
        return 1.0
    return float(spec.get("reach", {}).get(str(work_pattern), 1.0))


def persona_reach(spec: Mapping[str, Any], shares: Mapping[str, float]) -> float:
    """Share of a persona a channel reaches, given its work-pattern mix."""
    total = sum(shares.values())
    if total <= 0:
        return 1.0
    return sum(share * channel_reach(spec, pattern) for pattern, share in shares.items()) / total


def _label(labels: Mapping[str, Any], key: str, language: str) -> str:
    return str(labels.get(key, {}).get(language, key))


def _details(
    items: list[dict[str, Any]],
    template: Mapping[str, str],
    empty: Mapping[str, str],
    joiner: Mapping[str, str],
    language: str,
) -> str:
    """``items`` as one text in ``language``; values given per language are picked."""
    if not items:
        return str(empty[language])
    return joiner[language].join(
        fill_text(
            template[language],
            {k: v[language] if isinstance(v, Mapping) else v for k, v in item.items()},
        )
        for item in items
    )


def score_channels(
    figures: Mapping[str, Any],
    channels: Mapping[str, Any],
    construct_labels: Mapping[str, Any],
    work_pattern_labels: Mapping[str, Any],
    decimals: int,
) -> list[dict[str, Any]]:
    """Every channel of the catalog with its score, best first, each with its reason."""
    shares = work_pattern_shares(figures)
    languages = tuple(channels["reason"])
    scored = []
    for order, (channel, spec) in enumerate(channels["catalog"].items()):
        behaviour_items = [
            {
                "z": float(z),
                "weight": float(weight),
                "label": {lang: _label(construct_labels, behaviour, lang) for lang in languages},
            }
            for behaviour, weight in spec.get("behaviour", {}).items()
            if not is_missing(z := figures.get(f"{behaviour}_z"))
        ]
        reach_items = [
            {
                "share": share,
                "reach": channel_reach(spec, pattern),
                "pattern": {lang: _label(work_pattern_labels, pattern, lang) for lang in languages},
            }
            for pattern, share in shares.items()
            if share > 0 and channel_reach(spec, pattern) < 1.0
        ]
        entry = _channel_score(channel, spec, figures, shares, behaviour_items, channels, decimals)
        entry["reason"] = _channel_reason(entry, behaviour_items, reach_items, channels, languages)
        scored.append((-entry["score"], order, entry))
    return [entry for _, _, entry in sorted(scored, key=lambda t: (t[0], t[1]))]


def _channel_score(
    channel: str,
    spec: Mapping[str, Any],
    figures: Mapping[str, Any],
    shares: Mapping[str, float],
    behaviour_items: list[dict[str, Any]],
    channels: Mapping[str, Any],
    decimals: int,
) -> dict[str, Any]:
    """A channel's score and the figures behind it (see the formula in parameters_campaign.yml)."""
    weights = channels["weights"]
    construct = spec["construct"]
    preference = figures.get(construct)
    preference_z = figures.get(f"{construct}_z")
    preference_100 = figures.get(f"{construct}_100")
    # The stated level on the common 0-100 scale, so a 1-7 or 0-10 preference weighs as a 1-5 one.
    level = 0.0 if is_missing(preference_100) else float(preference_100) / 100.0
    relative = 0.0 if is_missing(preference_z) else float(preference_z)
    behaviour = sum(item["weight"] * item["z"] for item in behaviour_items)
    appeal = max(
        0.0,
        weights["preference_level"] * level + weights["preference_relative"] * relative + behaviour,
    )
    reach = persona_reach(spec, shares)
    return {
        "channel": channel,
        "construct": construct,
        "label": dict(spec["label"]),
        "score": round(appeal * reach, decimals),
        "preference": None if is_missing(preference) else float(preference),
        "preference_z": None if is_missing(preference_z) else float(preference_z),
        "preference_100": None if is_missing(preference_100) else float(preference_100),
        "behaviour": round(behaviour, decimals),
        "reach": round(reach, decimals),
    }


def _channel_reason(
    entry: Mapping[str, Any],
    behaviour_items: list[dict[str, Any]],
    reach_items: list[dict[str, Any]],
    channels: Mapping[str, Any],
    languages: tuple[str, ...],
) -> dict[str, str]:
    """Why the channel scores what it does, in each language."""
    numbers = {
        **entry,
        **{
            k: float("nan")
            for k in ("preference", "preference_z", "preference_100")
            if entry[k] is None
        },
    }
    return {
        lang: fill_text(
            channels["reason"][lang],
            {
                **numbers,
                "behaviour_detail": _details(
                    behaviour_items,
                    channels["behaviour_item"],
                    channels["no_detail"],
                    channels["detail_joiner"],
                    lang,
                ),
                "reach_detail": _details(
                    reach_items,
                    channels["reach_item"],
                    channels["full_reach"],
                    channels["detail_joiner"],
                    lang,
                ),
            },
        )
        for lang in languages
    }


def top_channels(
    ranking: Sequence[Mapping[str, Any]], top_n: int, min_reach: float, why: str
) -> list[dict[str, Any]]:
    """The best ``top_n`` channels that reach at least ``min_reach`` of the persona.

    ``why`` explains each one's rank (``{rank}``, ``{score}``, ``{min_reach}``).
    """
    eligible = [dict(c) for c in ranking if c["reach"] >= min_reach]
    return [
        {
            "rule": "channels.scoring",
            **c,
            "rank": rank,
            "why": fill_text(why, {"rank": rank, "score": c["score"], "min_reach": min_reach}),
        }
        for rank, c in enumerate(eligible[:top_n], start=1)
    ]


def reaches(channels: Mapping[str, Any], channel: str, work_pattern: Any) -> bool:
    """Whether ``channel`` reaches a person with ``work_pattern``."""
    spec = channels["catalog"].get(channel, {})
    return channel_reach(spec, work_pattern) >= channels["person_min_reach"]


def person_channels(
    ordered: Sequence[str], top: Sequence[str], channels: Mapping[str, Any], work_pattern: Any
) -> tuple[str, list[str]]:
    """A person's primary channel and the top channels that reach them.

    The primary channel is the best-ranked channel (top ones first) that
    reaches their work pattern; when none does, the persona's first channel.
    """
    reachable_top = [c for c in top if reaches(channels, c, work_pattern)]
    primary = next(
        (c for c in ordered if reaches(channels, c, work_pattern)), ordered[0] if ordered else ""
    )
    return primary, reachable_top
