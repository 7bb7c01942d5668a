"""The method section: how the number of personas was chosen, the reference, alphas, typing quality."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from segmentation.handoff import PersonaSummary

from .labels import Labels

OUTCOMES = {
    "rule": "rule",
    "pinned": "pinned",
    "fallback: most": "fallback_reproducible",
    "fallback: smallest": "fallback_smallest",
}


def outcome_text(labels: Labels, outcome: str) -> str:
    """How the number of personas was settled, in words (the personas stage writes a short code)."""
    key = next((k for prefix, k in OUTCOMES.items() if str(outcome).startswith(prefix)), None)
    return labels.ui(f"method.outcomes.{key}") if key else str(outcome or "")


def method(summary: PersonaSummary, report: Mapping[str, Any], min_group: int) -> dict[str, Any]:
    """The k table (small persona sizes hidden), reference, alphas and typing quality."""
    labels = Labels(report)
    rows = []
    for candidate in summary.k_table:
        row = asdict(candidate)
        small = (
            row["smallest_persona_size"] is not None and row["smallest_persona_size"] < min_group
        )
        rows.append(
            {
                **row,
                "smallest_persona_size": None
                if small
                else (
                    int(row["smallest_persona_size"])
                    if row["smallest_persona_size"] is not None
                    else None
                ),
                "smallest_persona_share": None if small else row["smallest_persona_share"],
                "chosen": row["k"] == summary.chosen_k,
            }
        )
    reference = summary.structure_free_reference
    exploratory = bool(rows) and not any(row["eligible"] for row in rows)
    needed = (
        "k",
        "reproducibility",
        "reference_reproducibility",
        "reproducibility_gain",
        "silhouette",
        "reference_silhouette",
    )
    reference_text = (
        labels.ui("method.reference_text", **{k: reference[k] for k in needed})
        if all(isinstance(reference.get(k), int | float) for k in needed)
        else ""
    )
    typing_text = (
        labels.ui(
            "method.typing_text",
            accuracy=summary.typing_accuracy,
            baseline=summary.typing_baseline,
        )
        if summary.typing_accuracy is not None and summary.typing_baseline is not None
        else ""
    )
    return {
        "k_table": rows,
        "chosen_k": summary.chosen_k,
        "k_rule": summary.k_rule,
        "k_rule_outcome": summary.k_rule_outcome,
        "k_rule_outcome_text": outcome_text(labels, summary.k_rule_outcome),
        "reference_text": reference_text,
        # No k met the stability rule: the personas are exploratory, and nothing calls them better than chance.
        "exploratory": exploratory,
        "clearly_better": None if exploratory else reference.get("clearly_better_than_reference"),
        "alphas": [
            {"key": k, "label": labels.construct(k), "alpha": v} for k, v in summary.alphas.items()
        ],
        "typing_text": typing_text,
        "typing_accuracy": summary.typing_accuracy,
        "typing_baseline": summary.typing_baseline,
        "typing_calibration_error": summary.typing_calibration_error,
        "warnings": summary.warnings,
    }
