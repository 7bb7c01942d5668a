"""The targeting lists: every list's file text, in the configured preset."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from segmentation.text_keys import positions_of

from .audience import CONTRACT_COLUMNS
from .exports import (
    LIST_CHANNEL,
    TAGS,
    line_pieces,
    list_channel,
    preset_frame,
    preset_keep,
    preset_lines,
    render_rows,
    render_table,
)

TextPieces = Any  # str, or a list of str and Arrow buffers of UTF-8 text (exports.line_pieces)


def natural_key(text: str) -> tuple:
    """Sort key that puts P2 before P10."""
    return tuple(
        int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", str(text)))
    )


def export_targeting_lists(
    audience: pd.DataFrame,
    memberships: pd.DataFrame,
    playbook: Mapping[str, Any],
    targeting: Mapping[str, Any],
) -> tuple[dict[str, Callable[[], TextPieces]], dict[str, Any]]:
    """The targeting folder as ``{file name: a function giving its text}`` (a string, or
    pieces to write one after the other, :class:`~segmentation.datasets.TextPiecesDataset`).

    ``all_personas`` is always the data contract's CSV; each campaign list
    ``<persona_id>__<channel>`` is written in the configured preset. Every
    list a playbook entry names is written, even when empty, so the files
    of a wave are predictable.

    Each file's text is made when it is written (the partitioned dataset
    calls the function), one file at a time: the lists of a million
    employees hold about 0.45 GB of text, which held all at once added that
    to the run's peak memory. The rows are rendered here, once.
    """
    presets = targeting["presets"]
    preset_name = targeting["preset"]
    if preset_name not in presets:
        raise ValueError(
            f"campaign.targeting.preset '{preset_name}' is not one of {sorted(presets)}"
        )
    preset = presets[preset_name]
    all_name = targeting["all_list_name"]
    contract = audience[CONTRACT_COLUMNS]
    contract_rows = render_rows(contract, presets["generic"])
    head = render_table(contract.iloc[0:0], presets["generic"])
    files = {
        all_name: partial(render_table, contract, presets["generic"])
        if contract_rows is None
        else partial(line_pieces, head, contract_rows)
    }
    counts: dict[str, Any] = {
        "preset": preset_name,
        "lists": {all_name: len(audience)},
        "left_out_missing_value": {},
    }
    names = sorted(
        # the distinct names (hashed in Arrow), not a Python string per membership
        {n for entry in playbook.values() for n in entry["lists"]}
        | set(memberships["list_name"].unique()),
        key=natural_key,
    )
    starts = _members_by_list(audience, memberships)
    reused = _contract_lines(audience, contract_rows, preset, presets["generic"])
    rendered = _rendered_rows(audience, names, starts, preset, reused)
    for name in names:
        positions = starts.get(name)
        rows, lines = rendered.get(_row_channel(preset, name), (None, None))
        if positions is None or lines is None:  # an empty list, or a cell with a line break
            _render_list(files, counts, name, audience, positions, preset)
            continue
        head, text, keep = lines
        at = np.searchsorted(rows, np.where(positions < 0, positions + len(audience), positions))
        kept = at[keep[at]]
        files[name] = partial(line_pieces, head, text, kept)
        counts["lists"][name] = len(kept)
        if len(at) - len(kept):
            counts["left_out_missing_value"][name] = int(len(at) - len(kept))
    return files, counts


def _members_by_list(audience: pd.DataFrame, memberships: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each list's audience rows (positions), in employee-id order.

    Positions, not a label look-up per list (a million memberships took a
    minute). When the audience is in employee-id order (as selected) and has
    every member, a row's position is its employee-id order, and sorting
    numbers replaces sorting a million texts.
    """
    if memberships.empty:
        return {}
    position = positions_of(audience["employee_id"], memberships["employee_id"])
    codes, lists = pd.factorize(memberships["list_name"], use_na_sentinel=False)
    if (position >= 0).all() and audience["employee_id"].is_monotonic_increasing:
        order = np.lexsort((position, codes))
    else:
        by_list = pd.DataFrame(
            {
                "list_name": memberships["list_name"].to_numpy(dtype=object),
                "employee_id": memberships["employee_id"].to_numpy(dtype=object),
            }
        )
        order = by_list.sort_values(["list_name", "employee_id"], kind="stable").index.to_numpy()
    grouped, ends = codes[order], np.cumsum(np.bincount(codes, minlength=len(lists)))
    starts = np.concatenate([np.zeros(1, dtype=ends.dtype), ends[:-1]])
    sorted_positions = position[order]
    return {
        str(lists[grouped[start]]): sorted_positions[start:end]
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True)
        if end > start
    }


def _rendered_rows(
    audience: pd.DataFrame,
    names: list[str],
    starts: Mapping[str, np.ndarray],
    preset: Mapping[str, Any],
    reused: tuple[str, Any, np.ndarray] | None,
) -> dict[str, tuple[np.ndarray, Any]]:
    """Each channel's listed rows and their lines (head, line per row, which rows are kept).

    Each audience row is rendered once per channel (once in all when the
    preset does not name the channel), then every list joins the lines of its
    rows: rendering each list on its own converted and wrote a million rows
    per channel cell by cell. The contract's lines serve when the preset is
    the contract's (``reused``).
    """
    by_channel: dict[str, list[str]] = {}
    for name in names:
        by_channel.setdefault(_row_channel(preset, name), []).append(name)
    rendered: dict[str, tuple[np.ndarray, Any]] = {}
    for channel, group in by_channel.items():
        used = [starts[name] for name in group if name in starts]
        if used and reused is not None:
            rendered[channel] = np.arange(len(audience)), reused
        elif used:
            listed = np.zeros(len(audience), dtype=bool)
            for positions in used:
                listed[positions] = True  # a position of -1 is the last row, as in iloc
            rows = np.flatnonzero(listed)
            rendered[channel] = (
                rows,
                preset_lines(
                    audience.iloc[rows].set_index("employee_id", drop=False), preset, channel
                ),
            )
    return rendered


def _contract_lines(
    audience: pd.DataFrame,
    rows: pa.Array | None,
    preset: Mapping[str, Any],
    generic: Mapping[str, Any],
) -> tuple[str, pa.Array, np.ndarray] | None:
    """The rows of ``all_personas`` as a list's rows, when the list's preset is the contract's.

    A list in the generic preset shows the same cells as ``all_personas``
    (``rows`` is only given for Arrow text and float columns, which render the
    same as the Python values a list's table holds).
    """
    if rows is None or preset != generic or preset.get("tags"):
        return None
    if list(preset["columns"].items()) != [(c, c) for c in CONTRACT_COLUMNS]:
        return None
    if {LIST_CHANNEL, TAGS} & set(preset.get("required", [])):
        return None
    _, keep = preset_keep(audience, preset, "")
    return (
        render_table(audience[CONTRACT_COLUMNS].iloc[0:0], preset),
        rows,
        keep.to_numpy(dtype=bool),
    )


def _row_channel(preset: Mapping[str, Any], name: str) -> str:
    """The channel a list's rows show: its own when the preset names it (tags, a column), else none."""
    if preset.get("tags") or LIST_CHANNEL in set(preset["columns"].values()):
        return list_channel(name)
    return ""


def _render_list(
    files: dict[str, Callable[[], TextPieces]],
    counts: dict[str, Any],
    name: str,
    audience: pd.DataFrame,
    positions: Any,
    preset: Mapping[str, Any],
) -> None:
    """One list rendered on its own."""
    rows = (
        audience.iloc[positions].set_index("employee_id", drop=False)
        if positions is not None
        else audience.iloc[0:0]
    )
    table, left_out = preset_frame(rows, preset, list_channel(name))
    files[name] = partial(render_table, table, preset)
    counts["lists"][name] = len(table)
    if left_out:
        counts["left_out_missing_value"][name] = left_out
