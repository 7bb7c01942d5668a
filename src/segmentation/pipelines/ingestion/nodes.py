"""Ingestion: from raw exports to validated, pseudonymous tables.

Every data row of the roster and the survey ends up either used or in
``rejects`` with the file, the row the user sees, the column, the value and a
reason. Whole-file problems raise :class:`~segmentation.errors.InputFileError`.
"""

from __future__ import annotations

from .accounting import collect_rejects, summarise_ingestion
from .matching import match_respondents
from .open_text import scrub_known_people
from .pseudonyms import (
    PID_LENGTH,
    anonymous_pids,
    link_demographics,
    pseudonymise,
    pseudonymous_ids,
)
from .roster import parse_roster
from .survey import parse_survey, score_items
from .survey_layout import detect_shape, survey_header_rows

__all__ = [
    "PID_LENGTH",
    "anonymous_pids",
    "collect_rejects",
    "detect_shape",
    "link_demographics",
    "match_respondents",
    "parse_roster",
    "parse_survey",
    "pseudonymise",
    "pseudonymous_ids",
    "score_items",
    "scrub_known_people",
    "summarise_ingestion",
    "survey_header_rows",
]
