"""Adapters: the other stages' tables in the types the report computes on.

One function per table, so that the report's arithmetic sees one type per
column (pandas' text dtype or None, floats, datetimes) whatever the parquet
files hold. The JSON hand-overs (playbook, persona profiles, persona summary)
are not adapted: they are read and checked against their structures in
:mod:`segmentation.handoff`.

======================= =====================================================
input                   produced by
======================= =====================================================
``ingestion_summary``   ``ingestion.nodes.summarise_ingestion``
``employees``           ``ingestion.nodes.pseudonymise``
``construct_scores``    ``personas.nodes.score_constructs``
``item_scores``         ``ingestion.nodes.score_items`` (barrier items only)
``persona_assignments`` ``personas.nodes.assign_personas``
``open_text``           ``ingestion.nodes.pseudonymise`` (pid + OPEN1)
======================= =====================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from segmentation import tables
from segmentation.jsonable import to_plain
from segmentation.text_keys import is_unique

# The columns of the employees table (segmentation.tables) that the report reads.
EMPLOYEE_COLUMNS = [c for c in tables.EMPLOYEE_COLUMNS if c not in ("manager_pid", "responded")]
ASSIGNMENT_COLUMNS = ["pid", "persona_id", "assignment_source", "confidence"]


def _number(value: Any) -> float | None:
    value = to_plain(value)
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# ------------------------------------------------------------------ ingestion


def adapt_ingestion_summary(summary: Mapping[str, Any] | None) -> dict[str, Any]:
    """Files (role, file name, rows read/used/rejected, reasons) and rejects by reason.

    Only file *names* are kept (no folders). Returns empty tables when the
    summary is missing.
    """
    summary = dict(summary or {})
    files = []
    for role, entry in (summary.get("files") or {}).items():
        entry = dict(entry or {})
        files.append(
            {
                "role": str(role),
                "file": PurePosixPath(str(entry.get("file", ""))).name,
                "rows_read": int(entry.get("rows_read", 0) or 0),
                "rows_used": int(entry.get("rows_used", 0) or 0),
                "rows_rejected": int(entry.get("rows_rejected", 0) or 0),
                "rejected_by_reason": {
                    str(k): int(v) for k, v in (entry.get("rejected_by_reason") or {}).items()
                },
            }
        )
    return {
        "files": files,
        "rejects_by_reason": {
            str(k): int(v) for k, v in (summary.get("rejects_by_reason") or {}).items()
        },
        "answers_set_missing": int(summary.get("answers_set_missing", 0) or 0),
        "response_rate_active": _number(summary.get("response_rate_active")),
    }


_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _is_str(values: pd.Series) -> bool:
    """Whether ``values`` has pandas' default text dtype and some text (then ``str``-mapping keeps it as is)."""
    return values.dtype == _STR and bool(values.notna().any())


def _all_text(values: pd.Series) -> bool:
    """Whether every non-missing value is a ``str`` (exactly, not a subclass)."""
    if isinstance(values.dtype, pd.StringDtype):
        return True
    if values.dtype != object:
        return False
    known = values[values.notna()]
    return bool(known.map(type).eq(str).all()) if len(known) else True


def adapt_employees(employees: pd.DataFrame) -> pd.DataFrame:
    """The employee columns the report uses, as text (missing text as None)."""
    frame = employees.copy()
    for column in EMPLOYEE_COLUMNS:
        if column not in frame:
            frame[column] = None
    out = pd.DataFrame({"pid": frame["pid"].astype(str).array})
    for column in [
        "department",
        "org_unit",
        "site",
        "job_level",
        "work_pattern",
        "employment_status",
        "language",
        "gender",
    ]:
        if _is_str(frame[column]):
            # Already pandas' text dtype, which the conversion below gives back unchanged.
            out[column] = frame[column].array
            continue
        values = frame[column].astype(object)
        values = values.where(values.notna(), None)
        if _all_text(frame[column]):
            # Text already: str(v) is v, so only the missing values change.
            out[column] = values.to_numpy()
        else:
            out[column] = values.map(lambda v: None if v is None else str(v)).to_numpy()
    out["birth_year"] = pd.to_numeric(frame["birth_year"], errors="coerce").astype(float).to_numpy()
    out["hire_date"] = pd.to_datetime(frame["hire_date"], errors="coerce").to_numpy()
    return out


def adapt_scores(scores: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """pid plus the listed score columns (absent ones all missing), as floats."""
    if scores is None or len(scores.columns) == 0:
        return pd.DataFrame(
            {"pid": pd.Series([], dtype=str), **{c: pd.Series([], dtype=float) for c in columns}}
        )
    out = pd.DataFrame({"pid": scores["pid"].astype(str).array})
    for column in columns:
        out[column] = (
            pd.to_numeric(scores[column], errors="coerce").astype(float).to_numpy()
            if column in scores
            else np.nan
        )
    return _last_row_of_each_pid(out)


def _last_row_of_each_pid(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.drop_duplicates("pid", keep="last")``, told at once when no pid repeats
    (stored tables are in pid order): hashing a million pids took a third of a second."""
    return frame if is_unique(frame["pid"]) else frame.drop_duplicates("pid", keep="last")


def adapt_open_text(open_text: pd.DataFrame | None, column: str) -> pd.DataFrame:
    """pid and the free-text answer (empty answers dropped)."""
    if open_text is None or column not in getattr(open_text, "columns", []):
        return pd.DataFrame({"pid": pd.Series([], dtype=str), "text": pd.Series([], dtype=str)})
    text = (
        open_text[column]
        .astype(object)
        .where(open_text[column].notna(), "")
        .astype(str)
        .str.strip()
    )
    out = pd.DataFrame({"pid": open_text["pid"].astype(str).array, "text": text.to_numpy()})
    return out[out["text"].ne("") & out["text"].str.lower().ne("nan")].reset_index(drop=True)


# ------------------------------------------------------------------ personas


def adapt_assignments(persona_assignments: pd.DataFrame | None) -> pd.DataFrame:
    """pid, persona_id, assignment_source (survey/inferred) and confidence: what the report
    counts by; persona names come from the profiles, in the report's language."""
    if persona_assignments is None or len(persona_assignments.columns) == 0:
        return pd.DataFrame(
            {
                c: pd.Series([], dtype=float if c == "confidence" else str)
                for c in ASSIGNMENT_COLUMNS
            }
        )
    frame = persona_assignments[
        [c for c in ASSIGNMENT_COLUMNS if c in persona_assignments.columns]
    ].copy()
    if "assignment_source" not in frame:
        frame["assignment_source"] = "survey"
    if "confidence" not in frame:
        frame["confidence"] = np.nan
    out = frame[ASSIGNMENT_COLUMNS].copy()
    for column in ASSIGNMENT_COLUMNS[:-1]:
        if _is_str(out[column]):
            continue  # already what the conversion below gives
        out[column] = (
            out[column]
            .astype(object)
            .where(out[column].notna(), None)
            .map(lambda v: None if v is None else str(v))
        )
    out["confidence"] = pd.to_numeric(out["confidence"], errors="coerce").astype(float)
    return _last_row_of_each_pid(out).reset_index(drop=True)
