"""Which responses count: finished, with enough items answered, consenting, not straight-lined."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.codebook import Codebook, normalise_text
from segmentation.parsing import ROW_REJECTED, concat_rejects, fold, rejects_frame

from .columns import ROW
from .survey_layout import SurveyExport

logger = logging.getLogger(__name__)


def _finished_rows(
    body: pd.DataFrame, meta: Mapping[str, int], shape: Mapping[str, Any]
) -> np.ndarray | None:
    """Which responses the tool marks as finished, or None when the export does not say.

    A ``finished`` column (Qualtrics) says it with true/1/yes; a shape with
    ``unsubmitted_is_incomplete: true`` (LimeSurvey) says it with a blank
    submission date.
    """
    if "finished" in meta:
        return fold(body.iloc[:, meta["finished"]]).isin(["true", "1", "yes"]).to_numpy()
    if shape.get("unsubmitted_is_incomplete") and "submitted_at" in meta:
        return body.iloc[:, meta["submitted_at"]].astype(str).str.strip().ne("").to_numpy()
    return None


STRAIGHT_LINING = "straight_lining"
FLAGGED = "flagged"


def straight_liners(
    responses: pd.DataFrame,
    candidates: np.ndarray,
    items: list[str],
    source: str,
    rule: Mapping[str, Any],
) -> pd.DataFrame:
    """Responses with the same answer to every scored item: listed, and left out of the personas unless kept by the rule.

    Such a response says nothing about the person's attitudes; kept, it
    forms a persona of its own. Its person is then placed from HR data like
    a non-respondent (:func:`_warn_straight_lining` says so, once per file).
    """
    if not rule.get("check", True):
        return concat_rejects([])
    # column by column: no responses x items copy of the answers
    answered = np.zeros(len(responses), dtype=np.int64)
    high = np.full(len(responses), -np.inf)
    low = np.full(len(responses), np.inf)
    for item in items:
        answers = responses[item].to_numpy(dtype=float)
        finite = np.isfinite(answers)
        answered += finite
        np.maximum(high, np.where(finite, answers, -np.inf), out=high)
        np.minimum(low, np.where(finite, answers, np.inf), out=low)
    same = candidates & (answered >= int(rule["min_items"])) & (high == low)
    if not same.any():
        return concat_rejects([])
    values = [
        f"{v:g} to all {n} items answered" for v, n in zip(high[same], answered[same], strict=True)
    ]
    return rejects_frame(
        source,
        responses.loc[same, ROW],
        "(items)",
        values,
        STRAIGHT_LINING,
        ROW_REJECTED if rule["exclude"] else FLAGGED,
    )


def warn_straight_lining(
    source: str, count: int, rule: Mapping[str, Any], warnings: list[str]
) -> None:
    if not count:
        return
    warning = (
        f"{source}: {count} responses give the same answer to every item (straight-lining); "
        + (
            "left out of the personas and placed from HR data (survey.straight_lining.exclude)."
            if rule["exclude"]
            else "kept in the personas as survey.straight_lining.exclude is false."
        )
    )
    logger.warning(warning)
    warnings.append(warning)


def incomplete_responses(
    responses: pd.DataFrame,
    export: SurveyExport,
    codebook: Codebook,
    survey_params: Mapping[str, Any],
) -> tuple[pd.Series, np.ndarray | None, list[pd.DataFrame]]:
    """Responses the tool marks unfinished, or with too few items answered: rejected as ``incomplete``.

    Returns which responses are incomplete, which the tool marks finished
    (None when it does not say) and the rejects.
    """
    body, rows, meta, header = export.body, export.rows, export.meta, export.header
    answered = responses[codebook.scored_items].notna().sum(axis=1)
    incomplete = answered < survey_params["min_answered_share"] * len(codebook.scored_items)
    finished = _finished_rows(body, meta, export.shape)
    rejects = []
    if finished is not None:
        unfinished = ~finished
        flag = meta["finished"] if "finished" in meta else meta["submitted_at"]
        values = (
            body.iloc[:, flag][unfinished].astype(str)
            if "finished" in meta
            else pd.Series(["not submitted"] * int(unfinished.sum()))
        )
        if (
            "progress" in meta
        ):  # how far they got: "False (progress 40)", "not submitted (last page 3)"
            where = header[meta["progress"]].strip().lower()
            values = [
                f"{f} ({where} {p})"
                for f, p in zip(values, body.iloc[:, meta["progress"]][unfinished], strict=True)
            ]
        rejects.append(
            rejects_frame(export.source, rows[unfinished], header[flag], values, "incomplete")
        )
        incomplete = incomplete & finished
    rejects.append(
        rejects_frame(
            export.source,
            rows[incomplete.to_numpy()],
            "(items)",
            [f"{n} of {len(codebook.scored_items)} items answered" for n in answered[incomplete]],
            "incomplete",
        )
    )
    return incomplete, finished, rejects


def refusals(
    export: SurveyExport,
    consent: int,
    incomplete: pd.Series,
    finished: np.ndarray | None,
    survey_params: Mapping[str, Any],
) -> pd.DataFrame:
    """Complete responses that did not answer yes to the consent question: rejected as ``no_consent``."""
    column = export.body.iloc[:, consent]
    yes = {normalise_text(v) for v in survey_params["consent_yes"]}
    refused = ~fold(column).isin(yes).to_numpy() & ~incomplete.to_numpy()
    if finished is not None:
        refused &= finished
    return rejects_frame(
        export.source,
        export.rows[refused],
        export.header[consent] or "(consent)",
        column[refused],
        "no_consent",
    )
