"""Shares and distributions of groups, every one through :mod:`segmentation.anonymity`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from segmentation import anonymity as anon
from segmentation.adopters import adopter_categories, adopter_scale

from .labels import Labels
from .survey import (
    on_score_axis,
)

UNKNOWN = "__unknown__"


SURVEY, INFERRED = "survey", "inferred"


LEVELS = ("low", "medium", "high")


def group_label(labels: Labels, dim: str, key: Any) -> str:
    if key == anon.OTHER:
        return labels.ui("other_group")
    if key == UNKNOWN:
        return (
            labels.value("misc", "unknown") if labels.value("misc", "unknown") != "unknown" else "?"
        )
    return labels.value(dim, key)


def ordered_groups(values: pd.Series) -> list:
    """Groups by size (largest first), ties by name, with the combined group last."""
    counts = values.value_counts()
    keys = sorted(counts.index, key=lambda g: (g == anon.OTHER, g == UNKNOWN, -counts[g], str(g)))
    return keys


def level_of(scores: pd.Series, levels: Mapping[str, Any]) -> pd.Series:
    """low / medium / high of a score by its scale's ``low_below`` and ``high_from``; missing stays missing."""
    out = np.select(
        [scores < levels["low_below"], scores >= levels["high_from"]],
        ["low", "high"],
        default="medium",
    ).astype(object)
    return pd.Series(out, index=scores.index).where(scores.notna(), None)


def _adopters(
    resp: pd.DataFrame, cons: Mapping[str, Any], adopters_params: Mapping[str, Any]
) -> dict[str, float]:
    """Put each respondent's adopter category in ``resp["adopter"]`` (none without an
    innovativeness construct) and return the scale it was read on."""
    innovativeness = (
        resp[cons["innovativeness"]]
        if cons["innovativeness"]
        else pd.Series(np.nan, index=resp.index)
    )
    scale = adopter_scale(innovativeness)
    resp["adopter"] = adopter_categories(innovativeness, adopters_params, scale)
    return scale


def split_share(flag: pd.Series, min_group: int) -> tuple[float | None, int]:
    """Share of True among known values, hidden when either side is a small group."""
    known = flag.dropna().astype(bool)
    counts = pd.Series({"yes": int(known.sum()), "no": int((~known).sum())})
    mask = anon.suppress_series(counts, min_group)
    if len(known) == 0 or mask["yes"]:
        return None, len(known)
    return counts["yes"] / len(known), len(known)


def split_by_group(
    groups: pd.Series, flag: pd.Series, order: Sequence, min_group: int
) -> dict[Any, float | None]:
    """Per group, the share of True among known values, with cell and complementary suppression."""
    known = flag.notna()
    frame = pd.DataFrame(
        {
            "g": groups[known].to_numpy(),
            "f": np.where(flag[known].astype(bool).to_numpy(), "yes", "no").astype(object),
        }
    )
    counts = anon.crosstab_counts(frame, "g", "f", rows=order, columns=["yes", "no"])
    mask = anon.suppress_cells(counts, min_group)
    shares = anon.masked_shares(counts, mask)["yes"]
    return {g: (None if pd.isna(shares[g]) else float(shares[g])) for g in order}


def _positions(groups: pd.Series, order: Sequence) -> np.ndarray:
    """Position of each value of ``groups`` in ``order`` (-1 when missing or not listed)."""
    codes, uniques = pd.factorize(groups)
    at = np.append(pd.Index(list(order)).get_indexer(uniques), -1)
    return at[codes]


def _split_by_positions(
    positions: np.ndarray, flag: pd.Series, order: Sequence, min_group: int
) -> dict[Any, float | None]:
    """:func:`split_by_group` with the groups given as positions in ``order`` (see :func:`_positions`)."""
    known = flag.notna().to_numpy()
    yes = np.zeros(len(flag), dtype=bool)
    yes[known] = flag[known].astype(bool).to_numpy()
    listed = known & (positions >= 0)
    n = len(order)
    yes_counts = np.bincount(positions[listed & yes], minlength=n)
    no_counts = np.bincount(positions[listed & ~yes], minlength=n)
    counts = pd.DataFrame(
        {"yes": yes_counts.astype(np.int64), "no": no_counts.astype(np.int64)},
        index=pd.Index(list(order), name="g"),
    )
    counts.columns.name = "f"
    mask = anon.suppress_cells(counts, min_group)
    shares = anon.masked_shares(counts, mask)["yes"]
    return {g: (None if pd.isna(shares[g]) else float(shares[g])) for g in order}


def distribution(values: pd.Series, order: Sequence, min_group: int) -> list[dict[str, Any]]:
    """Counts and shares of one group by category, with suppression (one row)."""
    counts = values.dropna().value_counts().reindex(list(order), fill_value=0)
    mask = anon.suppress_series(counts, min_group)
    total = int(counts.sum())
    cells = []
    for key in order:
        hidden = bool(mask[key]) or total < min_group
        cells.append(
            {
                "key": key,
                "count": None if hidden else int(counts[key]),
                "share": None if hidden or not total else counts[key] / total,
            }
        )
    return cells


def cohen_d(inside: pd.Series, outside: pd.Series) -> float | None:
    a, b = inside.dropna(), outside.dropna()
    if len(a) < 2 or len(b) < 2:
        return None
    pooled = np.sqrt(
        ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
    )
    if not pooled or not np.isfinite(pooled):
        return None
    return float((a.mean() - b.mean()) / pooled)


def _agree_share(known: np.ndarray, agree_from: float, min_group: int) -> tuple[float | None, int]:
    """:func:`split_share` of ``known >= agree_from`` for non-missing floats."""
    n = len(known)
    yes = np.int64(np.count_nonzero(known >= agree_from))
    mask = anon.suppress_line(np.array([yes, n - yes], dtype=float), min_group)
    if n == 0 or mask[0]:
        return None, n
    return yes / n, n


def _ranked(
    base: pd.DataFrame,
    constructs: Sequence[str],
    labels: Labels,
    report: Mapping[str, Any],
    min_group: int,
    kind: str = "constructs",
) -> list[dict]:
    """Constructs (or items) by the share that agrees with them, each on its own scale's top box(es)."""
    rows = []
    for c in constructs:
        if c not in base:
            continue
        agree_from = report["scales"][c]["agree_from"]
        values = base[c]
        if values.dtype == np.float64:
            # split_share and safe_mean on the numbers themselves (same figures, no pandas per call).
            known = values.to_numpy()
            known = known[~np.isnan(known)]
            share, n = _agree_share(known, agree_from, min_group)
            mean = float(known.mean()) if len(known) >= min_group else None
        else:
            share, n = split_share((values >= agree_from).where(values.notna()), min_group)
            mean = anon.safe_mean(values, min_group)
        rows.append(
            {
                "key": c,
                "label": labels.value(kind, c),
                "mean": on_score_axis(report, c, mean),
                "share": share,
                "n": n if n >= min_group else None,
            }
        )
    return sorted(
        rows,
        key=lambda r: (
            -(r["share"] if r["share"] is not None else -1),
            -(r["mean"] or 0),
            r["key"],
        ),
    )


def _levels(
    resp: pd.DataFrame, construct: str, report: Mapping[str, Any], labels: Labels, min_group: int
) -> dict:
    level = level_of(resp[construct], report["scales"][construct])
    cells = distribution(level, LEVELS, min_group)
    for cell in cells:
        cell["label"] = labels.ui(f"level_titles.{cell['key']}")
    mean = on_score_axis(report, construct, anon.safe_mean(resp[construct], min_group))
    return {
        "construct": construct,
        "label": labels.construct(construct),
        "cells": cells,
        "mean": mean,
    }


def _split(frame: pd.DataFrame, column: str, columns: Sequence[str]) -> dict[Any, pd.DataFrame]:
    """Rows of ``frame`` (only ``columns``) per value of ``column``, in their order: one pass."""
    sub = frame[list(dict.fromkeys(columns))]
    return {
        g: sub.iloc[positions] for g, positions in frame.groupby(column, sort=False).indices.items()
    }
