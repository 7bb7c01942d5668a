"""Targeting lists as the receiving tool imports them (the export presets).

A preset (``campaign.targeting.presets``) names the file's columns and where
their values come from, the separator, whether a header row and a byte-order
mark are written, and which values a row cannot be imported without. The
text is rendered here, in memory, so the node stays pure and a rerun on the
same data gives the same bytes; the catalog only writes it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from segmentation.safe_export import neutralise_formulas

BYTE_ORDER_MARK = "\ufeff"
LIST_SEPARATOR = "__"
TAGS = "tags"
LIST_CHANNEL = "list_channel"


def list_name(group: str, channel: str) -> str:
    """File name (without suffix) of one campaign list: ``<persona_id>__<channel>``."""
    return f"{group}{LIST_SEPARATOR}{channel}"


def list_channel(name: str) -> str:
    return name.split(LIST_SEPARATOR, 1)[1] if LIST_SEPARATOR in name else ""


def preset_frame(rows: pd.DataFrame, preset: Mapping[str, Any], channel: str = "") -> tuple[pd.DataFrame, int]:
    """The rows in the preset's columns, and how many were left out for lacking a required value."""
    source = rows.assign(**{LIST_CHANNEL: channel})
    if preset.get("tags"):
        source[TAGS] = source[list(preset["tags"])].astype(str).agg(",".join, axis=1) if len(source) else ""
    keep = pd.Series(True, index=source.index)
    for column in preset.get("required", []):
        keep &= source[column].fillna("").astype(str).str.strip().ne("")
    table = pd.DataFrame({header: source.loc[keep, column].to_numpy() for header, column in preset["columns"].items()},
                         columns=list(preset["columns"]))
    return table, int((~keep).sum())


def render_table(table: pd.DataFrame, preset: Mapping[str, Any]) -> str:
    """CSV text in the preset's dialect, every cell safe to open in a spreadsheet."""
    text = neutralise_formulas(table).to_csv(
        sep=preset["separator"], index=False, header=bool(preset.get("header", True)), lineterminator="\n"
    )
    return (BYTE_ORDER_MARK if preset.get("byte_order_mark") else "") + text
