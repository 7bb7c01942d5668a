"""The waves part of the run summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from segmentation.jsonable import to_plain


def summarise_waves(
    persona_identities: Mapping[str, Any],
    persona_migration: Mapping[str, Any],
    adoption_summary: Mapping[str, Any],
    adoption_trend: list[dict[str, Any]],
    badges: Mapping[str, Any],
) -> dict[str, Any]:
    """The waves part of the run summary: the previous wave used, matched, new and retired
    personas, who moved, the adoption headline, the activity log's rows and the badges."""
    personas = persona_identities.get("personas", [])

    def brief(p: Mapping[str, Any], *keys: str) -> dict[str, Any]:
        return {
            "persona_id": p["persona_id"],
            "name": p.get("name"),
            "name_he": p.get("name_he"),
            **{k: p.get(k) for k in keys},
        }

    first_wave = persona_identities.get("previous_wave") is None
    overall = adoption_summary.get("overall", {})
    metrics = [m["key"] for m in adoption_summary.get("metrics", [])]
    return to_plain(
        {
            "wave": adoption_summary.get("wave"),
            "previous_wave": persona_identities.get("previous_wave"),
            "previous_wave_source": persona_identities.get("previous_wave_source"),
            "first_wave": first_wave,
            "refit": persona_identities.get("refit", True),
            "model_from_wave": persona_identities.get("model_from_wave"),
            "max_distance": persona_identities.get("max_distance"),
            "comparable": persona_identities.get("comparable", True),
            "not_matched_reason": persona_identities.get("not_matched_reason"),
            "personas": {
                "matched": [brief(p, "distance") for p in personas if p.get("status") == "matched"],
                "new": [
                    brief(p, "nearest_previous", "nearest_distance")
                    for p in personas
                    if p.get("status") == "new"
                ],
                "retired": [
                    brief(p, "nearest_current", "nearest_distance")
                    for p in persona_identities.get("retired", [])
                ],
            },
            "migration": {
                k: persona_migration.get(k)
                for k in (
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
            },
            "adoption": {
                "activity_log": adoption_summary.get("activity_log"),
                "wave_end": adoption_summary.get("wave_end"),
                "population": overall.get("population"),
                **{f"{m}_share": overall.get(f"{m}_share") for m in metrics},
                "targets": {m["key"]: m.get("target") for m in adoption_summary.get("metrics", [])},
                "on_track": {m: overall.get(f"{m}_on_track") for m in metrics},
            },
            "activity": {
                k: adoption_summary.get("activity", {}).get(k)
                for k in (
                    "file",
                    "present",
                    "rows_read",
                    "rows_used",
                    "rows_rejected",
                    "rejected_by_reason",
                )
            },
            "trend": [
                {
                    "wave": t["wave"],
                    "activity_log": t["activity_log"],
                    **{f"{m}_share": v for m, v in t["shares"].items()},
                    "persona_shares": [
                        {k: p.get(k) for k in ("persona_id", "name", "name_he", "share")}
                        for p in t.get("persona_sizes", [])
                    ],
                }
                for t in adoption_trend
            ],
            "badges": [
                {
                    k: a.get(k)
                    for k in (
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
                }
                for a in badges.get("awards", [])
            ],
        }
    )
