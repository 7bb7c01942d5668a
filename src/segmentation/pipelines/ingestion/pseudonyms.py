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
    without their identity; irreversible without the key. Arrow text
    (:data:`TEXT`): the ids' bytes come from Arrow and the hex digits of all
    digests are written at once, so the only per-id Python is the hashing.
    """
    inner, outer = _hmac_sha256_pads(key.encode("utf-8"))
    copy_inner, copy_outer = inner.copy, outer.copy

    def keyed_digest(message: bytes) -> bytes:
        hashed = copy_inner()
        hashed.update(message)
        keyed = copy_outer()
        keyed.update(hashed.digest())
        return keyed.digest()

    messages = pyarrow.array(employee_ids.astype(str), from_pandas=True)
    if isinstance(messages, pyarrow.ChunkedArray):
        messages = messages.combine_chunks()
    # ids are (nearly) all distinct, so each is hashed as it comes
    digests = b"".join(map(keyed_digest, messages.cast(pyarrow.binary()).to_pylist()))
    return pd.Series(
        pd.array(_hex_texts(digests, len(messages)), dtype=TEXT), index=employee_ids.index
    )


def _hex_texts(digests: bytes, count: int) -> pyarrow.Array:
    """The first :data:`PID_LENGTH` hex digits of each of ``count`` 32-byte digests, as one Arrow text array."""
    size = PID_LENGTH // 2
    heads = np.frombuffer(digests, dtype=np.uint8).reshape(count, -1)[:, :size]
    digits = heads.tobytes().hex().encode("ascii")
    offsets = np.arange(0, PID_LENGTH * count + 1, PID_LENGTH, dtype=np.int64)
    return pyarrow.LargeStringArray.from_buffers(
        count, pyarrow.py_buffer(offsets), pyarrow.py_buffer(digits)
    )


def _as_text(values: pyarrow.Array | pyarrow.ChunkedArray, index: pd.Index) -> pd.Series:
    """An Arrow text array as a :data:`TEXT` column on ``index``, missing where it is null."""
    if isinstance(values, pyarrow.ChunkedArray):
        values = values.combine_chunks()
    return pd.Series(pd.array(values.cast(pyarrow.large_string()), dtype=TEXT), index=index)


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
    order = _hex_order(text)
    if order is None:
        order = pc.sort_indices(text).to_numpy()
        in_order = text.take(order)
        if pc.any(pc.equal(in_order[:-1], in_order[1:])).as_py():  # ties: pandas' own order
            return frame.sort_values(column).reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)


def _hex_order(text: pyarrow.Array | pyarrow.ChunkedArray) -> np.ndarray | None:
    """Sorting order of distinct 16-digit lower-case hex texts, from the numbers they spell; None for other text."""
    lengths = pc.min_max(pc.binary_length(text)).as_py()
    if lengths["min"] != PID_LENGTH or lengths["max"] != PID_LENGTH:
        return None
    if isinstance(text, pyarrow.ChunkedArray):
        text = text.combine_chunks()
    text = text.cast(pyarrow.large_string())
    # every text is 16 bytes: the digits of all are the data buffer between the first and last offsets
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[
        text.offset : text.offset + len(text) + 1
    ]
    digits = text.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes().decode("utf-8")
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


def _pids_at(positions: np.ndarray, pids: pd.Series) -> pyarrow.Array:
    """The pid at each roster position, null where the position is -1 (names nobody)."""
    found = pyarrow.array(pids, from_pandas=True)
    return pc.take(found, pyarrow.array(positions, mask=positions < 0))


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
    # a manager id is usually an employee id, an answer's always: their pids are looked up, not
    # hashed again, in one lookup in the roster's ids for both
    managers = roster["manager_id"].fillna("").astype(str)
    answer_ids = matched_responses["employee_id"]
    positions = positions_in(
        pd.concat([managers, answer_ids.astype(TEXT)], ignore_index=True),
        roster["employee_id"].astype(str),
    )
    manager_positions, answer_positions = positions[: len(roster)], positions[len(roster) :]
    manager_pid = _pids_at(manager_positions, pid)
    has_manager = roster["manager_id"].notna().to_numpy()
    unknown = (manager_positions < 0) & has_manager
    if unknown.any():
        known = manager_pid.to_numpy(zero_copy_only=False)
        known[unknown] = pseudonymous_ids(managers[unknown], pseudonym_key).to_numpy(dtype=object)
        manager_pid = pyarrow.array(known, type=pyarrow.large_string())
    # pids as Arrow text, not a million Python strings (about 65 bytes each) per column
    manager_pid = _as_text(manager_pid, roster.index)
    employees = roster.assign(
        pid=pid,
        manager_pid=manager_pid,
        responded=is_in(roster["employee_id"], answer_ids),
    )
    covariates = list((roster_params or {}).get("hr_covariates") or {})
    employees = _sorted_by(employees[[*EMPLOYEE_COLUMNS, *covariates]], "pid")
    answer_pids = _pids_at(answer_positions, pid)
    anonymous = answer_ids.isna().to_numpy()
    if anonymous.any():
        known = answer_pids.to_numpy(zero_copy_only=False)
        known[anonymous] = anonymous_pids(
            matched_responses.loc[anonymous, "respondent_key"], pseudonym_key
        ).to_numpy(dtype=object)
        answer_pids = pyarrow.array(known, type=pyarrow.large_string())
    answers = matched_responses.assign(pid=_as_text(answer_pids, matched_responses.index))
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
