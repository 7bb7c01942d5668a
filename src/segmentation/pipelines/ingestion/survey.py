"""A survey export as one row per response: answers on each item's scale, incomplete, refused and straight-lined responses rejected."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segmentation.codebook import Codebook, normalise_text
from segmentation.contacts import email_key
from segmentation.datasets import RawTable
from segmentation.errors import InputFileError
from segmentation.parsing import (
    ROW_REJECTED,
    concat_rejects,
    date_order,
    fold,
    locate_columns,
    map_unique,
    parse_dates,
    rejects_frame,
)

from .columns import (
    ANSWER_SET_MISSING,
    LINKED_PREFIX,
    ROW,
    VALUE_SET_MISSING,
    check_single_id_column,
    clean_id_columns,
)
from .survey_layout import (
    known_shape,
    linked_answers,
    locate_consent,
    locate_items,
    survey_header_rows,
)

logger = logging.getLogger(__name__)


def _read_answers(column: pd.Series, item: str, codebook: Codebook) -> tuple[pd.Series, pd.Series]:
    """Values on the item's scale from labels (any language) or numbers in its range; a mask of unreadable answers."""
    lookup = codebook.answer_lookup(codebook.items[item].scale)
    values = map_unique(column, lambda v: lookup.get(normalise_text(v), np.inf))
    values = values.astype(float)
    bad = np.isinf(values)
    return values.where(~bad, np.nan), pd.Series(bad, index=column.index)


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


def _straight_liners(
    responses: pd.DataFrame,
    candidates: np.ndarray,
    items: list[str],
    source: str,
    rule: Mapping[str, Any],
    warnings: list[str],
) -> pd.DataFrame:
    """Responses with the same answer to every scored item: listed, and left out of the personas unless kept by the rule.

    Such a response says nothing about the person's attitudes; kept, it
    forms a persona of its own. Its person is then placed from HR data like
    a non-respondent.
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
    exclude = bool(rule["exclude"])
    warning = (
        f"{source}: {int(same.sum())} responses give the same answer to every item (straight-lining); "
        + (
            "left out of the personas and placed from HR data (survey.straight_lining.exclude)."
            if exclude
            else "kept in the personas as survey.straight_lining.exclude is false."
        )
    )
    logger.warning(warning)
    warnings.append(warning)
    return rejects_frame(
        source,
        responses.loc[same, ROW],
        "(items)",
        values,
        STRAIGHT_LINING,
        ROW_REJECTED if exclude else FLAGGED,
    )


@dataclass(frozen=True)
class SurveyExport:
    """A survey export's layout: the tool that wrote it, its header and answer rows, its key columns."""

    source: str
    shape_name: str
    shape: Mapping[str, Any]
    header_rows: int
    header: list[str]
    body: pd.DataFrame
    rows: np.ndarray
    meta: dict[str, int]

    @property
    def anonymous(self) -> bool:
        """No employee id and no email column: the export names nobody."""
        return "respondent_id" not in self.meta and "email" not in self.meta


def parse_survey(
    survey_raw: RawTable, questionnaire: Mapping[str, Any], survey_params: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read a survey export of any known shape into one row per response.

    Returns the responses (respondent keys, submission time, raw answers on each item's scale
    before reverse-coding, free text), the rejects (``incomplete`` rows and
    unreadable answers, which are set missing) and what was detected.
    """
    codebook = Codebook.from_params(questionnaire)
    export = _survey_export(survey_raw, survey_params)
    items, scored, missing_items = _survey_items(survey_raw, export, codebook, survey_params)
    link = survey_params.get("roster_link") or {}
    if export.anonymous:
        _warn_anonymous(export, link)
    warnings: list[str] = list(survey_raw.details.get("warnings", []))
    responses, rejects = _respondents(export, warnings)
    if export.anonymous:
        for field_name, linked in linked_answers(
            export.header, export.body, link, export.source
        ).items():
            responses[f"{LINKED_PREFIX}{field_name}"] = linked.to_numpy()
    rejects.extend(_read_items(responses, export, items, scored, codebook))
    for item in missing_items:
        responses[item] = np.nan
    for item in codebook.text_items:
        responses[item] = (
            export.body.iloc[:, items[item]].astype(str).to_numpy() if item in items else ""
        )
    incomplete, finished, incomplete_rejects = _incomplete(
        responses, export, codebook, survey_params
    )
    rejects.extend(incomplete_rejects)
    consent = locate_consent(survey_raw, export.header_rows, survey_params)
    if consent is not None:
        rejects.append(_refusals(export, consent, incomplete, finished, survey_params))
    rejected_so_far = concat_rejects(rejects)
    still_in = (
        ~responses[ROW]
        .isin(rejected_so_far.loc[rejected_so_far["action"] == ROW_REJECTED, "row"])
        .to_numpy()
    )
    rejects.append(
        _straight_liners(
            responses, still_in, scored, export.source, survey_params["straight_lining"], warnings
        )
    )
    all_rejects = concat_rejects(rejects)
    rejected_rows = all_rejects.loc[all_rejects["action"] == ROW_REJECTED, "row"]
    used = responses[~responses[ROW].isin(rejected_rows)].reset_index(drop=True)
    detected = {
        "warnings": warnings,
        "file": export.source,
        "shape": export.shape_name,
        "header_rows": export.header_rows,
        "rows_read": len(responses),
        "items_found": len(scored),
        "items_missing": missing_items,
        "consent_column": export.header[consent] if consent is not None else None,
        "anonymous": export.anonymous,
    }
    logger.info(
        "Survey %s: %s export, %d responses, %d items found.",
        export.source,
        export.shape_name,
        len(responses),
        len(scored),
    )
    return used, all_rejects, detected


def _survey_export(survey_raw: RawTable, survey_params: Mapping[str, Any]) -> SurveyExport:
    """The export's shape, header rows, answer rows and where its key columns are."""
    shape_name = known_shape(survey_raw, survey_params["shapes"])
    shape = survey_params["shapes"][shape_name]
    header_rows = survey_header_rows(survey_raw, shape)
    header = [str(h) for h in survey_raw.cells.iloc[0].tolist()]
    meta = locate_columns(
        header,
        {
            k: shape.get(k, [])
            for k in ["respondent_id", "email", "submitted_at", "finished", "progress"]
        },
    )
    return SurveyExport(
        source=survey_raw.source,
        shape_name=shape_name,
        shape=shape,
        header_rows=header_rows,
        header=header,
        body=survey_raw.cells.iloc[header_rows:].reset_index(drop=True),
        rows=survey_raw.row_numbers[header_rows:],
        meta=meta,
    )


def _survey_items(
    survey_raw: RawTable,
    export: SurveyExport,
    codebook: Codebook,
    survey_params: Mapping[str, Any],
) -> tuple[dict[str, int], list[str], list[str]]:
    """Column of each questionnaire item found, the scored items found and those missing.

    Too few items found: this is not the survey, and the run stops.
    """
    items = locate_items(survey_raw, export.header_rows, codebook)
    scored = [i for i in codebook.scored_items if i in items]
    if len(scored) < survey_params["min_item_share"] * len(codebook.scored_items):
        raise InputFileError(
            export.source,
            f"only {len(scored)} of the questionnaire's {len(codebook.scored_items)} items were found in the "
            f"headers (detected shape: {export.shape_name}); this is not the adoption-readiness survey.",
            "one column per questionnaire item headed by its id (SM1), its English or its Hebrew text "
            "(conf/base/parameters_questionnaire.yml).",
        )
    missing_items = [i for i in codebook.scored_items if i not in items]
    if missing_items:
        logger.warning(
            "%s: items %s are not in the export; they count as unanswered.",
            export.source,
            missing_items,
        )
    return items, scored, missing_items


def _warn_anonymous(export: SurveyExport, link: Mapping[str, Any]) -> None:
    logger.warning(
        "%s: the %s export names nobody (no employee id or email column): an anonymous survey. Personas come "
        "from the answers; employees are typed on %s.",
        export.source,
        export.shape_name,
        ", ".join(link)
        if link
        else "nothing (no survey.roster_link: run `segmentation inspect` to write one)",
    )


def _respondents(
    export: SurveyExport, warnings: list[str]
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Each response's row, respondent id, email key and submission time; cleaned cells and unreadable times listed.

    The email is folded by :func:`~segmentation.contacts.email_key`, as the
    roster's is. Two id (or email) columns that differ stop the run.
    """
    header, body, rows, meta = export.header, export.body, export.rows, export.meta
    responses = pd.DataFrame({ROW: rows})
    for key in ["respondent_id", "email"]:
        responses[key] = body.iloc[:, meta[key]].astype(str) if key in meta else ""
    keys = [k for k in ["respondent_id", "email"] if k in meta]
    rejects = clean_id_columns(
        responses, keys, export.source, rows, {k: header[meta[k]] for k in keys}
    )
    responses["email"] = email_key(responses["email"])
    check_single_id_column(
        header,
        body,
        rows,
        {k: export.shape.get(k, []) for k in keys},
        export.source,
        f"survey.shapes.{export.shape_name} in conf/base/parameters_ingestion.yml",
        warnings,
    )
    responses["submitted_at"] = pd.NaT
    if "submitted_at" in meta:
        responses["submitted_at"], unread = _submission_times(export, warnings)
        rejects.append(unread)
    return responses, rejects


def _submission_times(export: SurveyExport, warnings: list[str]) -> tuple[pd.Series, pd.DataFrame]:
    """Submission times in the order the column shows; an unreadable one is listed and set missing.

    Kept, but its time is unknown: an older submission of the same person may then be the one kept.
    """
    column = export.meta["submitted_at"]
    stamps = export.body.iloc[:, column]
    where = (
        f"{export.source} column {export.header[column]} "
        f"(survey.shapes.{export.shape_name}.dayfirst)"
    )
    dayfirst, warning = date_order(stamps, export.shape.get("dayfirst", False), where)
    if warning:
        logger.warning(warning)
        warnings.append(warning)
    times, unread = parse_dates(stamps, dayfirst)
    listed = rejects_frame(
        export.source,
        export.rows[unread.to_numpy()],
        export.header[column],
        stamps[unread],
        "invalid_date",
        VALUE_SET_MISSING,
    )
    return times, listed


def _read_items(
    responses: pd.DataFrame,
    export: SurveyExport,
    items: Mapping[str, int],
    scored: list[str],
    codebook: Codebook,
) -> list[pd.DataFrame]:
    """Each scored item's answers on its scale, into ``responses``; unreadable answers listed and set missing."""
    rejects = []
    for item in scored:
        column = export.body.iloc[:, items[item]]
        values, bad = _read_answers(column, item, codebook)
        responses[item] = values.to_numpy()
        if bad.any():
            rejects.append(
                rejects_frame(
                    export.source,
                    export.rows[bad.to_numpy()],
                    export.header[items[item]] or item,
                    column[bad],
                    "answer_not_in_scale",
                    ANSWER_SET_MISSING,
                )
            )
    return rejects


def _incomplete(
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


def _refusals(
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


def score_items(responses: pd.DataFrame, questionnaire: Mapping[str, Any]) -> pd.DataFrame:
    """Score answers for analysis: a reverse-coded item becomes ``min + max - answer`` on its scale."""
    codebook = Codebook.from_params(questionnaire)
    scored = responses.copy()
    for item in codebook.reverse_items:
        scored[item] = codebook.item_scale(item).reverse(scored[item])
    return scored
