"""The report's Waves section: persona identities, sizes over time, movement, adoption, badges.

Reads the waves stage's outputs (``waves_summary``, ``adoption_summary``,
``persona_migration``), which hold only figures that may be shown; as
everywhere in the report, a count of 1 to ``min_group - 1`` people is hidden
here too, whatever the input says. Words come from ``report.labels.<lang>.waves``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from segmentation.anonymity import OTHER
from segmentation.demographics import band_translation
from segmentation.handoff import language_key
from segmentation.persona_ids import persona_sort_key

from .labels import Labels

UNKNOWN = "unknown"


def _count(value: Any, min_group: int) -> int | None:
    """A count that may be shown: None for a missing value or a small group."""
    if value is None:
        return None
    value = int(value)
    return None if 0 < value < min_group else value


def _name(entry: Mapping[str, Any], labels: Labels) -> str:
    """A persona's name in the report's language, else its id."""
    name = entry.get(language_key(labels.language, labels.languages))
    return str(name or entry.get("name") or entry.get("persona_id") or entry.get("key") or "")


def _pct(value: Any, labels: Labels) -> str:
    return labels.ui("hidden_mark") if value is None else f"{value:.0%}"


def group_label(
    labels: Labels, report: Mapping[str, Any], dimension: str, row: Mapping[str, Any]
) -> str:
    """The label of a breakdown group: persona name, age band, work pattern or org unit."""
    key = row["key"]
    if key == OTHER:
        return labels.ui("other_group")
    if key == UNKNOWN:
        return labels.value("misc", UNKNOWN)
    if dimension == "persona":
        return _name(row, labels)
    if dimension == "age_band":
        # the waves stage writes the stored band label (segmentation.demographics)
        return band_translation(report["age_bands"], labels.language).get(key, key)
    return labels.value(dimension, key)


def _dimension(labels: Labels, dimension: str) -> str:
    """A breakdown's name: the Waves section's own (persona, org unit), else the report's."""
    path = f"waves.dimensions.{dimension}"
    text = labels.ui(path)
    return labels.ui(f"dimensions.{dimension}") if text == path else text


def _status(on_track: Any, labels: Labels) -> str:
    if on_track is None:
        return ""
    return labels.ui("waves.on_track") if on_track else labels.ui("waves.off_track")


def _identities(summary: Mapping[str, Any], labels: Labels) -> dict[str, Any]:
    personas = summary.get("personas", {})
    rows = {
        kind: [
            {
                "persona_id": p["persona_id"],
                "name": _name(p, labels),
                "distance": p.get("distance", p.get("nearest_distance")),
                "nearest": p.get("nearest_previous") or p.get("nearest_current"),
            }
            for p in sorted(personas.get(kind, []), key=lambda p: persona_sort_key(p["persona_id"]))
        ]
        for kind in ("matched", "new", "retired")
    }
    return {
        **rows,
        "matched_title": labels.ui("waves.matched", wave=summary.get("previous_wave") or ""),
        "note": labels.ui("waves.identity_note", limit=summary.get("max_distance"))
        if summary.get("comparable", True)
        else labels.ui(
            f"waves.not_matched.{summary.get('not_matched_reason')}",
            wave=summary.get("previous_wave") or "",
        ),
    }


def _sizes(summary: Mapping[str, Any], labels: Labels) -> dict[str, Any]:
    trend = summary.get("trend", [])
    waves = [t["wave"] for t in trend]
    personas: dict[str, dict[str, Any]] = {}
    for t in trend:
        for p in t.get("persona_shares", []):
            personas.setdefault(
                p["persona_id"],
                {"persona_id": p["persona_id"], "name": _name(p, labels), "shares": {}},
            )
            personas[p["persona_id"]]["shares"][t["wave"]] = p.get("share")
    rows = [
        {**p, "shares": [p["shares"].get(w) for w in waves]}
        for p in sorted(personas.values(), key=lambda p: persona_sort_key(p["persona_id"]))
    ]
    return {"waves": waves, "rows": rows}


def _migration(
    migration: Mapping[str, Any], labels: Labels, min_group: int, to_wave: str
) -> dict[str, Any]:
    if not migration.get("available"):
        reason = labels.ui(f"waves.migration_reasons.{migration.get('reason')}")
        return {"available": False, "message": labels.ui("waves.no_migration", reason=reason)}
    sources, targets = migration["from"], migration["to"]
    counts = [[_count(c, min_group) for c in row] for row in migration["counts"]]
    totals = [_count(s.get("total"), min_group) for s in sources]
    shares = [
        [None if c is None or not t else c / t for c in row]
        for row, t in zip(counts, totals, strict=True)
    ]
    share = migration.get("movers_share")
    flows = [
        {
            "name": _name(f, labels),
            "mark": labels.ui("waves.retired_mark")
            if f.get("retired")
            else labels.ui("waves.new_mark")
            if f.get("new")
            else "",
            **{
                k: _count(f.get(k), min_group)
                for k in ("then", "now", "stayed", "moved_in", "moved_out")
            },
            "net": f.get("net"),
        }
        for f in migration.get("net_flows", [])
    ]
    return {
        "available": True,
        "from_wave": migration["from_wave"],
        "headline": labels.ui("waves.migration_headline", share=share, wave=migration["from_wave"])
        if share is not None
        else "",
        "note": labels.ui(
            "waves.migration_note",
            panel=_count(migration.get("panel"), min_group) or labels.ui("hidden_mark"),
            confidence=migration.get("min_confidence") or 0.0,
            uncertain=_count(migration.get("uncertain"), min_group)
            if migration.get("uncertain") is not None
            else labels.ui("hidden_mark"),
            share_all=_pct(migration.get("movers_share_including_uncertain"), labels),
        ),
        "share_note": labels.ui(
            "waves.row_share_note", from_wave=migration["from_wave"], to_wave=to_wave
        ),
        "from_title": labels.ui("waves.from_wave", wave=migration["from_wave"]),
        "to_title": labels.ui("waves.to_wave", wave=to_wave),
        "rows": [_name(s, labels) for s in sources],
        "columns": [_name(t, labels) for t in targets],
        "counts": counts,
        "row_totals": totals,
        "column_totals": [_count(t.get("total"), min_group) for t in targets],
        "row_shares": shares,
        "flows": flows,
    }


def _adoption(
    adoption: Mapping[str, Any],
    summary: Mapping[str, Any],
    report: Mapping[str, Any],
    labels: Labels,
    min_group: int,
) -> dict[str, Any]:
    metrics = adoption.get("metrics", [])
    keys = [m["key"] for m in metrics]
    metric_labels = [labels.localised(m["label"]) for m in metrics]
    overall = adoption.get("overall", {})
    activity = adoption.get("activity", {})
    measured = bool(adoption.get("activity_log"))
    out: dict[str, Any] = {
        "measured": measured,
        "metric_labels": metric_labels,
        "message": ""
        if measured
        else labels.ui("waves.no_activity", file=PurePosixPath(str(activity.get("file", ""))).name),
        "definitions_note": labels.ui(
            "waves.definitions_note",
            population=_count(overall.get("population"), min_group) or labels.ui("hidden_mark"),
            statuses=", ".join(
                labels.value("employment_status", s)
                for s in adoption.get("population_statuses", [])
            ),
            wave_end=adoption.get("wave_end"),
        ),
        "definitions": [
            {
                "label": labels.localised(m["label"]),
                "definition": labels.localised(m["definition"]),
                "share": overall.get(f"{m['key']}_share"),
                "target": m.get("target"),
                "benchmark": m.get("benchmark"),
                "status": _status(overall.get(f"{m['key']}_on_track"), labels),
            }
            for m in metrics
        ],
        "activity_line": labels.ui(
            "waves.activity_rows",
            file=PurePosixPath(str(activity.get("file", ""))).name,
            read=activity.get("rows_read", 0),
            used=activity.get("rows_used", 0),
            rejected=activity.get("rows_rejected", 0),
        )
        if measured
        else "",
        "rejects": [
            {"label": labels.value("reasons", reason), "count": n}
            for reason, n in (activity.get("rejected_by_reason") or {}).items()
        ]
        if measured
        else [],
    }
    out["headline"] = _adoption_headline(adoption, labels) if measured else ""
    out["trend"] = _adoption_trend(summary, keys, metric_labels)
    out["groups"] = _adoption_groups(adoption, report, labels, keys, min_group)
    return out


def _adoption_headline(adoption: Mapping[str, Any], labels: Labels) -> str:
    """Active and engaged shares against their targets, when all four are known."""
    metrics = adoption.get("metrics", [])
    keys = [m["key"] for m in metrics]
    overall = adoption.get("overall", {})
    shares = {k: overall.get(f"{k}_share") for k in keys}
    targets = {m["key"]: m.get("target") for m in metrics}
    return (
        labels.ui(
            "waves.headline",
            active=shares["active"],
            engaged=shares["engaged"],
            active_target=targets["active"],
            engaged_target=targets["engaged"],
        )
        if {"active", "engaged"} <= set(keys)
        and None not in (shares["active"], shares["engaged"], targets["active"], targets["engaged"])
        else ""
    )


def _adoption_trend(
    summary: Mapping[str, Any], keys: list[str], metric_labels: list[str]
) -> dict[str, Any]:
    """Each measure's share in every wave with an activity log."""
    trend = [t for t in summary.get("trend", []) if t.get("activity_log")]
    return {
        "waves": [t["wave"] for t in trend],
        "rows": [
            {"label": label, "shares": [t.get(f"{k}_share") for t in trend]}
            for k, label in zip(keys, metric_labels, strict=True)
        ],
    }


def _adoption_groups(
    adoption: Mapping[str, Any],
    report: Mapping[str, Any],
    labels: Labels,
    keys: list[str],
    min_group: int,
) -> list[dict[str, Any]]:
    """Adoption by persona and by unit: people, respondents, inferred, shares and status."""
    groups = []
    for dimension, rows in adoption.get("groups", {}).items():
        groups.append(
            {
                "dimension": dimension,
                "title": labels.ui("waves.by_group", dimension=_dimension(labels, dimension)),
                "rows": [
                    {
                        "label": group_label(labels, report, dimension, row),
                        "population": _count(row.get("population"), min_group),
                        "respondents": _count(row.get("respondents"), min_group),
                        "inferred": _count(row.get("inferred"), min_group),
                        "shares": [row.get(f"{k}_share") for k in keys],
                        "status": [_status(row.get(f"{k}_on_track"), labels) for k in keys],
                    }
                    for row in rows
                ],
            }
        )
    return groups


def _badges(summary: Mapping[str, Any], labels: Labels) -> list[dict[str, Any]]:
    out = []
    for badge in summary.get("badges", []):
        status = badge.get("status")
        if status == "held":
            text = labels.ui("waves.status_held", since=badge.get("since"))
        elif status == "awarded":
            text = labels.ui("waves.status_awarded")
        else:
            text = labels.ui("waves.status_not_awarded")
            if badge.get("reason"):
                text += f" ({labels.ui('waves.badge_reasons.' + badge['reason'])})"
        value = badge.get("value")
        if value is None:
            value_text = ""
        elif badge.get("rule") == "most_improved":
            value_text = labels.ui("waves.points", value=100 * value)
        elif str(badge.get("metric", "")).endswith("_per_head"):
            value_text = f"{value:.2f}"
        else:
            value_text = _pct(value, labels)
        out.append(
            {
                "name": labels.localised(badge.get("name") or badge.get("badge_id")),
                "description": labels.localised(badge.get("description") or ""),
                "status": text,
                "units": ", ".join(badge.get("units") or []),
                "value": value_text,
            }
        )
    return out


def waves_section(
    waves_summary: Mapping[str, Any],
    adoption_summary: Mapping[str, Any],
    persona_migration: Mapping[str, Any],
    report: Mapping[str, Any],
    min_group: int,
) -> dict[str, Any]:
    """Everything the Waves section shows, in the report's language."""
    labels = Labels(report)
    lines = [
        labels.ui("waves.first_wave")
        if waves_summary.get("first_wave")
        else labels.ui("waves.compared_with", wave=waves_summary.get("previous_wave"))
    ]
    if not waves_summary.get("refit", True):
        lines.append(labels.ui("waves.refit_false", wave=waves_summary.get("model_from_wave")))
    wave = str(waves_summary.get("wave") or adoption_summary.get("wave"))
    return {
        "wave": wave,
        "first_wave": bool(waves_summary.get("first_wave")),
        "lines": lines,
        "identities": _identities(waves_summary, labels),
        "sizes": _sizes(waves_summary, labels),
        "migration": _migration(persona_migration, labels, min_group, wave),
        "adoption": _adoption(adoption_summary, waves_summary, report, labels, min_group),
        "badges": _badges(waves_summary, labels),
    }
