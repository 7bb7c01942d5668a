"""Opt-outs: the file read, each entry matched to the roster, none passing quietly."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.contacts import email_key
from segmentation.datasets import RawTable
from segmentation.errors import InputFileError, RunStopped
from segmentation.parsing import (
    clean_ids,
    concat_rejects,
    id_key,
    is_in,
    locate_columns,
    rejects_frame,
)

logger = logging.getLogger(__name__)


def parse_opt_out(
    raw: RawTable, opt_out_params: Mapping[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The opt-out file as ``employee_id``, a folded ``email_key`` and the ``row`` the user sees, per entry.

    An absent file means nobody opted out. A file with neither column stops
    the run: silently ignoring it would message people who said no.
    """
    empty = pd.DataFrame(
        {
            "employee_id": pd.Series([], dtype=str),
            "email_key": pd.Series([], dtype=str),
            "row": pd.Series([], dtype="int64"),
        }
    )
    if not raw.present or raw.cells.empty:
        return empty, {"file": raw.source, "file_present": bool(raw.present), "entries": 0}
    header = raw.cells.iloc[0].tolist()
    found = locate_columns(header, opt_out_params["columns"])
    if not found:
        raise InputFileError(
            raw.source,
            "the opt-out file has neither an employee id nor an email column.",
            "a header row with 'employee_id' and/or 'email' (see the data contract).",
        )
    body = raw.cells.iloc[1:].reset_index(drop=True)
    ids = (
        clean_ids(body[found["employee_id"]])[0]
        if "employee_id" in found
        else pd.Series("", index=body.index)
    )
    emails = (
        email_key(clean_ids(body[found["email"]])[0])
        if "email" in found
        else pd.Series("", index=body.index)
    )
    entries = pd.DataFrame(
        {"employee_id": ids.to_numpy(dtype=object), "email_key": emails.to_numpy(dtype=object)}
    ).astype(str)
    entries["row"] = raw.row_numbers[1:]
    entries = entries[(entries["employee_id"] != "") | (entries["email_key"] != "")].reset_index(
        drop=True
    )
    return entries, {
        "file": raw.source,
        "file_present": True,
        "entries": len(entries),
        "columns": sorted(found),
    }


def _ids_by_key(ids: pd.Series, keys: set[str]) -> dict[str, list[str]]:
    """The ids (in their order) whose :func:`~segmentation.parsing.id_key` is one of ``keys``."""
    if not keys:
        return {}
    folded = id_key(ids)
    wanted = is_in(folded, keys)
    found: dict[str, list[str]] = {}
    for key, employee_id in zip(folded[wanted], ids[wanted], strict=True):
        found.setdefault(key, []).append(employee_id)
    return found


def _matched_after_normalising(
    entries: pd.DataFrame, roster_ids: pd.Series, second: np.ndarray
) -> pd.Series:
    """Per entry, the roster ids its id matches after :func:`~segmentation.parsing.id_key`
    (only the entries marked ``second``; an empty list where none or not looked at)."""
    keys = id_key(entries.loc[second, "employee_id"])
    roster_by_key = _ids_by_key(roster_ids, set(keys) - {""})
    resolved = pd.Series([[] for _ in range(len(entries))], index=entries.index, dtype=object)
    resolved[second] = [roster_by_key.get(k, []) if k else [] for k in keys]
    return resolved


def _listed_entries(
    source: str, normalised: pd.DataFrame, roster_ids: pd.Series, unmatched: pd.DataFrame
) -> pd.DataFrame:
    """The rejects listing of the entries matched after normalising (with the roster ids they
    matched) and of those matching nobody, in file order."""
    return (
        concat_rejects(
            [
                rejects_frame(
                    source,
                    normalised["row"],
                    "employee_id",
                    [
                        f"{e} (roster: {', '.join(ids)})"
                        for e, ids in zip(normalised["employee_id"], roster_ids, strict=True)
                    ],
                    "id_matched_after_normalising",
                    "opted_out",
                ),
                *(
                    rejects_frame(
                        source, part["row"], column, part[key], "matches_nobody", "not_applied"
                    )
                    for column, key, part in (
                        ("employee_id", "employee_id", unmatched[unmatched["employee_id"].ne("")]),
                        ("email", "email_key", unmatched[unmatched["employee_id"].eq("")]),
                    )
                ),
            ]
        )
        .sort_values("row", kind="stable")
        .reset_index(drop=True)
    )


def match_opt_outs(
    opt_out_entries: pd.DataFrame,
    opt_out_file: Mapping[str, Any],
    contacts: pd.DataFrame,
    opt_out_params: Mapping[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Each opt-out entry matched to the roster; none passes quietly.

    An entry matches by exact employee id or by email. An id that matches
    nobody exactly gets a second look with :func:`~segmentation.parsing.id_key`
    (the id as Excel leaves it: ``2346`` for ``02346``); every roster id with
    the same key is opted out (an ambiguous key opts out all of them: a
    message not sent costs less than one sent to someone who said no). Both
    kinds of entry are listed in ``opt_out_rejects`` with their row: matched
    after normalising (``id_matched_after_normalising``, with the roster id)
    and matching nobody (``matches_nobody``), and counted in the summary's
    warnings. ``opt_out.unmatched: stop`` stops the run on an entry that
    matches nobody instead (the default, ``warn``, lets people who left the
    roster stay on the opt-out list).

    Returns the opt-outs to apply (``employee_id`` as in the roster,
    ``email_key``), the summary for the run summary and the listed entries.
    """
    source = opt_out_file.get("file", "opt_out")
    summary = dict(opt_out_file)
    roster_ids = contacts["employee_id"].astype(str)
    has_id, has_email = opt_out_entries["employee_id"].ne(""), opt_out_entries["email_key"].ne("")
    exact = is_in(opt_out_entries["employee_id"], roster_ids) & has_id.to_numpy()
    by_email = (
        is_in(opt_out_entries["email_key"], email_key(contacts["email"])) & has_email.to_numpy()
    )
    resolved = _matched_after_normalising(opt_out_entries, roster_ids, ~exact & has_id.to_numpy())
    by_key = resolved.map(len).gt(0).to_numpy()
    matched = exact | by_email | by_key
    applied = opt_out_entries.assign(
        employee_id=[
            ids if ids else [e]
            for e, ids in zip(opt_out_entries["employee_id"], resolved, strict=True)
        ]
    )
    opt_outs = (
        applied.explode("employee_id")[["employee_id", "email_key"]]
        .astype(str)
        .reset_index(drop=True)
    )

    normalised = opt_out_entries[by_key & ~exact]
    unmatched = opt_out_entries[~matched]
    rejects = _listed_entries(source, normalised, resolved[by_key & ~exact], unmatched)
    warnings = []
    if len(normalised):
        warnings.append(
            f"{source}: {len(normalised)} opt-out ids match a roster id only without their leading zeros "
            "or spacing (a file saved by Excel?); they are honoured (listed in opt_out_rejects.csv)."
        )
    rows = f"rows {', '.join(map(str, unmatched['row'].head(10).tolist()))}{', ...' if len(unmatched) > 10 else ''}"
    if len(unmatched):
        warnings.append(
            f"{source}: {len(unmatched)} opt-out entries match nobody in the roster ({rows}); check them: "
            "someone who opted out may be listed under another id or email (opt_out_rejects.csv)."
        )
    for warning in warnings:
        logger.warning(warning)
    summary.update(
        {
            "matched_exactly_or_by_email": int((exact | by_email).sum()),
            "matched_after_normalising": int(len(normalised)),
            "matching_nobody": int(len(unmatched)),
            "warnings": warnings,
        }
    )
    if len(unmatched) and opt_out_params.get("unmatched", "warn") == "stop":
        raise RunStopped(
            source,
            f"{len(unmatched)} opt-out entries match nobody in the roster ({rows}).",
            "every entry naming someone in the roster by id or email; fix or remove them, "
            "or set campaign.opt_out.unmatched: warn.",
        )
    return opt_outs, summary, rejects
