"""Persona profiles: size, construct and HR contrasts, top traits, demographic and adopter mixes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from segmentation.adopters import BOUNDS as ADOPTER_BOUNDS
from segmentation.adopters import adopter_categories as shared_adopter_categories
from segmentation.adopters import adopter_scale
from segmentation.anonymity import suppress_line
from segmentation.employment import is_active
from segmentation.jsonable import to_plain
from segmentation.roles import resolve, survey_roles

from .common import PROFILE_TABLES, UNKNOWN, ordered_persona_ids, warn


def respondents_at_work(
    survey_personas: pd.DataFrame, employees: pd.DataFrame, profile_params: dict
) -> pd.DataFrame:
    """The respondents the profiles describe: those at work at the wave's date.

    The report counts the same people (a respondent the roster lists as on
    leave or gone is left out of its figures), so persona_summary.json and
    the report show the same shares. A respondent of an anonymous survey is
    in no roster and counts.
    """
    away = employees.loc[
        ~is_active(employees["employment_status"], profile_params["active_statuses"]), "pid"
    ]
    return survey_personas[~survey_personas["pid"].isin(away)].reset_index(drop=True)


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
    thresholds = {name: mean + adopters[name] * sd for name in ADOPTER_BOUNDS}
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

    bounds = {name: f"{adopters[name]:+g} sd" for name in ADOPTER_BOUNDS}
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


def _welch(m1, m0, v1, v0, n1, n0) -> tuple[np.ndarray, np.ndarray]:
    """Cohen's d (pooled sd) and the Welch t-test p-value of two groups' means and variances."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(((n1 - 1) * v1 + (n0 - 1) * v0) / (n1 + n0 - 2))
        d = (m1 - m0) / pooled
        se2 = v1 / n1 + v0 / n0
        t = (m1 - m0) / np.sqrt(se2)
        df = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    return d, p


class PersonaBlocks:
    """The respondents sorted by persona (each persona one contiguous block, in the original
    order within it), with the column sums that give any persona's complement in O(columns).

    Every persona's figures are computed from its block and the totals, not
    from a copy of everyone outside it: one pass over the data instead of one
    per persona, which at a million respondents was most of the stage's profile time.
    """

    def __init__(self, persona_id: pd.Series, ids: list[str], values: np.ndarray) -> None:
        codes = pd.Categorical(persona_id, categories=ids).codes
        self.order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[self.order], np.arange(len(ids) + 1))
        self.blocks = {p: slice(bounds[i], bounds[i + 1]) for i, p in enumerate(ids)}
        self.values = values[self.order]
        count, raw = [], []
        for block in self.blocks.values():
            x = self.values[block]
            present = ~np.isnan(x)
            count.append(present.sum(axis=0))
            raw.append(np.where(present, x, 0.0).sum(axis=0))
        self.count = dict(zip(self.blocks, count, strict=True))
        self.n = np.sum(count, axis=0)
        # sums around the overall mean keep the complement's variance exact to rounding
        with np.errstate(invalid="ignore", divide="ignore"):
            self.centre = np.nan_to_num(np.sum(raw, axis=0) / self.n)
        self.sum, self.square = {}, {}
        for persona, block in self.blocks.items():
            centred = np.nan_to_num(self.values[block] - self.centre)
            self.sum[persona] = centred.sum(axis=0)
            self.square[persona] = np.einsum("ij,ij->j", centred, centred)
        self.total_sum = np.sum(list(self.sum.values()), axis=0)
        self.total_square = np.sum(list(self.square.values()), axis=0)

    def take(self, column: pd.Series | np.ndarray) -> np.ndarray:
        """A column of the respondents in block order."""
        return np.asarray(column)[self.order]

    def contrast(self, persona: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per column: mean inside, mean outside, Cohen's d and Welch p-value of one persona."""
        inside = self.values[self.blocks[persona]]
        n1 = self.count[persona]
        n0 = self.n - n1
        s0 = self.total_sum - self.sum[persona]
        q0 = self.total_square - self.square[persona]
        with np.errstate(invalid="ignore", divide="ignore"):
            m1, v1 = np.nanmean(inside, axis=0), np.nanvar(inside, axis=0, ddof=1)
            m0 = self.centre + s0 / n0
            v0 = np.maximum(q0 - s0**2 / n0, 0.0) / (n0 - 1)
        return (m1, m0, *_welch(m1, m0, v1, v0, n1, n0))


def _coded(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A demographic column as codes into its labels, missing as :data:`UNKNOWN`.

    Factorised once: a Python object per respondent and a hash of them per
    persona took a second at a million respondents.
    """
    codes, uniques = pd.factorize(values)
    labels = list(uniques)
    if (codes < 0).any():
        if UNKNOWN not in labels:
            labels.append(UNKNOWN)
        codes = np.where(codes < 0, labels.index(UNKNOWN), codes)
    return codes, np.array(labels, dtype=object)


def _mix(
    coded: tuple[np.ndarray, np.ndarray], min_group: int, categories: list | None = None
) -> dict:
    """The shown cells of one persona's mix of a demographic field (or of ``categories``).

    ``coded``: the persona's codes and the labels they stand for (:func:`_coded`);
    counted as codes, in the order value_counts gives the labels.
    """
    codes, labels = coded
    counts = pd.Series(codes).value_counts()
    counts.index = pd.Index(labels[counts.index.to_numpy()], dtype=object)
    if categories is not None:
        counts = counts.reindex(categories, fill_value=0)
    return _suppressed_counts(counts, min_group)


def _suppressed_profile(persona: str) -> dict:
    """A persona under the anonymity threshold (or with too few outside it): nothing but its id."""
    return {
        "persona_id": persona,
        "size": None,
        "share": None,
        "suppressed": True,
        "top_traits": [],
        **{key: {} for key in PROFILE_TABLES},
    }


def _top_traits(constructs, m1, m0, d, p, profile_params: dict) -> list[dict]:
    """The constructs a persona differs on (|d| and p past the thresholds), strongest first."""
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
    return traits[: int(profile_params["n_top_traits"])]


def _figures(blocks: PersonaBlocks, persona: str, constructs: list, numeric: list, params: dict):
    """Means, Cohen's d, p-values and top traits of one persona, constructs and HR features apart."""
    m1, m0, d, p = blocks.contrast(persona)
    n_c = len(constructs)
    return {
        "suppressed": False,
        "construct_means": dict(zip(constructs, m1[:n_c], strict=True)),
        "construct_d": dict(zip(constructs, d[:n_c], strict=True)),
        "construct_p": dict(zip(constructs, p[:n_c], strict=True)),
        "hr_means": dict(zip(numeric[n_c:], m1[n_c:], strict=True)),
        "hr_d": dict(zip(numeric[n_c:], d[n_c:], strict=True)),
        "hr_p": dict(zip(numeric[n_c:], p[n_c:], strict=True)),
        "top_traits": _top_traits(constructs, m1, m0, d, p, params),
    }


def _respondent_categories(frame, constructs, profile_params, questionnaire):
    """Each respondent's adopter category, the scale, and the adopter settings read on this survey."""
    adopters = dict(profile_params["adopters"])
    adopters["construct"] = resolve(survey_roles(questionnaire), adopters["construct"], constructs)
    innovativeness = (
        frame[adopters["construct"]]
        if adopters["construct"]
        else pd.Series(np.nan, index=frame.index)
    )
    category, scale = adopter_categories(innovativeness.astype(float), adopters)
    return category, scale, adopters


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
    category, scale, adopters = _respondent_categories(
        frame, constructs, profile_params, questionnaire
    )
    ids = ordered_persona_ids(frame["persona_id"])
    blocks = PersonaBlocks(frame["persona_id"], ids, frame[numeric].to_numpy(dtype=float))
    mixes = {col: _coded(frame[col]) for col in profile_params["demographics"]}
    mixes = {col: (blocks.take(codes), labels) for col, (codes, labels) in mixes.items()}
    adopter_codes, adopter_labels = _coded(category)
    adopter_column = blocks.take(adopter_codes)
    profiles = {}
    for persona in ids:
        block = blocks.blocks[persona]
        size = block.stop - block.start
        if size < min_group or len(frame) - size < min_group:
            # too small, or everyone else is: its figures would describe a small group
            warn(
                warnings,
                f"persona {persona} or everyone outside it is under the anonymity "
                f"threshold ({min_group}); nothing about it is shown",
            )
            profiles[persona] = _suppressed_profile(persona)
            continue
        profiles[persona] = {
            "persona_id": persona,
            "size": size,
            "share": size / len(frame),
            **_figures(blocks, persona, constructs, numeric, profile_params),
            "demographics": {
                col: _mix((codes[block], labels), min_group)
                for col, (codes, labels) in mixes.items()
            },
            "adopter_mix": _mix(
                (adopter_column[block], adopter_labels),
                min_group,
                [*adopters["order"], UNKNOWN],
            ),
        }
    overview = _adoption_overview(category, scale, adopters, min_group)
    overview["warnings"] = warnings
    return to_plain(profiles), to_plain(overview)
