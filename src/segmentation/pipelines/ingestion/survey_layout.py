"""Which tool wrote a survey export, and where its header rows, items and consent question are."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segmentation.codebook import Codebook, normalise_text
from segmentation.datasets import RawTable
from segmentation.errors import InputFileError
from segmentation.parsing import (
    locate_columns,
    map_unique,
)


@dataclass(frozen=True)
class SurveyExport:
    """A survey export's layout: the tool that wrote it, its header and answer rows (a chunk of them), its key columns."""

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


def detect_shape(raw: RawTable, shapes: Mapping[str, Any]) -> str | None:
    """The first configured export shape whose every ``detect`` group matches a header, or None."""
    header = {normalise_text(h) for h in raw.head(1).iloc[0].tolist()}
    for name, shape in shapes.items():
        if all(
            any(normalise_text(alias) in header for alias in group) for group in shape["detect"]
        ):
            return name
    return None


def known_shape(raw: RawTable, shapes: Mapping[str, Any]) -> str:
    found = detect_shape(raw, shapes)
    if found is not None:
        return found
    known = ", ".join(
        f"{name} ({' + '.join(str(group[0]) for group in shape['detect'])})"
        for name, shape in shapes.items()
    )
    raise InputFileError(
        raw.source,
        "the file is not a survey export this pipeline knows: its header matches none of the "
        f"export shapes in the survey.shapes setting: {known}.",
        "an export of one of these tools, or describe this one: run `segmentation inspect "
        f"{raw.source} --env NAME` to write a configuration for it, or add its header columns "
        "under survey.shapes in conf/<env>/parameters_ingestion.yml.",
    )


def survey_header_rows(raw: RawTable, shape: Mapping[str, Any]) -> int:
    """How many header rows the export has: the shape's ``header_rows`` (default 1).

    ``auto`` is the Qualtrics rule: 3 header rows (ids, texts, ImportId JSON),
    older exports 2 (ids, texts) or 1.
    """
    rows = shape.get("header_rows", 1)
    if rows != "auto":
        return int(rows)
    head = raw.head(3)
    if len(head) > 2 and str(head.iat[2, 0]).lstrip().startswith('{"ImportId"'):
        return 3
    if len(head) > 1 and normalise_text(head.iat[1, 0]) in {"start date", "startdate"}:
        return 2
    return 1


def _locate_headers(raw: RawTable, header_rows: int, lookup: Mapping[str, str]) -> dict[str, int]:
    """Column of each key of ``lookup`` (folded header -> key), looked for in every header row.

    Headers are folded as everywhere (case, spaces, quotes, trailing
    punctuation); the first column that matches a key wins.
    """
    found: dict[str, int] = {}
    head = raw.head(header_rows)
    for position in range(head.shape[1]):
        for row in range(min(header_rows, len(head))):
            key = lookup.get(normalise_text(head.iat[row, position]))
            if key and key not in found:
                found[key] = position
                break
    return found


def locate_items(raw: RawTable, header_rows: int, codebook: Codebook) -> dict[str, int]:
    """Column of each questionnaire item, by id or by its text in any language."""
    return _locate_headers(raw, header_rows, codebook.header_lookup)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def locate_consent(raw: RawTable, header_rows: int, survey_params: Mapping[str, Any]) -> int | None:
    """Column of the consent question, or None when the survey asks none.

    ``survey.consent_column`` names this survey's consent question: an export
    without it stops the run (a respondent who said no must never be used
    because a header was spelled differently). Otherwise the spellings of
    ``survey.consent_column_if_present`` are used when the export has one.
    """
    required = [str(s) for s in survey_params.get("consent_column") or []]
    spellings = required or [str(s) for s in survey_params.get("consent_column_if_present") or []]
    found = _locate_headers(raw, header_rows, {normalise_text(s): "consent" for s in spellings})
    if required and not found:
        raise InputFileError(
            raw.source,
            f"the consent column set in survey.consent_column ({'; '.join(_shorten(s) for s in required)}) "
            "is not in the export's headers, so consent cannot be checked.",
            "the consent question's header as the export writes it (case, spaces and punctuation do not matter), "
            "or an empty survey.consent_column when the survey asks no consent question.",
        )
    return found.get("consent")


def linked_answers(
    header: list[str], body: pd.DataFrame, link: Mapping[str, Any], source: str
) -> dict[str, pd.Series]:
    """Each linked demographic's answers as the roster category they stand for (None: not typed on).

    ``survey.roster_link.<field>`` names the question (``column``, header
    spellings) and either ``bands`` (age: answer -> [from, below) years) or
    ``values`` (answer -> the roster's value). A linked question missing from
    the export stops the run: typing on it silently would be wrong.
    """
    out = {}
    for field_name, spec in link.items():
        found = locate_columns(header, {field_name: spec.get("column", [])})
        if field_name not in found:
            raise InputFileError(
                source,
                f"survey.roster_link.{field_name} names a question that is not in the export ({spec.get('column')}).",
                "the question's header as the export writes it, or remove the link (conf: survey.roster_link).",
            )
        keys = spec.get("bands") if "bands" in spec else spec.get("values") or {}
        lookup = {
            normalise_text(answer): (answer if "bands" in spec else str(value))
            for answer, value in keys.items()
        }
        out[field_name] = map_unique(
            body.iloc[:, found[field_name]], lambda v, lookup=lookup: lookup.get(normalise_text(v))
        )
    return out
