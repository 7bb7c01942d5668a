"""Persona profiles: size, construct and HR contrasts, top traits, demographic and adopter mixes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segmentation.adopters import adopter_categories as shared_adopter_categories
from segmentation.adopters import adopter_scale
from segmentation.anonymity import suppress_line
from segmentation.jsonable import to_plain
from segmentation.roles import resolve, survey_roles

from .common import PROFILE_TABLES, UNKNOWN, ordered_persona_ids, warn


def _suppressed_counts(counts: pd.Series, min_group: int) -> dict:
    """Counts and shares of the cells of one mix that may be shown.

    Which cells are hidden is the report's rule for the categories of one
    group (:func:`segmentation.anonymity.suppress_line`): a cell under the
    threshold is hidden with the next smallest ones until the hidden cells
    cannot be recovered from the persona's size minus the shown cells.
    """
    counts = counts[counts > 0].sort_values(kind="stable")
    hidden = suppress_line(counts.to_numpy(), min_group)
    total = int(counts.sum())
    cells = {
        str(label): {"count": int(n), "share": n / total}
        for label, n in counts[~hidden].sort_values(ascending=False, kind="stable").items()
    }
    return {"cells": cells, "suppressed_cells": int(hidden.sum())}


def adopter_categories(innovativeness: pd.Series, adopters: dict) -> tuple[pd.Series, dict]:
    """Each respondent's adopter category (the shared rule; ``unknown`` without a score) and the scale."""
    scale = adopter_scale(innovativeness)
    category = shared_adopter_categories(innovativeness, adopters, scale).where(
        innovativeness.notna(), UNKNOWN
    )
    mean, sd = scale["mean"], scale["sd"]
    thresholds = {
        name: mean + adopters[name] * sd
        for name in ("innovators", "early_adopters", "early_majority", "late_majority")
    }
    return category, {"mean": mean, "sd": sd, "lower_bounds": thresholds}


def _adoption_overview(category: pd.Series, scale: dict, adopters: dict, min_group: int) -> dict:
    """The headline: share of innovators against share of conservatives.

    A category, or a headline group, of fewer than ``min_group`` people shows
    no count and no share.
    """
    order = list(adopters["order"])
    known = category[category != UNKNOWN]
    counts = known.value_counts().reindex(order, fill_value=0)
    n = int(counts.sum())

    def share(categories) -> float | None:
        count = int(counts[list(categories)].sum())
        return count / n if n and count >= min_group else None

    bounds = {
        name: f"{adopters[name]:+g} sd"
        for name in ("innovators", "early_adopters", "early_majority", "late_majority")
    }
    return {
        "construct": adopters["construct"],
        "n": n,
        "shares": {c: share([c]) for c in order},
        "innovators_share": share(adopters["innovator_categories"]),
        "conservatives_share": share(adopters["conservative_categories"]),
        "innovator_categories": list(adopters["innovator_categories"]),
        "conservative_categories": list(adopters["conservative_categories"]),
        "rule": (
            f"Rogers on {adopters['construct']}, in sd from the respondents' mean: innovators above "
            f"{bounds['innovators']}, early adopters above {bounds['early_adopters']}, early majority "
            f"above {bounds['early_majority']}, late majority from {bounds['late_majority']}, "
            f"laggards below it"
        )
        if adopters["construct"]
        else "the survey has no innovativeness construct: no adopter categories",
        **scale,
    }


def _contrast(
    inside: np.ndarray, outside: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per column: mean inside, mean outside, Cohen's d (pooled sd) and Welch t-test p-value."""
    n1, n0 = (~np.isnan(inside)).sum(axis=0), (~np.isnan(outside)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        m1, m0 = np.nanmean(inside, axis=0), np.nanmean(outside, axis=0)
        v1, v0 = np.nanvar(inside, axis=0, ddof=1), np.nanvar(outside, axis=0, ddof=1)
        pooled = np.sqrt(((n1 - 1) * v1 + (n0 - 1) * v0) / (n1 + n0 - 2))
        d = (m1 - m0) / pooled
        se2 = v1 / n1 + v0 / n0
        t = (m1 - m0) / np.sqrt(se2)
        df = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    return m1, m0, d, p


def profile_personas(
    survey_personas: pd.DataFrame,
    construct_scores: pd.DataFrame,
    hr_features: pd.DataFrame,
    profile_params: dict,
    anonymity: dict,
    questionnaire: dict,
) -> tuple[dict, dict]:
    """Per persona: size, share, means, Cohen's d and p-values, top traits, mixes.

    The adopter categories read the survey's innovativeness construct
    (``adopters.construct`` names it or its role); without one, every
    respondent's category is unknown.

    Demographic and adopter mixes hide cells under the anonymity threshold; a
    persona under it (or with fewer than that many people outside it) shows
    nothing but its id.
    """
    warnings: list[str] = []
    min_group = int(anonymity["min_group_size"])
    frame = survey_personas.merge(construct_scores, on="pid", how="left").merge(
        hr_features, on="pid", how="left", suffixes=("", "_hr")
    )
    constructs = [c for c in construct_scores.columns if c != "pid"]
    numeric = constructs + list(profile_params["hr_numeric"])
    values = frame[numeric].to_numpy(dtype=float)
    adopters = dict(profile_params["adopters"])
    adopters["construct"] = resolve(survey_roles(questionnaire), adopters["construct"], constructs)
    innovativeness = (
        frame[adopters["construct"]]
        if adopters["construct"]
        else pd.Series(np.nan, index=frame.index)
    )
    category, scale = adopter_categories(innovativeness.astype(float), adopters)
    ids = ordered_persona_ids(frame["persona_id"])
    profiles = {}
    for pid in ids:
        inside = (frame["persona_id"] == pid).to_numpy()
        size = int(inside.sum())
        if size < min_group or len(frame) - size < min_group:
            # too small, or everyone else is: its figures would describe a small group
            warn(
                warnings,
                f"persona {pid} or everyone outside it is under the anonymity "
                f"threshold ({min_group}); nothing about it is shown",
            )
            profiles[pid] = {
                "persona_id": pid,
                "size": None,
                "share": None,
                "suppressed": True,
                "top_traits": [],
                **{key: {} for key in PROFILE_TABLES},
            }
            continue
        profile: dict[str, Any] = {"persona_id": pid, "size": size, "share": size / len(frame)}
        m1, m0, d, p = _contrast(values[inside], values[~inside])
        traits = [
            {
                "construct": c,
                "direction": "high" if d[j] > 0 else "low",
                "d": d[j],
                "p_value": p[j],
                "mean": m1[j],
                "others_mean": m0[j],
            }
            for j, c in enumerate(constructs)
            if abs(d[j]) >= profile_params["min_abs_d"] and p[j] < profile_params["max_p"]
        ]
        traits.sort(key=lambda t: (-abs(t["d"]), t["construct"]))
        n_c = len(constructs)
        profile.update(
            {
                "suppressed": False,
                "construct_means": dict(zip(constructs, m1[:n_c], strict=True)),
                "construct_d": dict(zip(constructs, d[:n_c], strict=True)),
                "construct_p": dict(zip(constructs, p[:n_c], strict=True)),
                "hr_means": dict(zip(numeric[n_c:], m1[n_c:], strict=True)),
                "hr_d": dict(zip(numeric[n_c:], d[n_c:], strict=True)),
                "hr_p": dict(zip(numeric[n_c:], p[n_c:], strict=True)),
                "top_traits": traits[: int(profile_params["n_top_traits"])],
                "demographics": {
                    col: _suppressed_counts(
                        frame.loc[inside, col].astype(object).fillna(UNKNOWN).value_counts(),
                        min_group,
                    )
                    for col in profile_params["demographics"]
                },
                "adopter_mix": _suppressed_counts(
                    category[inside]
                    .value_counts()
                    .reindex([*adopters["order"], UNKNOWN], fill_value=0),
                    min_group,
                ),
            }
        )
        profiles[pid] = profile
    overview = _adoption_overview(category, scale, adopters, min_group)
    overview["warnings"] = warnings
    return to_plain(profiles), to_plain(overview)
