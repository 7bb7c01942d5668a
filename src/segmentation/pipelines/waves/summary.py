"""The waves part of the run summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from segmentation.handoff import names_in
from segmentation.jsonable import to_plain

# The fields each part of the summary copies from the stage's outputs.
MIGRATION_FIELDS = (
    "available",
    "reason",
    "from_wave",
    "panel",
    "min_confidence",
    "uncertain",
    "counted",
    "movers",
    "movers_share",
    "movers_share_including_uncertain",
    "most_common_move",
)
ACTIVITY_FIELDS = (
    "file",
    "present",
    "rows_read",
    "rows_used",
    "rows_rejected",
    "rejected_by_reason",
)
BADGE_FIELDS = (
    "badge_id",
    "rule",
    "metric",
    "name",
    "description",
    "status",
    "units",
    "value",
    "since",
    "reason",
)
IDENTITY_FIELDS = (
    "previous_wave",
    "previous_wave_source",
    "refit",
    "model_from_wave",
    "max_distance",
    "comparable",
    "not_matched_reason",
)
# What an identity field reads when the personas stage did not say.
IDENTITY_DEFAULTS = {"refit": True, "comparable": True}


def _picked(source: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: source.get(k) for k in fields}


def _brief(persona: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """A persona by id and names, with ``keys`` beside."""
    return {
        "persona_id": persona["persona_id"],
        "name": None,
        **names_in(persona),
        **{k: persona.get(k) for k in keys},
    }


def _persona_changes(persona_identities: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """This wave's personas matched to the previous wave's, the new ones and the retired ones."""
    personas = persona_identities.get("personas", [])
    return {
        "matched": [_brief(p, "distance") for p in personas if p.get("status") == "matched"],
        "new": [
            _brief(p, "nearest_previous", "nearest_distance")
            for p in personas
            if p.get("status") == "new"
        ],
        "retired": [
            _brief(p, "nearest_current", "nearest_distance")
            for p in persona_identities.get("retired", [])
        ],
    }


def _adoption_headline(adoption_summary: Mapping[str, Any]) -> dict[str, Any]:
    """The overall shares against their targets."""
    overall = adoption_summary.get("overall", {})
    metrics = [m["key"] for m in adoption_summary.get("metrics", [])]
    return {
        "activity_log": adoption_summary.get("activity_log"),
        "wave_end": adoption_summary.get("wave_end"),
        "population": overall.get("population"),
        **{f"{m}_share": overall.get(f"{m}_share") for m in metrics},
        "targets": {m["key"]: m.get("target") for m in adoption_summary.get("metrics", [])},
        "on_track": {m: overall.get(f"{m}_on_track") for m in metrics},
    }


def _trend_row(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One wave of the trend: its shares and its personas' shares."""
    return {
        "wave": entry["wave"],
        "activity_log": entry["activity_log"],
        **{f"{m}_share": v for m, v in entry["shares"].items()},
        "persona_shares": [
            {
                "persona_id": p.get("persona_id"),
                "name": None,
                **names_in(p),
                "share": p.get("share"),
            }
            for p in entry.get("persona_sizes", [])
        ],
    }


def summarise_waves(
    persona_identities: Mapping[str, Any],
    persona_migration: Mapping[str, Any],
    adoption_summary: Mapping[str, Any],
    adoption_trend: list[dict[str, Any]],
    badges: Mapping[str, Any],
) -> dict[str, Any]:
    """The waves part of the run summary: the previous wave used, matched, new and retired
    personas, who moved, the adoption headline, the activity log's rows and the badges."""
    identity = {
        k: persona_identities.get(k, IDENTITY_DEFAULTS[k])
        if k in IDENTITY_DEFAULTS
        else persona_identities.get(k)
        for k in IDENTITY_FIELDS
    }
    return to_plain(
        {
            "wave": adoption_summary.get("wave"),
            "previous_wave": identity["previous_wave"],
            "previous_wave_source": identity["previous_wave_source"],
            "first_wave": identity["previous_wave"] is None,
            **{k: identity[k] for k in IDENTITY_FIELDS[2:]},
            "personas": _persona_changes(persona_identities),
            "migration": _picked(persona_migration, MIGRATION_FIELDS),
            "adoption": _adoption_headline(adoption_summary),
            "activity": _picked(adoption_summary.get("activity", {}), ACTIVITY_FIELDS),
            "trend": [_trend_row(t) for t in adoption_trend],
            "badges": [_picked(a, BADGE_FIELDS) for a in badges.get("awards", [])],
        }
    )
