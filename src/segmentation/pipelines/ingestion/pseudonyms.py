"""Pseudonymous ids from here on: a keyed hash replaces ids, emails and names."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from segmentation.codebook import Codebook, normalise_text
from segmentation.parsing import (
    TEXT,
    is_in,
    map_unique,
    positions_in,
)
from segmentation.tables import CONTACT_COLUMNS, EMPLOYEE_COLUMNS
from segmentation.waves import wave_date as resolve_wave_date

from .columns import LINKED_PREFIX

PID_LENGTH = 16  # hex digits of a pseudonymous id


def _hmac_sha256_pads(secret: bytes) -> tuple[Any, Any]:
    """SHA-256 states after HMAC's inner and outer key blocks (RFC 2104), to copy for each message.

    ``hmac.digest`` hashes both 64-byte key blocks again for every id;
    copying the two states once hashed halves the work per id.
    """
    block = hashlib.sha256().block_size
    if len(secret) > block:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in secret))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in secret))
    return inner, outer


def pseudonymous_ids(employee_ids: pd.Series, key: str) -> pd.Series:
    """HMAC-SHA256 of the employee id under the secret key, shortened to 16 hex digits.

    Stable across waves for the same key, so panel members can be followed
    without their identity; irreversible without the key.
    """
    inner, outer = _hmac_sha256_pads(key.encode("utf-8"))
    size = PID_LENGTH // 2

    def pid(employee_id: str) -> str:
        message = inner.copy()
        message.update(employee_id.encode("utf-8"))
        keyed = outer.copy()
        keyed.update(message.digest())
        return keyed.digest()[:size].hex()

    # ids are (nearly) all distinct, so each is hashed as it comes
    values = employee_ids.astype(str).to_numpy(dtype=object)
    return pd.Series([pid(e) for e in values], index=employee_ids.index, dtype=object)


def anonymous_pids(respondent_keys: pd.Series, key: str) -> pd.Series:
    """Pseudonymous ids of anonymous responses: a keyed hash of the file and row, never an employee's."""
    return pseudonymous_ids(respondent_keys, key)


def _sorted_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame.sort_values(column).reset_index(drop=True)`` for a column of distinct texts.

    Arrow sorts the text in C (UTF-8 byte order is code-point order, as
    Python's); sorting Python strings through numpy took seconds per million.
    Pseudonymous ids (16 lower-case hex digits) sort as the 64-bit numbers
    they spell, in the same order; a column already in order is not moved.
    """
    try:
        text = pyarrow.array(frame[column], from_pandas=True)
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, pyarrow.ArrowNotImplementedError):
        text = None
    if (
        text is None
        or text.null_count
        or not (pyarrow.types.is_string(text.type) or pyarrow.types.is_large_string(text.type))
    ):
        return frame.sort_values(column).reset_index(drop=True)
    if len(text) < 2 or pc.all(pc.less(text[:-1], text[1:])).as_py():
        return frame.reset_index(drop=True)  # distinct and in order already
    order = _hex_order(text, frame[column])
    if order is None:
        order = pc.sort_indices(text).to_numpy()
        in_order = text.take(order)
        if pc.any(pc.equal(in_order[:-1], in_order[1:])).as_py():  # ties: pandas' own order
            return frame.sort_values(column).reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)


def _hex_order(text: pyarrow.Array, values: pd.Series) -> np.ndarray | None:
    """Sorting order of distinct 16-digit lower-case hex texts, from the numbers they spell; None for other text."""
    lengths = pc.min_max(pc.binary_length(text)).as_py()
    if lengths["min"] != PID_LENGTH or lengths["max"] != PID_LENGTH:
        return None
    digits = "".join(values.to_numpy(dtype=object))
    if digits != digits.lower():
        return None
    try:
        numbers = np.frombuffer(bytes.fromhex(digits), dtype=">u8")
    except ValueError:
        return None
    if len(numbers) != len(text):
        return None
    order = np.argsort(numbers, kind="stable")
    if (np.diff(numbers[order]) == 0).any():
        return None  # not distinct
    return order


def _pids_of(values: pd.Series, employee_ids: pd.Series, pids: pd.Series) -> np.ndarray:
    """The pid of each value's employee (the first row of a repeated id), None where it names nobody."""
    found = np.append(pids.to_numpy(dtype=object), None)
    return found[positions_in(values, employee_ids.astype(str))]


def pseudonymise(
    roster: pd.DataFrame,
    matched_responses: pd.DataFrame,
    questionnaire: Mapping[str, Any],
    pseudonym_key: str,
    roster_params: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Replace ids, emails and names by a keyed hash from here on.

    Returns ``employees`` (HR fields, with the roster's declared
    ``hr_covariates`` after them), ``responses`` (raw answers) and
    ``open_text``, all keyed by ``pid`` only, and ``contacts``: the one table
    with clear identifiers, kept in memory for the nodes that write
    targeting lists.
    """
    codebook = Codebook.from_params(questionnaire)
    pid = pseudonymous_ids(roster["employee_id"], pseudonym_key)
    # a manager id is usually an employee id: reuse its pid rather than hashing it again
    managers = roster["manager_id"].fillna("").astype(str)
    manager_pid = pd.Series(
        _pids_of(managers, roster["employee_id"], pid), index=roster.index, dtype=object
    )
    unknown = (manager_pid.isna() & roster["manager_id"].notna()).to_numpy()
    if unknown.any():
        manager_pid[unknown] = pseudonymous_ids(managers[unknown], pseudonym_key).to_numpy()
    # pids as Arrow text from here on, not a million Python strings (about 65 bytes each) per column
    manager_pid = manager_pid.where(roster["manager_id"].notna(), None).astype(TEXT)
    pid = pid.astype(TEXT)
    employees = roster.assign(
        pid=pid,
        manager_pid=manager_pid,
        responded=is_in(roster["employee_id"], matched_responses["employee_id"]),
    )
    covariates = list((roster_params or {}).get("hr_covariates") or {})
    employees = _sorted_by(employees[[*EMPLOYEE_COLUMNS, *covariates]], "pid")
    answer_pids = _pids_of(matched_responses["employee_id"], roster["employee_id"], pid)
    anonymous = matched_responses["employee_id"].isna().to_numpy()
    if anonymous.any():
        answer_pids[anonymous] = anonymous_pids(
            matched_responses.loc[anonymous, "respondent_key"], pseudonym_key
        ).to_numpy()
    answers = matched_responses.assign(
        pid=pd.Series(answer_pids, index=matched_responses.index, dtype=object).astype(TEXT)
    )
    responses = _sorted_by(answers[["pid", "submitted_at", *codebook.scored_items]], "pid")
    open_text = _sorted_by(answers[["pid", *codebook.text_items]], "pid")
    contacts = _sorted_by(
        roster.assign(pid=pid, manager_pid=manager_pid)[CONTACT_COLUMNS], "employee_id"
    )
    return employees, responses, open_text, contacts


def link_demographics(
    employees: pd.DataFrame,
    matched_responses: pd.DataFrame,
    survey_params: Mapping[str, Any],
    wave: str,
    wave_date: str | None,
    pseudonym_key: str,
) -> pd.DataFrame:
    """Employees and anonymous respondents on the demographics the survey asked and the roster holds.

    One row per employee (their roster value, or age band for ``age``) and
    one per anonymous respondent (their answer's category), in columns
    ``linked_<field>``: the common ground on which the roster is typed when
    the survey names nobody. Empty (only ``pid``) for a named survey.
    """
    anonymous = (
        matched_responses["employee_id"].isna().to_numpy()
        if len(matched_responses)
        else np.zeros(0, dtype=bool)
    )
    link = survey_params.get("roster_link") or {}
    if not anonymous.any() or not link:
        return pd.DataFrame({"pid": pd.Series([], dtype=object)})
    at = resolve_wave_date(wave, wave_date)
    staff = pd.DataFrame({"pid": employees["pid"].to_numpy(dtype=object)})
    for field_name, spec in link.items():
        if "bands" in spec:
            age = (
                pd.to_numeric(employees["age"], errors="coerce").astype(float)
                if "age" in employees
                else at.year - pd.to_numeric(employees["birth_year"], errors="coerce").astype(float)
            )
            band = pd.Series([None] * len(employees), dtype=object)
            for label, (low, below) in spec["bands"].items():
                inside = (age >= float(low)) & (
                    age < (float("inf") if below is None else float(below))
                )
                band[inside.to_numpy() & band.isna().to_numpy()] = str(label)
            staff[f"{LINKED_PREFIX}{field_name}"] = band.to_numpy()
        else:
            allowed = {normalise_text(v): str(v) for v in (spec.get("values") or {}).values()}
            column = (
                employees[field_name]
                if field_name in employees
                else pd.Series([None] * len(employees))
            )
            staff[f"{LINKED_PREFIX}{field_name}"] = map_unique(
                column.astype(object),
                lambda v, a=allowed: a.get(normalise_text(v)) if v is not None else None,
            ).to_numpy()
    answers = matched_responses.loc[anonymous]
    respondents = pd.DataFrame(
        {"pid": anonymous_pids(answers["respondent_key"], pseudonym_key).to_numpy(dtype=object)}
    )
    for field_name in link:
        column = f"{LINKED_PREFIX}{field_name}"
        respondents[column] = answers[column].to_numpy(dtype=object) if column in answers else None
    return _sorted_by(pd.concat([staff, respondents], ignore_index=True), "pid")
