"""Every row accounted for: the rejects in one table and the counts that add up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from segmentation.employment import is_active
from segmentation.parsing import (
    concat_rejects,
    is_in,
)

from .columns import ANSWER_SET_MISSING, VALUE_CLEANED


def collect_rejects(
    roster_rejects: pd.DataFrame, survey_rejects: pd.DataFrame, match_rejects: pd.DataFrame
) -> pd.DataFrame:
    """All rejects in one table, in file and row order."""
    return (
        concat_rejects([roster_rejects, survey_rejects, match_rejects])
        .sort_values(["file", "row", "column"], kind="stable")
        .reset_index(drop=True)
    )


def summarise_ingestion(
    roster_detected: Mapping[str, Any],
    roster: pd.DataFrame,
    responses: pd.DataFrame,
    rejects: pd.DataFrame,
    survey_detected: Mapping[str, Any],
    active_statuses: Iterable[str],
) -> dict[str, Any]:
    """Rows read, used and rejected per file, and rejects by reason. The counts add up.

    The response rate's denominator is the roster's active employees
    (``active_statuses``, from ``globals.yml``).
    """
    row_rejects = rejects[rejects["action"] == "row_rejected"]
    cell_issues = rejects[rejects["action"] == ANSWER_SET_MISSING]
    cleaned = rejects[rejects["action"] == VALUE_CLEANED]

    def account(source: str, read: int, used: int) -> dict[str, Any]:
        mine = row_rejects[row_rejects["file"] == source]
        by_reason = {str(k): int(v) for k, v in mine["reason"].value_counts().sort_index().items()}
        rejected = int(len(mine))
        if read != used + rejected:
            raise AssertionError(
                f"row accounting for {source} does not add up: {read} read, {used} used, {rejected} rejected"
            )
        return {
            "file": source,
            "rows_read": read,
            "rows_used": used,
            "rows_rejected": rejected,
            "rejected_by_reason": by_reason,
        }

    files = {
        "roster": account(roster_detected["file"], int(roster_detected["rows_read"]), len(roster)),
        "survey": account(
            survey_detected["file"], int(survey_detected["rows_read"]), len(responses)
        ),
    }
    files["survey"].update(
        {
            "shape": survey_detected["shape"],
            "items_found": survey_detected["items_found"],
            "items_missing": survey_detected["items_missing"],
            "anonymous": bool(survey_detected.get("anonymous", False)),
        }
    )
    active = is_active(roster["employment_status"], active_statuses)
    if survey_detected.get("anonymous"):
        # nobody is named: the share of active employees that answered, if the survey went to this roster
        rate = len(responses) / max(1, int(active.sum()))
    else:
        rate = float(
            is_in(responses["employee_id"], roster.loc[active, "employee_id"]).sum()
        ) / max(1, int(active.sum()))
    if roster_detected.get("notes"):
        files["roster"]["notes"] = list(roster_detected["notes"])
    return {
        "files": files,
        "warnings": [*roster_detected.get("warnings", []), *survey_detected.get("warnings", [])],
        "rejects_by_reason": {
            str(k): int(v) for k, v in row_rejects["reason"].value_counts().sort_index().items()
        },
        "answers_set_missing": int(len(cell_issues)),
        "values_cleaned": int(len(cleaned)),
        "respondents": int(len(responses)),
        "employees": int(len(roster)),
        "response_rate_active": round(rate, 4),
    }
