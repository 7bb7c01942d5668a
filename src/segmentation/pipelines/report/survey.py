"""The constructs and scales the report speaks of, from the questionnaire's roles and scales."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from segmentation.codebook import COMMON_BOUNDS, Codebook
from segmentation.roles import (
    BARRIERS,
    CHANNELS,
    GAMIFICATION,
    INNOVATIVENESS,
    MOBILE,
    NEEDS,
    SOCIAL_MEDIA,
    role_construct,
    survey_roles,
)

# The report's name of each one-construct role (``report.constructs``).
REPORT_ROLES = {
    "social_media": SOCIAL_MEDIA,
    "mobile": MOBILE,
    "innovativeness": INNOVATIVENESS,
    "barriers": BARRIERS,
    "gamification": GAMIFICATION,
}


def survey_constructs(questionnaire: Mapping[str, Any]) -> dict[str, Any]:
    """Which constructs the report speaks of, from the questionnaire's roles.

    A one-construct role the survey lacks is ``None`` and a role of many is
    an empty list: the report leaves its section out. The barriers items are
    shown one by one when the barriers score has several; each persona's
    trait chart shows every construct with a role except channel preferences.
    """
    roles = survey_roles(questionnaire)
    barriers = role_construct(roles, BARRIERS)
    barrier_items = list(questionnaire["constructs"][barriers]) if barriers else []
    single = {key: role_construct(roles, role) for key, role in REPORT_ROLES.items()}
    return {
        **single,
        "needs": list(roles[NEEDS]),
        "channels": list(roles[CHANNELS]),
        "barrier_items": barrier_items if len(barrier_items) > 1 else [],
        "traits": [c for c in [*single.values(), *roles[NEEDS]] if c],
    }


def survey_scales(
    questionnaire: Mapping[str, Any], report_constructs: Mapping[str, Any]
) -> dict[str, Any]:
    """What the report needs of the scales: each construct's and item's bounds and thresholds, and the score axis.

    ``scales[name]`` holds ``min``, ``max``, ``agree_from`` (the lowest
    answer that agrees or prefers), ``low_below`` and ``high_from`` (score
    levels), all from the questionnaire's scale, never a 1-5 number.
    ``score_axis`` is where the report's means are drawn and shown: the one
    range of the constructs it reads, or the common 0-100 scale when they are
    on different ranges (their means are then converted).
    """
    codebook = Codebook.from_params(questionnaire)

    def plain(scale) -> dict[str, float]:
        return {
            "min": scale.min,
            "max": scale.max,
            "agree_from": scale.agree_from,
            "low_below": scale.low_below,
            "high_from": scale.high_from,
        }

    scales = {i: plain(codebook.item_scale(i)) for i in codebook.scored_items}
    scales.update(
        {
            c: plain(codebook.construct_scale(c))
            for c, items in codebook.constructs.items()
            if any(i in scales for i in items)
        }
    )
    read = [c for c in all_constructs({"constructs": report_constructs}) if c in scales] + list(
        report_constructs.get("barrier_items", [])
    )
    bounds = {(scales[c]["min"], scales[c]["max"]) for c in read}
    low, high = next(iter(bounds)) if len(bounds) == 1 else COMMON_BOUNDS
    return {
        "scales": scales,
        "score_axis": {
            "bounds": [low, high],
            "common": len(bounds) > 1,
            "range": f"{low:g}-{high:g}",
        },
    }


def on_score_axis(report: Mapping[str, Any], key: str, value: float | None) -> float | None:
    """A mean as the report shows it: on its own scale, or on 0-100 when the report's scores are on different ranges."""
    if value is None or not report["score_axis"]["common"]:
        return value
    scale = report["scales"][key]
    return (value - scale["min"]) * (COMMON_BOUNDS[1] / (scale["max"] - scale["min"]))


def all_constructs(report: Mapping[str, Any]) -> list[str]:
    """Every construct the report reads, in a stable order without repeats."""
    c = report["constructs"]
    names = [
        c["social_media"],
        c["mobile"],
        c["innovativeness"],
        c["barriers"],
        c["gamification"],
        *c["needs"],
        *c["channels"],
        *c.get("traits", []),
    ]
    return [n for n in dict.fromkeys(names) if n]


def group_dimensions(report: Mapping[str, Any]) -> list[str]:
    """Employee columns that are ever broken down: breakdowns and persona demographics."""
    return list(dict.fromkeys([*report["breakdowns"], *report["personas"]["demographics"]]))
