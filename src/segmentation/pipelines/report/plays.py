"""The campaign's playbook as the persona cards show it: one persona's plays in the report's language.

The playbook arrives checked (:func:`segmentation.handoff.read_playbook`); this
module only picks the texts of the report's language (the first configured
language when a text lacks it) and names each recommendation's rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from segmentation.handoff import PlaybookEntry, Recommendation, Text

from .labels import Labels


def _recs(recommendations: list[Recommendation], labels: Labels) -> list[dict[str, str]]:
    return [
        {"text": labels.localised(r.text), "rule_id": r.rule, "why": r.why, "topic": r.topic}
        for r in recommendations
    ]


def _proposition(
    need: str, texts: Mapping[str, Text], labels: Labels, reason: Text, rule_id: str
) -> dict[str, Any]:
    """A value proposition's texts (``title``, ``headline``, ``proof_point``, ``example_post``)."""
    example = labels.localised(texts.get("example_post"))
    return {
        "need": need,
        "title": labels.localised(texts.get("title")),
        "headline": labels.localised(texts.get("headline")),
        "proof_point": labels.localised(texts.get("proof_point")),
        "examples": [example] if example else [],
        "reason": labels.localised(reason),
        "rule_id": rule_id,
    }


def persona_plays(entry: PlaybookEntry | None, labels: Labels) -> dict[str, Any]:
    """One persona's playbook in the card's shape, texts in the report's language ({} without one).

    ``{value_propositions: [{need, title, headline, proof_point, examples,
    reason, rule_id}], channels: [{channel, construct, label, rank, score,
    reason, rule_id}], four_ps: {p: [rec]}, gamification: [rec], training:
    [rec], help_desk: [rec]}`` where ``rec`` is ``{text, rule_id, why,
    topic}``; training's ``help_desk`` topic is shown on its own.
    """
    if entry is None:
        return {}
    training = _recs(entry.training, labels)
    return {
        "value_propositions": [
            _proposition(
                v.need,
                {
                    "title": v.title,
                    "headline": v.headline,
                    "proof_point": v.proof_point,
                    "example_post": v.example_post,
                },
                labels,
                v.reason,
                v.rule,
            )
            for v in entry.value_propositions
        ],
        "channels": [
            {
                "channel": c.channel,
                "construct": c.construct or f"channel_{c.channel}",
                "label": labels.localised(c.label),
                "rank": c.rank,
                "score": c.score,
                "reason": labels.localised(c.reason),
                "rule_id": c.rule,
            }
            for c in sorted(entry.channels, key=lambda c: c.rank)
        ],
        "four_ps": {p: _recs(recs, labels) for p, recs in entry.four_ps.items()},
        "gamification": _recs(entry.gamification, labels),
        "training": [r for r in training if r["topic"] != "help_desk"],
        "help_desk": [r for r in training if r["topic"] == "help_desk"],
        "tone": _recs(entry.topic("four_ps.product", "tone"), labels),
    }


def configured_proposition(
    need: str, value_propositions: Mapping[str, Any] | None, labels: Labels
) -> dict[str, Any] | None:
    """The playbook configuration's texts for ``need`` (``value_propositions.needs``), when it has any.

    A need the card shows but the campaign did not pick as one of the persona's
    strongest still has a message written for it; the card shows that message
    instead of saying none exists.
    """
    texts = ((value_propositions or {}).get("needs") or {}).get(need)
    if not isinstance(texts, Mapping):
        return None
    by_part = {
        part: {lang: t[part] for lang, t in texts.items() if isinstance(t, Mapping) and t.get(part)}
        for part in ("title", "headline", "proof_point", "example_post")
    }
    return _proposition(need, by_part, labels, {}, "")
