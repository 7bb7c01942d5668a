"""Each persona's figures: sizes, trait means, needs, channels, adopter and demographic mixes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from segmentation import anonymity as anon
from segmentation.parsing import is_in
from segmentation.persona_ids import persona_sort_key

from .groups import (
    INFERRED,
    SURVEY,
    _adopters,
    _ranked,
    _split,
    cohen_d,
    group_label,
    ordered_groups,
)
from .labels import Labels
from .survey import (
    all_constructs,
    on_score_axis,
)


def protected_mix(
    counts: pd.DataFrame,
    min_group: int,
    label_of: Callable[[Any], str],
    *,
    ordinal: bool,
) -> dict[Any, dict[str, Any]]:
    """Per row of ``counts``, its distribution as a card shows it, adding up to 100%.

    Small categories are merged first (:func:`anonymity.merge_small_columns`:
    into "Other (combined)", or with a neighbour when ordered), then what is
    still small is hidden with its complements (:func:`anonymity.suppress_cells`).
    Every block says what it hides and why, and its whole percentages
    (shown cells plus the hidden share) add up to 100.
    """
    merged, members = anon.merge_small_columns(counts, min_group, ordinal=ordinal)
    mask = anon.suppress_cells(merged, min_group)
    reasons = anon.hidden_reasons(merged, mask, min_group)

    def label(key: Any) -> str:
        if key == anon.OTHER:
            return label_of(key)
        return " + ".join(label_of(m) for m in members.get(key, [key]))

    combined = (
        [label_of(m) for m in members.get(anon.OTHER, []) if m != anon.OTHER] if not ordinal else []
    )
    out = {}
    for row in merged.index:
        total = float(merged.loc[row].sum())
        cells, hidden = [], []
        for key in merged.columns:
            share = float(merged.loc[row, key]) / total if total else 0.0
            if mask.loc[row, key]:
                hidden.append(
                    {
                        "key": key,
                        "label": label(key),
                        "share": share,
                        "reason": str(reasons.loc[row, key]),
                    }
                )
            elif share > 0 or ordinal:
                cells.append({"key": key, "label": label(key), "share": share})
        if not ordinal:
            cells.sort(key=lambda c: (c["key"] == anon.OTHER, -c["share"]))
        hidden_share = sum(h["share"] for h in hidden)
        percents = (
            anon.whole_percents([c["share"] for c in cells] + [hidden_share])
            if total
            else [0] * (len(cells) + 1)
        )
        for cell, percent in zip(cells, percents, strict=False):
            cell["percent"] = percent
        out[row] = {
            "cells": cells,
            "hidden": [{"label": h["label"], "reason": h["reason"]} for h in hidden],
            "hidden_share": hidden_share if hidden else 0.0,
            "hidden_percent": percents[-1] if hidden else 0,
            "combined": combined if any(c["key"] == anon.OTHER for c in cells) else [],
        }
    return out


def _with_hidden_row(visible: list[str], rows: pd.Series) -> list:
    """The shown personas, then the combined row of the hidden ones (when there is one)."""
    return list(dict.fromkeys([*visible, *sorted(set(rows.unique()) - set(visible), key=str)]))


def _cells(values: pd.Series) -> Any:
    """A column's values without its index, for a new frame: Arrow text stays Arrow text
    (through numpy it became a Python string per cell, turned back into Arrow text)."""
    return values.array if isinstance(values.dtype, pd.StringDtype) else values.to_numpy()


def _sizes(
    active: pd.DataFrame, visible: list[str], hidden: set[str], min_group: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Active employees per persona by source (survey, inferred); hidden personas as one row."""
    with_persona = active[active["persona_source"].notna() & active["persona_id"].notna()]
    rows = anon.merge_hidden(with_persona["persona_id"], hidden)
    frame = pd.DataFrame({"p": _cells(rows), "s": _cells(with_persona["persona_source"])})
    sizes = anon.crosstab_counts(
        frame, "p", "s", rows=_with_hidden_row(visible, rows), columns=[SURVEY, INFERRED]
    )
    return sizes, anon.suppress_cells(sizes, min_group)


def _adopter_mixes(
    resp: pd.DataFrame,
    surveyed: pd.DataFrame,
    persona_rows: pd.Series,
    mix_rows: list,
    report: Mapping[str, Any],
    labels: Labels,
    min_group: int,
) -> dict[Any, dict[str, Any]] | None:
    """Each persona's adopter mix on the same merged categories as the overall chart."""
    if not report["constructs"]["innovativeness"]:
        return None
    order = list(report["adopters"]["order"])
    merged = anon.collapse_ordinal(
        resp["adopter"].value_counts().reindex(order, fill_value=0), min_group
    )
    keys = {k: "+".join(cell["labels"]) for cell in merged for k in cell["labels"]}
    names = {
        "+".join(cell["labels"]): " + ".join(labels.value("adopters", k) for k in cell["labels"])
        for cell in merged
    }
    frame = pd.DataFrame(
        {"p": _cells(persona_rows), "a": _cells(surveyed["adopter"].map(keys))}
    ).dropna()
    counts = anon.crosstab_counts(frame, "p", "a", rows=mix_rows, columns=list(names))
    return protected_mix(counts, min_group, names.get, ordinal=True) if names else None


def _demographics(
    resp: pd.DataFrame,
    surveyed: pd.DataFrame,
    persona_rows: pd.Series,
    mix_rows: list,
    report: Mapping[str, Any],
    labels: Labels,
    min_group: int,
) -> dict[str, dict[Any, dict[str, Any]]]:
    """Each persona's mix of every demographic of the cards (age bands in their order)."""
    demographics = {}
    for dim in report["personas"]["demographics"]:
        column = f"group_{dim}"
        groups = ordered_groups(resp[column]) if len(resp) else []
        if dim == "age_band":
            bands = list(report["age_bands"]["labels"][labels.language])
            groups = sorted(
                groups, key=lambda g: (bands.index(g) if g in bands else len(bands), str(g))
            )
        frame = pd.DataFrame({"p": _cells(persona_rows), "g": _cells(surveyed[column])})
        counts = anon.crosstab_counts(frame, "p", "g", rows=mix_rows, columns=groups)
        demographics[dim] = protected_mix(
            counts,
            min_group,
            lambda g, dim=dim: group_label(labels, dim, g),
            ordinal=dim == "age_band",
        )
    return demographics


def _traits(
    members: pd.DataFrame,
    others: pd.DataFrame,
    everyone: Mapping[str, float | None],
    report: Mapping[str, Any],
    labels: Labels,
    min_group: int,
) -> list[dict[str, Any]]:
    """The persona's mean on each trait against everyone's, with Cohen's d against the others."""
    return [
        {
            "key": c,
            "label": labels.construct(c),
            "mean": on_score_axis(report, c, anon.safe_mean(members[c], min_group)),
            "everyone": everyone[c],
            "d": cohen_d(members[c], others[c]) if len(others) >= min_group else None,
        }
        for c in everyone
    ]


def persona_figures(
    base: pd.DataFrame, persona_ids: Sequence[str], report: Mapping[str, Any], min_group: int
) -> dict[str, Any]:
    """Per persona: sizes, trait means, needs, channels, adopter and demographic mixes."""
    labels = Labels(report)
    cons = report["constructs"]
    # Only the columns read below, so that the row selections copy no more.
    needed = {
        "pid",
        "active",
        "anonymous",
        "respondent",
        "persona_source",
        "persona_id",
        *all_constructs(report),
        *(f"group_{dim}" for dim in report["personas"]["demographics"]),
    }
    base = base[[c for c in base.columns if c in needed]]
    # An anonymous survey's respondents are nobody on the roster: the employees a persona
    # reaches are the typed ones alone, never respondents on top of them.
    anonymous = bool(base["anonymous"].any()) if "anonymous" in base.columns else False
    resp = base[base["respondent"]].copy()
    scale = _adopters(resp, cons, report["adopters"])
    surveyed = resp[resp["persona_source"].eq(SURVEY) & resp["persona_id"].notna()]
    all_ids = sorted(set(persona_ids) | set(surveyed["persona_id"].unique()), key=persona_sort_key)
    survey_sizes = surveyed["persona_id"].value_counts().reindex(all_ids, fill_value=0)
    hidden = set(anon.hidden_groups(pd.DataFrame({"n": survey_sizes}), min_group))
    visible = [p for p in all_ids if p not in hidden]
    n_resp = len(resp)
    sizes, size_mask = _sizes(base[base["active"]], visible, hidden, min_group)
    persona_rows = anon.merge_hidden(surveyed["persona_id"], hidden)
    mix_rows = _with_hidden_row(visible, persona_rows)
    adopter_mix = _adopter_mixes(resp, surveyed, persona_rows, mix_rows, report, labels, min_group)
    demographics = _demographics(resp, surveyed, persona_rows, mix_rows, report, labels, min_group)
    traits = [c for c in cons.get("traits", []) if c in resp]
    everyone = {c: on_score_axis(report, c, anon.safe_mean(resp[c], min_group)) for c in traits}
    trait_frame = resp[traits]
    member_columns = list(
        dict.fromkeys(
            ["pid", *traits, *[c for c in [*cons["needs"], *cons["channels"]] if c in surveyed]]
        )
    )
    by_persona = _split(surveyed, "persona_id", member_columns)
    personas = {}
    for p in visible:
        members = by_persona.get(p, surveyed[member_columns].iloc[:0])
        others = trait_frame[~is_in(resp["pid"], members["pid"])]
        n = int(len(members))
        inferred = None if size_mask.loc[p, INFERRED] else int(sizes.loc[p, INFERRED])
        personas[p] = {
            "size": n,
            "share": n / n_resp if n_resp else None,
            "inferred": inferred,
            "total": None if inferred is None else inferred if anonymous else n + inferred,
            "traits": _traits(members, others, everyone, report, labels, min_group),
            "needs": _ranked(members, cons["needs"], labels, report, min_group),
            "channels": _ranked(members, cons["channels"], labels, report, min_group),
            "adopter_mix": adopter_mix[p] if adopter_mix else None,
            "demographics": {
                dim: {"title": labels.ui(f"dimensions.{dim}"), **blocks[p]}
                for dim, blocks in demographics.items()
            },
        }
    return {
        "visible": visible,
        "hidden": sorted(hidden, key=persona_sort_key),
        "personas": personas,
        "n_respondents": n_resp,
        "scale": scale,
        "trait_axis": list(report["score_axis"]["bounds"]),
    }
