"""The activity log: each row matched to a person by employee id or email, or rejected with its reason.

Emails are folded by the one rule every stage uses
(:func:`segmentation.contacts.email_key`); ids are compared as written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.codebook import normalise_text
from segmentation.contacts import email_key
from segmentation.datasets import RawTable
from segmentation.errors import InputFileError
from segmentation.parsing import (
    clean_ids,
    concat_rejects,
    empty_rejects,
    fold,
    is_in,
    locate_columns,
    parse_dates,
    positions_in,
    rejects_frame,
)
from segmentation.waves import wave_end

from .measures import DAY

logger = logging.getLogger(__name__)

ACTIVITY_COLUMNS = ["pid", "timestamp", "action"]


# Why a row is rejected, checked in this order (one reason per row): the reason
# and which of the row's cells it names (``key``: the id, else the email).
CHECKS = (
    ("missing_value", "no_key"),  # no id and no email: named by the id column (else the email's)
    ("missing_value", "timestamp"),
    ("invalid_date", "timestamp"),
    ("missing_value", "action"),
    ("not_allowed_value", "action"),
    ("employee_rejected_in_roster", "key"),
    ("unknown_employee", "key"),
    ("after_wave_end", "timestamp"),
)


def empty_activity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pid": pd.Series([], dtype=object),
            "timestamp": pd.Series([], dtype="datetime64[ns]"),
            "action": pd.Series([], dtype=object),
        }
    )


def _parse_timestamps(text: pd.Series, dayfirst: bool) -> pd.Series:
    """ISO timestamps the fast way, every other export shape through the shared date parser."""
    stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True).dt.tz_convert(None)
    stamps = stamps.astype("datetime64[ns]")
    retry = stamps.isna() & text.ne("")
    if retry.any():
        parsed, _ = parse_dates(text[retry], dayfirst)
        stamps[retry] = parsed
    return stamps


def _locate_columns(header: list[str], adoption: Mapping[str, Any], source: str) -> dict[str, int]:
    """Where the log's columns are; a log without timestamp, action and an id or email stops the run."""
    found = locate_columns(header, adoption["columns"])
    missing = [c for c in ("timestamp", "action") if c not in found]
    if missing or not ({"employee_id", "email"} & set(found)):
        need = missing + ([] if {"employee_id", "email"} & set(found) else ["employee_id or email"])
        raise InputFileError(
            source,
            f"the activity log has no column for {', '.join(need)}.",
            "a header row with employee_id (or email), timestamp and action; other header names can be "
            "mapped in conf/base/parameters_waves.yml under waves.adoption.columns.",
        )
    return found


def _read_cells(body: pd.DataFrame, found: Mapping[str, int], adoption: Mapping[str, Any]) -> dict:
    """Each row's id, email key, timestamp and action as text, and the timestamp and action read."""
    blank = pd.Series("", index=body.index, dtype=object)
    ids = clean_ids(body[found["employee_id"]])[0] if "employee_id" in found else blank
    emails = clean_ids(body[found["email"]])[0] if "email" in found else blank
    if "email" in found:  # the one rule every stage folds an email by
        emails = email_key(emails.astype("string[pyarrow]")).astype(object)
    stamp_text = body[found["timestamp"]].astype(str).str.strip()
    action_text = body[found["action"]].astype(str).str.strip()
    allowed = {normalise_text(a): a for a in adoption["actions"]}
    allowed.update(
        {normalise_text(k): v for k, v in (adoption.get("action_aliases") or {}).items()}
    )
    has_id = ids.ne("").to_numpy()
    return {
        "has_id": has_id,
        "has_email": emails.ne("").to_numpy(),
        "key": ids.where(has_id, emails),
        "timestamp": stamp_text,
        "action": action_text,
        "stamps": _parse_timestamps(stamp_text, bool(adoption.get("dayfirst", False))),
        "actions": fold(action_text).map(allowed.get),
    }


def _match_people(cells: Mapping[str, Any], contacts: pd.DataFrame) -> pd.Series:
    """Each row's person (``pid``): by employee id, else by email key; missing when neither matches.

    ``contacts.email`` holds the keys ingestion folded by the same rule.
    """
    key = cells["key"]
    by_id = np.where(cells["has_id"], positions_in(key, contacts["employee_id"]), -1)
    # only the rows without an id are looked up by email (a log usually has none)
    by_email = np.full(len(key), -1, dtype=np.int64)
    needs_email = np.asarray(~cells["has_id"] & cells["has_email"], dtype=bool)
    if needs_email.any():
        by_email[needs_email] = positions_in(key[needs_email], contacts["email"])
    at = np.where(by_id >= 0, by_id, by_email)
    return pd.Series(contacts["pid"].array.take(at, allow_fill=True), index=key.index)


def _first_reasons(
    cells: Mapping[str, Any], pid: pd.Series, rejected_keys: list[str], end: pd.Timestamp
) -> np.ndarray:
    """Each row's first failed check (a position in :data:`CHECKS`), -1 for a row used."""
    unmatched = pid.isna().to_numpy()
    failed = [
        ~cells["has_id"] & ~cells["has_email"],
        cells["timestamp"].eq("").to_numpy(),
        cells["stamps"].isna().to_numpy(),
        cells["action"].eq("").to_numpy(),
        cells["actions"].isna().to_numpy(),
        unmatched & is_in(cells["key"], set(rejected_keys)),
        unmatched,
        (cells["stamps"] >= end + DAY).to_numpy(),
    ]
    reason = np.full(len(pid), -1, dtype=np.int64)
    for check, mask in reversed(list(enumerate(failed))):
        reason[mask] = check
    return reason


def _rejects(
    source: str,
    rows: np.ndarray,
    cells: Mapping[str, Any],
    reason: np.ndarray,
    columns: Mapping[str, str],
) -> pd.DataFrame:
    """The rejected rows as ``rejects.csv`` records, in file order.

    ``columns`` names the header of each cell a check names; the key's is
    the id column's for a row with an id, the email column's otherwise.
    """
    frames = []
    for check in np.unique(reason[reason >= 0]):
        why, cell = CHECKS[check]
        hit = reason == check
        names = (
            [(cells["has_id"], columns["employee_id"]), (~cells["has_id"], columns["email"])]
            if cell == "key"
            else [(True, columns["employee_id" if cell == "no_key" else cell])]
        )
        values = cells["key" if cell == "no_key" else cell]
        for where, name in names:
            mask = hit & where
            if mask.any():
                frames.append(rejects_frame(source, rows[mask], name, values[mask], why))
    if not frames:
        return empty_rejects()
    return (
        concat_rejects(frames).sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    )


def _activity_table(pid: pd.Series, stamps: pd.Series, actions: pd.Series) -> pd.DataFrame:
    """The rows used, in one order whatever the log's: by person, time and action."""
    table = pd.DataFrame(
        {
            "pid": pid.array
            if isinstance(pid.dtype, pd.StringDtype)
            else pid.to_numpy(dtype=object),
            "timestamp": stamps.to_numpy(dtype="datetime64[ns]"),
            "action": actions.to_numpy(dtype=object),
        }
    )
    order = pc.sort_indices(
        pa.table({c: pa.array(table[c], from_pandas=True) for c in ACTIVITY_COLUMNS}),
        sort_keys=[(c, "ascending") for c in ACTIVITY_COLUMNS],
    )
    return table.take(order.to_numpy()).reset_index(drop=True)


def parse_activity(
    activity_raw: RawTable,
    contacts: pd.DataFrame,
    roster_rejected_keys: list[str],
    wave: str,
    adoption: Mapping[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The wave's activity log as ``pid, timestamp, action``, its rejects and its accounting.

    A row is matched by employee id, else by email. A row is rejected with
    its file, line, column, value and reason: ``missing_value`` (no id and
    no email, no timestamp or no action), ``invalid_date``,
    ``not_allowed_value`` (an action not in ``adoption.actions``),
    ``unknown_employee``, ``employee_rejected_in_roster`` or
    ``after_wave_end``. One reason per row, in that order. An absent log
    gives an empty table and ``present: false``.
    """
    end = wave_end(wave, adoption.get("wave_end"))
    accounting: dict[str, Any] = {
        "file": activity_raw.source,
        "present": bool(activity_raw.present and not activity_raw.cells.empty),
        "wave_end": end.date().isoformat(),
        "rows_read": 0,
        "rows_used": 0,
        "rows_rejected": 0,
        "rejected_by_reason": {},
    }
    if not accounting["present"]:
        logger.info("No activity log for wave %s: adoption is not measured.", wave)
        return empty_activity(), empty_rejects(), accounting
    header = [str(h) for h in activity_raw.cells.iloc[0].tolist()]
    found = _locate_columns(header, adoption, activity_raw.source)
    names = {c: header[i] for c, i in found.items()}
    names.setdefault("employee_id", names.get("email"))
    names.setdefault("email", "")
    cells = _read_cells(activity_raw.cells.iloc[1:].reset_index(drop=True), found, adoption)
    pid = _match_people(cells, contacts)
    reason = _first_reasons(cells, pid, roster_rejected_keys, end)
    rejects = _rejects(activity_raw.source, activity_raw.row_numbers[1:], cells, reason, names)
    good = reason < 0
    activity = _activity_table(pid[good], cells["stamps"][good], cells["actions"][good])
    why = pd.Series([CHECKS[r][0] for r in reason[~good]], dtype=object)
    accounting.update(
        {
            "rows_read": int(len(reason)),
            "rows_used": int(good.sum()),
            "rows_rejected": int((~good).sum()),
            "rejected_by_reason": {
                str(k): int(v) for k, v in why.value_counts().sort_index().items()
            },
        }
    )
    if accounting["rows_read"] != accounting["rows_used"] + accounting["rows_rejected"]:
        raise AssertionError(
            f"row accounting for {activity_raw.source} does not add up: {accounting}"
        )
    logger.info(
        "Activity %s: %d rows read, %d used, %d rejected.",
        activity_raw.source,
        accounting["rows_read"],
        accounting["rows_used"],
        accounting["rows_rejected"],
    )
    return activity, rejects, accounting
