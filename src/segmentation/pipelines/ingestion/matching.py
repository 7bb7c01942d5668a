"""Responses joined to the roster: by employee id, else by email; one response per employee."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.parsing import (
    TEXT,
    concat_rejects,
    is_in,
    positions_in,
    rejects_frame,
)

from .columns import ROW


def match_respondents(
    responses: pd.DataFrame,
    roster: pd.DataFrame,
    roster_rejected_keys: list[str],
    survey_detected: Mapping[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join responses to the roster by employee id, else by email; keep each employee's latest.

    Rejects ``id_email_conflict`` (the id is one employee's, the email
    another's), ``unknown_employee`` (no roster match), ``employee_rejected_in_roster``
    (the match is a roster row that was itself rejected) and
    ``duplicate_response`` (an older submission by the same employee).
    An anonymous export is joined to nobody: every response is kept, keyed by
    its file and row (``respondent_key``), with no employee id.
    """
    source = survey_detected["file"]
    if survey_detected.get("anonymous"):
        used = responses.assign(
            employee_id=None, respondent_key=[f"anonymous:{source}:{r}" for r in responses[ROW]]
        )
        return used.reset_index(drop=True), concat_rejects([])
    by_id, by_email = _roster_matches(responses, roster)
    # decided on the key columns; the wide answers are taken once, at the end
    matched = pd.DataFrame(
        {
            "employee_id": responses["respondent_id"].where(by_id, by_email),
            "submitted_at": responses["submitted_at"],
            ROW: responses[ROW],
        }
    )
    # an id naming one employee and an email naming another: which one answered is unknown
    conflict = (by_id & by_email.notna() & (by_email != responses["respondent_id"])).to_numpy()
    rejects = [_conflict_rejects(source, responses[conflict], by_email[conflict])]
    matched = matched[~conflict]
    unmatched = matched["employee_id"].isna()
    named = responses.loc[matched.index[unmatched], ["respondent_id", "email", ROW]]
    rejects.extend(_unmatched_rejects(source, named, set(roster_rejected_keys)))
    order = matched[~unmatched].sort_values(
        ["employee_id", "submitted_at", ROW], na_position="first"
    )
    older = order.duplicated("employee_id", keep="last")
    rejects.append(
        rejects_frame(
            source,
            order.loc[older, ROW],
            "employee_id",
            order.loc[older, "employee_id"],
            "duplicate_response",
        )
    )
    kept = order[~older].sort_values(ROW)
    used = responses.loc[kept.index].assign(employee_id=kept["employee_id"]).reset_index(drop=True)
    return used, concat_rejects(rejects)


def _roster_matches(responses: pd.DataFrame, roster: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Whether each response's id is a roster id, and the employee its email names (NaN for none)."""
    by_id = pd.Series(
        is_in(responses["respondent_id"], roster["employee_id"].dropna()), index=responses.index
    )
    with_email = roster[roster["email_key"].notna()]
    # the last roster row of an email wins, as building a dict from them did
    with_email = with_email[~with_email["email_key"].duplicated(keep="last")]
    position = positions_in(responses["email"], with_email["email_key"])
    # taken as Arrow text: a million Python strings made here were turned back into Arrow text
    by_email = pd.Series(
        with_email["employee_id"].astype(TEXT).array.take(position, allow_fill=True),
        index=responses.index,
    )
    return by_id, by_email


def _conflict_rejects(source: str, conflicting: pd.DataFrame, others: pd.Series) -> pd.DataFrame:
    """``id_email_conflict`` for responses whose id names one employee and email another."""
    return rejects_frame(
        source,
        conflicting[ROW],
        "respondent_id",
        [
            f"{i} (the email {e} is employee {o}'s)"
            for i, e, o in zip(
                conflicting["respondent_id"], conflicting["email"], others, strict=True
            )
        ],
        "id_email_conflict",
    )


def _unmatched_rejects(
    source: str, named: pd.DataFrame, rejected_roster: set[str]
) -> list[pd.DataFrame]:
    """Responses that name nobody on the valid roster: ``employee_rejected_in_roster`` or ``unknown_employee``.

    Listed under the column that named them (the id, else the email).
    """
    if named.empty:
        return []
    keys = named["respondent_id"].where(named["respondent_id"] != "", named["email"])
    reason = keys.map(
        lambda k: "employee_rejected_in_roster" if k in rejected_roster else "unknown_employee"
    )
    column = np.where(named["respondent_id"] != "", "respondent_id", "email")
    rejects = []
    for why in sorted(reason.unique()):
        pick = (reason == why).to_numpy()
        for col in sorted(set(column[pick])):
            sel = pick & (column == col)
            rejects.append(rejects_frame(source, named[ROW][sel], col, keys[sel], why))
    return rejects
