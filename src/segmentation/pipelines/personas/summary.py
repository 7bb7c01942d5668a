"""The personas part of the run summary."""

from __future__ import annotations

import pandas as pd

from segmentation.jsonable import to_plain


def summarise_personas(
    persona_count_selection: dict,
    construct_reliability: dict,
    persona_profiles: dict,
    adoption_overview: dict,
    typing_evaluation: dict,
    golden_questions: dict,
    persona_assignments: pd.DataFrame,
) -> dict:
    """The personas part of the run summary: plain JSON types only."""
    sources = persona_assignments["assignment_source"].value_counts()
    inferred = persona_assignments["assignment_source"] == "inferred"
    assigned = persona_assignments["persona_id"].isin(list(persona_profiles))
    warnings = [
        *construct_reliability["warnings"],
        *persona_count_selection["warnings"],
        *adoption_overview["warnings"],
        *typing_evaluation["warnings"],
    ]
    return to_plain(
        {
            "basis": persona_count_selection["basis"],
            "n_respondents": persona_count_selection["n_respondents"],
            "k_table": persona_count_selection["k_table"],
            "chosen_k": persona_count_selection["chosen_k"],
            "k_rule": persona_count_selection["k_rule"],
            "k_rule_outcome": persona_count_selection["k_rule_outcome"],
            "structure_free_reference": persona_count_selection["structure_free_reference"],
            "alphas": construct_reliability["alphas"],
            "personas": [
                {
                    "persona_id": p,
                    # the name in every language (name, name_<language>)
                    **{k: n for k, n in v.items() if k == "name" or k.startswith("name_")},
                    "size": v["size"],
                    "share": v["share"],
                }
                for p, v in persona_profiles.items()
            ],
            "innovators_vs_conservatives": {
                k: adoption_overview[k]
                for k in (
                    "innovators_share",
                    "conservatives_share",
                    "innovator_categories",
                    "conservative_categories",
                    "shares",
                    "n",
                    "rule",
                )
            },
            "typing_accuracy": typing_evaluation["accuracy"],
            "typing_baseline": typing_evaluation["baseline"],
            "typing_calibration_error": typing_evaluation["expected_calibration_error"],
            "golden_questions": [i["item_id"] for i in golden_questions["items"]],
            "golden_questions_accuracy": golden_questions["accuracy"],
            "assignments": {
                "survey": int(sources.get("survey", 0)),
                "inferred": int((inferred & assigned).sum()),
                "unassigned": int((~assigned).sum()),
            },
            "warnings": warnings,
        }
    )
