"""A survey export as one row per response: answers on each item's scale, incomplete, refused and straight-lined responses rejected."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
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
    concat_frames,
    header_of,
    marked_first,
    warn_cleaned_ids,
)
from .survey_layout import (
    SurveyExport,
    known_shape,
    linked_answers,
    locate_consent,
    locate_items,
    survey_header_rows,
)
from .survey_rules import (
    incomplete_responses,
    refusals,
    straight_liners,
    warn_straight_lining,
)

logger = logging.getLogger(__name__)


def _read_answers(column: pd.Series, item: str, codebook: Codebook) -> tuple[pd.Series, pd.Series]:
    """Values on the item's scale from labels (any language) or numbers in its range; a mask of unreadable answers."""
    lookup = codebook.answer_lookup(codebook.items[item].scale)
    values = map_unique(column, lambda v: lookup.get(normalise_text(v), np.inf))
    values = values.astype(float)
    bad = np.isinf(values)
    return values.where(~bad, np.nan), pd.Series(bad, index=column.index)


def parse_survey(
    survey_raw: RawTable, questionnaire: Mapping[str, Any], survey_params: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read a survey export of any known shape into one row per response.

    Returns the responses (respondent keys, submission time, raw answers on each item's scale
    before reverse-coding, free text), the rejects (``incomplete`` rows and
    unreadable answers, which are set missing) and what was detected.

    The answers are read a chunk of rows at a time (``survey_raw.body_chunks``):
    every rule but one looks at a single response, so only the responses
    kept, typed, are held whole. The exception is the submission time, whose
    day/month order is decided from the whole column: its text is kept and
    read at the end.
    """
    codebook = Codebook.from_params(questionnaire)
    layout = _survey_export(survey_raw, survey_params)
    items, scored, missing_items = _survey_items(survey_raw, layout, codebook, survey_params)
    link = survey_params.get("roster_link") or {}
    if layout.anonymous:
        _warn_anonymous(layout, link)
    warnings: list[str] = list(survey_raw.details.get("warnings", []))
    consent = locate_consent(survey_raw, layout.header_rows, survey_params)
    chunks = [
        _parse_chunk(
            replace(layout, body=body, rows=rows),
            items,
            scored,
            missing_items,
            codebook,
            consent,
            survey_params,
            warnings,
            first,
        )
        for first, (body, rows) in marked_first(survey_raw.body_chunks(layout.header_rows))
    ]
    id_rejects = [frame for chunk in chunks for frame in chunk.id_rejects]
    warn_cleaned_ids(layout.source, id_rejects)
    used = concat_frames([chunk.used for chunk in chunks])
    time_rejects = []
    if "submitted_at" in layout.meta:
        times, unread = _submission_times(
            layout,
            concat_frames([chunk.stamps for chunk in chunks]),
            np.concatenate([chunk.rows for chunk in chunks]),
            warnings,
        )
        used["submitted_at"] = times.to_numpy()[np.concatenate([c.kept for c in chunks])]
        time_rejects.append(unread)
    straight = [chunk.straight_lining for chunk in chunks]
    warn_straight_lining(
        layout.source, sum(len(f) for f in straight), survey_params["straight_lining"], warnings
    )
    all_rejects = concat_rejects(
        [*id_rejects, *time_rejects, *(f for chunk in chunks for f in chunk.rejects), *straight]
    )
    rows_read = sum(len(chunk.rows) for chunk in chunks)
    detected = {
        "warnings": warnings,
        "file": layout.source,
        "shape": layout.shape_name,
        "header_rows": layout.header_rows,
        "rows_read": rows_read,
        "items_found": len(scored),
        "items_missing": missing_items,
        "consent_column": layout.header[consent] if consent is not None else None,
        "anonymous": layout.anonymous,
    }
    logger.info(
        "Survey %s: %s export, %d responses, %d items found.",
        layout.source,
        layout.shape_name,
        rows_read,
        len(scored),
    )
    return used, all_rejects, detected


@dataclass(frozen=True)
class SurveyChunk:
    """What a chunk of responses gave: the responses kept, their rejects, and what is decided on the whole file."""

    used: pd.DataFrame
    kept: np.ndarray  # which of the chunk's responses are in ``used``
    rows: np.ndarray
    stamps: pd.DataFrame  # submission times as written (read once the whole column is seen)
    id_rejects: list[pd.DataFrame]
    rejects: list[pd.DataFrame]
    straight_lining: pd.DataFrame


def _parse_chunk(
    export: SurveyExport,
    items: Mapping[str, int],
    scored: list[str],
    missing_items: list[str],
    codebook: Codebook,
    consent: int | None,
    survey_params: Mapping[str, Any],
    warnings: list[str],
    first: bool,
) -> SurveyChunk:
    """One chunk of responses read and checked: keys, answers, completeness, consent, straight-lining.

    Only the ``first`` chunk warns about what every chunk shares (two id columns that agree).
    """
    link = survey_params.get("roster_link") or {}
    responses, id_rejects = _respondents(export, warnings, first)
    if export.anonymous:
        for field_name, linked in linked_answers(
            export.header, export.body, link, export.source
        ).items():
            responses[f"{LINKED_PREFIX}{field_name}"] = linked.to_numpy()
    rejects = _read_items(responses, export, items, scored, codebook)
    for item in missing_items:
        responses[item] = np.nan
    for item in codebook.text_items:
        responses[item] = (
            export.body.iloc[:, items[item]].astype(str).to_numpy() if item in items else ""
        )
    incomplete, finished, incomplete_rejects = incomplete_responses(
        responses, export, codebook, survey_params
    )
    rejects.extend(incomplete_rejects)
    if consent is not None:
        rejects.append(refusals(export, consent, incomplete, finished, survey_params))
    rejected_so_far = concat_rejects([*id_rejects, *rejects])
    still_in = (
        ~responses[ROW]
        .isin(rejected_so_far.loc[rejected_so_far["action"] == ROW_REJECTED, "row"])
        .to_numpy()
    )
    straight = straight_liners(
        responses, still_in, scored, export.source, survey_params["straight_lining"]
    )
    row_rejects = concat_rejects([*id_rejects, *rejects, straight])
    kept = ~responses[ROW].isin(row_rejects.loc[row_rejects["action"] == ROW_REJECTED, "row"])
    kept = kept.to_numpy()
    stamps = (
        export.body.iloc[:, [export.meta["submitted_at"]]]
        if "submitted_at" in export.meta
        else pd.DataFrame(index=export.body.index)
    )
    return SurveyChunk(
        used=responses[kept].reset_index(drop=True),
        kept=kept,
        rows=export.rows,
        stamps=stamps,
        id_rejects=id_rejects,
        rejects=rejects,
        straight_lining=straight,
    )


def _survey_export(survey_raw: RawTable, survey_params: Mapping[str, Any]) -> SurveyExport:
    """The export's shape, header rows and where its key columns are (its answer rows come a chunk at a time)."""
    shape_name = known_shape(survey_raw, survey_params["shapes"])
    shape = survey_params["shapes"][shape_name]
    header_rows = survey_header_rows(survey_raw, shape)
    header = header_of(survey_raw)
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
        body=pd.DataFrame(),
        rows=np.array([], dtype=np.int64),
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
    export: SurveyExport, warnings: list[str], warn: bool = True
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Each response's row, respondent id and email key (the submission time comes later); cleaned cells listed.

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
        warn,
    )
    responses["submitted_at"] = pd.NaT  # read from the whole column (_submission_times)
    return responses, rejects


def _submission_times(
    export: SurveyExport, written: pd.DataFrame, rows: np.ndarray, warnings: list[str]
) -> tuple[pd.Series, pd.DataFrame]:
    """Submission times (``written``, every response's, at ``rows``) in the order the column shows;
    an unreadable one is listed and set missing.

    Kept, but its time is unknown: an older submission of the same person may then be the one kept.
    """
    column = export.meta["submitted_at"]
    stamps = written.iloc[:, 0]
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
        rows[unread.to_numpy()],
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


def score_items(responses: pd.DataFrame, questionnaire: Mapping[str, Any]) -> pd.DataFrame:
    """Score answers for analysis: a reverse-coded item becomes ``min + max - answer`` on its scale."""
    codebook = Codebook.from_params(questionnaire)
    # only the reversed columns are new: the others are shared (copy-on-write keeps
    # ``responses`` as it was), not a copy of every answer (0.2 GB at 1,000,000)
    scored = responses.copy(deep=False)
    for item in codebook.reverse_items:
        scored[item] = codebook.item_scale(item).reverse(scored[item])
    return scored
