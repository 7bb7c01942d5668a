"""Small-group protection for every figure of the persona report.

One rule, used by every breakdown of the HTML page and of the workbook: no
count, share, mean or chart describes a group of fewer than ``min_group``
people, and a hidden figure cannot be recovered from the totals that are
shown.

* Groups of a breakdown dimension (departments, sites, work patterns) that are
  too small are hidden **everywhere**; :func:`hidden_groups` adds the next
  smallest groups until the hidden ones are at least two and together hold at
  least ``min_group`` people in every measure, so that the overall total
  minus the shown groups describes no small group. Hidden groups are shown
  only as one combined "other" group, without their names.
* Cells of a table (a group's counts by category) go through
  :func:`suppress_cells`: a cell of 1 to ``min_group - 1`` people is hidden,
  and every row and column that has a hidden cell gets more hidden cells
  (the next smallest) until it has at least two of them holding together at
  least ``min_group`` people. Rows and columns are treated alternately until
  nothing changes, because row totals (a group's size) and column totals
  (the overall distribution) are shown too.
* Ordered categories of one group (adopter categories, score levels, age
  bands) can instead be *merged* with a neighbour by :func:`collapse_ordinal`,
  which keeps every person counted and every shown cell large enough.

Zero cells are shown: they describe no one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

OTHER = "__other__"


def hidden_groups(sizes: pd.DataFrame, min_group: int, allow_zero: Sequence[str] = ()) -> list:
    """Groups (index of ``sizes``) to hide in every breakdown of one dimension.

    ``sizes`` has one row per group and one column per measure that is shown
    somewhere (e.g. active headcount and respondents). A group is too small
    when any measure is under ``min_group``; then the next smallest groups
    join it until the hidden groups are at least two and hold, together, at
    least ``min_group`` in every measure. When that is impossible every group
    is hidden. Measures in ``allow_zero`` may be 0 (describing nobody).
    """
    sizes = sizes.fillna(0).astype(int)
    if sizes.empty:
        return []
    too_small = sizes < min_group
    for column in allow_zero:
        too_small[column] &= sizes[column] > 0
    small = too_small.any(axis=1)
    hidden = list(sizes.index[small])
    if not hidden:
        return []
    order = sizes.min(axis=1).sort_values(kind="stable").index

    def safe(total: pd.Series) -> bool:
        return all(
            total[c] >= min_group or (c in allow_zero and total[c] == 0) for c in sizes.columns
        )

    for group in order:
        if len(hidden) >= 2 and safe(sizes.loc[hidden].sum()):
            break
        if group not in hidden:
            hidden.append(group)
    if len(hidden) < 2 or not safe(sizes.loc[hidden].sum()):
        hidden = list(sizes.index)
    return [g for g in sizes.index if g in set(hidden)]


def _complete_line(values: np.ndarray, mask: np.ndarray, min_group: int) -> bool:
    """Hide more cells of one row or column until its hidden cells are safe.

    Safe: no hidden cell, or at least two hidden non-zero cells holding
    together at least ``min_group``. Returns whether a cell was added.
    """
    hidden_nonzero = mask & (values > 0)
    if not hidden_nonzero.any():
        return False
    changed = False
    while hidden_nonzero.sum() < 2 or values[hidden_nonzero].sum() < min_group:
        candidates = np.where(~mask & (values > 0))[0]
        if len(candidates) == 0:
            break
        pick = candidates[np.argsort(values[candidates], kind="stable")[0]]
        mask[pick] = True
        hidden_nonzero = mask & (values > 0)
        changed = True
    return changed


def suppress_cells(
    counts: pd.DataFrame, min_group: int, *, protect_rows: bool = True, protect_columns: bool = True
) -> pd.DataFrame:
    """A boolean frame like ``counts``: True where the cell must not be shown.

    Primary suppression: 0 < count < ``min_group``. Complementary suppression
    along rows (whose totals are group sizes, shown) and columns (whose totals
    are the overall distribution, shown) until stable. A row whose total is
    itself under ``min_group`` is hidden whole.
    """
    values = counts.fillna(0).to_numpy(dtype=float)
    mask = (values > 0) & (values < min_group)
    row_totals = values.sum(axis=1)
    mask[row_totals < min_group, :] = True
    changed = True
    while changed:
        changed = False
        if protect_rows:
            for r in range(values.shape[0]):
                line = mask[r, :].copy()
                if _complete_line(values[r, :], line, min_group):
                    mask[r, :] = line
                    changed = True
        if protect_columns:
            for c in range(values.shape[1]):
                line = mask[:, c].copy()
                if _complete_line(values[:, c], line, min_group):
                    mask[:, c] = line
                    changed = True
    return pd.DataFrame(mask, index=counts.index, columns=counts.columns)


def suppress_line(values: np.ndarray, min_group: int) -> np.ndarray:
    """:func:`suppress_series` on a plain array of counts (a boolean array)."""
    values = np.asarray(values, dtype=float)
    mask = (values > 0) & (values < min_group)
    if values.sum() < min_group:
        mask[:] = True
    while _complete_line(values, mask, min_group):
        pass
    return mask


def shown_count(count: int, min_group: int) -> int | None:
    """A count shown on its own (a total, a row of a table): None when it is 1 to ``min_group - 1`` people."""
    return None if 0 < count < min_group else count


def shown_split(count: int, total: int, min_group: int) -> bool:
    """Whether ``count`` of ``total`` people may be shown: :func:`suppress_line` hides neither
    it nor the rest (so neither the count nor ``total - count`` is a small group)."""
    return not suppress_line(np.array([count, total - count]), min_group).any()


def suppress_series(counts: pd.Series, min_group: int) -> pd.Series:
    """:func:`suppress_cells` for the categories of one group (one row)."""
    frame = counts.to_frame().T
    return suppress_cells(frame, min_group, protect_columns=False).iloc[0]


def collapse_ordinal(counts: pd.Series, min_group: int) -> list[dict]:
    """Merge ordered categories until every non-empty cell holds ``min_group`` or more.

    The smallest non-empty cell under the threshold merges with its smaller
    non-empty neighbour, repeatedly. Returns ``[{"labels": [...], "count": n,
    "share": s}]`` in the original order; a group too small as a whole comes
    back as one hidden cell (``count`` None).
    """
    counts = counts.fillna(0).astype(int)
    total = int(counts.sum())
    if total < min_group:
        return [{"labels": [str(x) for x in counts.index], "count": None, "share": None}]
    groups = [[str(label)] for label in counts.index]
    values = [int(v) for v in counts.to_numpy()]
    while True:
        small = [i for i, v in enumerate(values) if 0 < v < min_group]
        if not small:
            break
        i = min(small, key=lambda j: (values[j], j))
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(values)]
        nonzero = [j for j in neighbours if values[j] > 0] or neighbours
        j = min(nonzero, key=lambda n: (values[n], n))
        a, b = sorted((i, j))
        groups[a : b + 1] = [groups[a] + groups[b]]
        values[a : b + 1] = [values[a] + values[b]]
    return [
        {"labels": g, "count": v, "share": v / total} for g, v in zip(groups, values, strict=True)
    ]


def safe_mean(values: pd.Series, min_group: int) -> float | None:
    """The mean of the non-missing values, or None when they are fewer than ``min_group``."""
    known = pd.to_numeric(values, errors="coerce").dropna()
    if len(known) < min_group:
        return None
    return float(known.mean())


def crosstab_counts(
    frame: pd.DataFrame,
    row: str,
    column: str,
    rows: Sequence | None = None,
    columns: Sequence | None = None,
) -> pd.DataFrame:
    """Counts of ``row`` by ``column`` with every listed row and column present (zeros included)."""
    if len(frame) and rows is not None and columns is not None:
        fast = _counted(frame[row], frame[column], rows, columns)
        if fast is not None:
            return fast
    table = pd.crosstab(frame[row], frame[column]) if len(frame) else pd.DataFrame()
    if rows is not None:
        table = table.reindex(index=list(rows), fill_value=0)
    if columns is not None:
        table = table.reindex(columns=list(columns), fill_value=0)
    return table.fillna(0).astype(int)


def _counted(
    row_values: pd.Series, column_values: pd.Series, rows: Sequence, columns: Sequence
) -> pd.DataFrame | None:
    """:func:`crosstab_counts` with listed rows and columns, by codes and one bincount.

    The same table as ``pd.crosstab`` reindexed on ``rows`` and ``columns``
    (index names included); None when the lists are not plain unique keys.
    """
    row_index, column_index = pd.Index(list(rows)), pd.Index(list(columns))
    if (
        not (row_index.is_unique and column_index.is_unique)
        or row_index.hasnans
        or column_index.hasnans
    ):
        return None
    row_codes, row_uniques = pd.factorize(row_values)
    column_codes, column_uniques = pd.factorize(column_values)
    n_rows, n_columns = len(row_index), len(column_index)
    # Position of each distinct value in the listed keys; missing and unlisted values go to a spare slot.
    row_at = np.append(row_index.get_indexer(row_uniques), -1)
    column_at = np.append(column_index.get_indexer(column_uniques), -1)
    r = row_at[row_codes]
    c = column_at[column_codes]
    r = np.where(r < 0, n_rows, r)
    c = np.where(c < 0, n_columns, c)
    counts = np.bincount(r * (n_columns + 1) + c, minlength=(n_rows + 1) * (n_columns + 1))
    table = counts.reshape(n_rows + 1, n_columns + 1)[:n_rows, :n_columns].astype(np.int64)
    row_index.name, column_index.name = row_values.name, column_values.name
    return pd.DataFrame(table, index=row_index, columns=column_index)


def masked_shares(counts: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """Row shares of ``counts`` with hidden cells (and rows of size 0) as NaN."""
    totals = counts.sum(axis=1).replace(0, np.nan)
    shares = counts.div(totals, axis=0)
    return shares.mask(mask)


def merge_hidden(labels: pd.Series, hidden: Sequence, other_label: str = OTHER) -> pd.Series:
    """Labels with every hidden group replaced by one combined group."""
    hidden_set = set(hidden)
    if len(labels) == 0:
        return labels.map(lambda v: other_label if v in hidden_set else v)
    # Map each distinct label once (``labels.map`` on the first occurrences,
    # so the result's dtype is the one ``map`` gives), then spread by codes.
    codes, _ = pd.factorize(labels, use_na_sentinel=False)
    first = np.unique(codes, return_index=True)[1]
    mapped = labels.iloc[first].map(lambda v: other_label if v in hidden_set else v)
    return mapped.iloc[codes].set_axis(labels.index)


def check_min_group(min_group: int | Mapping) -> int:
    """The threshold from ``params:anonymity`` (a mapping) or a number; at least 1."""
    value = min_group.get("min_group_size", 5) if isinstance(min_group, Mapping) else min_group
    value = int(value)
    if value < 1:
        raise ValueError("anonymity.min_group_size must be at least 1")
    return value


def _primary(values: np.ndarray, min_group: int) -> np.ndarray:
    """Cells of 1 to ``min_group - 1`` people, in rows large enough to be shown at all."""
    large_rows = values.sum(axis=1, keepdims=True) >= min_group
    return (values > 0) & (values < min_group) & large_rows


def _merge_steps(counts: pd.DataFrame, min_group: int, ordinal: bool):
    """Successive merges of the smallest category that has a small cell (see :func:`merge_small_columns`)."""
    members = {c: [c] for c in counts.columns}
    table = counts.copy()
    yield table, dict(members)
    while True:
        small = _primary(table.to_numpy(dtype=float), min_group)
        if not small.any():
            return
        columns = list(table.columns)
        candidates = [
            c for i, c in enumerate(columns) if small[:, i].any() and (ordinal or c != OTHER)
        ]
        if not candidates and OTHER in columns:
            # Only "Other" is small: the smallest named category joins it.
            candidates = [c for c in columns if c != OTHER]
        named = columns if ordinal else [c for c in columns if c != OTHER]
        if not candidates or len(named) <= 2:
            return
        pick = min(candidates, key=lambda c: (table[c].sum(), columns.index(c)))
        if ordinal:
            i = columns.index(pick)
            neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(columns)]
            j = min(neighbours, key=lambda n: (table[columns[n]].sum(), n))
            a, b = sorted((i, j))
            key = f"{columns[a]}+{columns[b]}"
            merged = table[columns[a]] + table[columns[b]]
            members[key] = members.pop(columns[a]) + members.pop(columns[b])
            table = pd.concat(
                [table.iloc[:, :a], merged.rename(key), table.iloc[:, b + 1 :]], axis=1
            )
        else:
            members[OTHER] = members.pop(OTHER, []) + members.pop(pick)
            table = table.drop(columns=[c for c in (pick, OTHER) if c in table.columns])
            table[OTHER] = counts[members[OTHER]].sum(axis=1)
        yield table, dict(members)


def hidden_people(counts: pd.DataFrame, min_group: int) -> int:
    """People in the cells :func:`suppress_cells` hides, leaving out rows too small to show at all."""
    mask = suppress_cells(counts, min_group).to_numpy(
        dtype=bool
    )  # bool even with no column (a survey without the figure)
    values = counts.fillna(0).to_numpy(dtype=float)
    shown_rows = values.sum(axis=1) >= min_group
    return int(values[shown_rows][mask[shown_rows]].sum())


def merge_small_columns(
    counts: pd.DataFrame, min_group: int, *, ordinal: bool = False
) -> tuple[pd.DataFrame, dict]:
    """Merge categories (columns) before hiding cells, so that the fewest people are hidden.

    Hiding one small cell means hiding others with it (its row and column
    totals are shown), which can hide large groups. Merging a category for
    every row instead, into one :data:`OTHER` column ("Other (combined)") or,
    for ordered categories (``ordinal``), into its smaller neighbour, hides
    nobody but loses detail. Categories are merged one at a time, the smallest
    with a small cell first, and the number of merges that leaves the fewest
    people hidden by :func:`suppress_cells` is kept (the fewer merges on a tie).

    Returns the merged counts and ``{merged column: [original columns]}``.
    """
    best = None
    for table, members in _merge_steps(counts, min_group, ordinal):
        cost = hidden_people(table, min_group)
        if best is None or cost < best[0]:
            best = (cost, table, members)
        if cost == 0:
            break
    return best[1], best[2]


def hidden_reasons(counts: pd.DataFrame, mask: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """Why each hidden cell is hidden: "small" (its own group is small) or "complement" (so a small one can't be worked out)."""
    values = counts.fillna(0).to_numpy(dtype=float)
    small = ((values > 0) & (values < min_group)) | (values.sum(axis=1, keepdims=True) < min_group)
    reasons = np.where(mask.to_numpy(), np.where(small, "small", "complement"), "")
    return pd.DataFrame(reasons, index=counts.index, columns=counts.columns)


def whole_percents(shares: Sequence[float], total: float = 1.0) -> list[int]:
    """Shares as whole percentages that add up to ``round(total * 100)`` (largest remainders get the rest)."""
    exact = [100.0 * s for s in shares]
    floors = [int(np.floor(x + 1e-9)) for x in exact]
    missing = int(round(100.0 * total)) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: max(0, missing)]:
        floors[i] += 1
    return floors
