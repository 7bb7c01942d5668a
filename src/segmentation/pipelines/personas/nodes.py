"""Nodes of the personas stage: pure functions, data in and data out.

From scored survey items and the HR roster to personas: construct scores and
their reliability, HR features at the wave's date, the choice of the number
of personas, the persona model, profiles, names, the typing of
non-respondents and the golden questions.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import Pipeline

from segmentation.adopters import adopter_categories as shared_adopter_categories
from segmentation.adopters import adopter_scale
from segmentation.anonymity import suppress_line
from segmentation.codebook import Codebook
from segmentation.demographics import age_bands
from segmentation.employment import is_active
from segmentation.errors import RunStopped
from segmentation.jsonable import to_plain
from segmentation.parsing import is_in
from segmentation.persona_ids import persona_ids, persona_sort_key
from segmentation.roles import CHANNELS, SINGLE, resolve, role_construct, survey_roles
from segmentation.tables import EMPLOYEE_COLUMNS
from segmentation.waves import wave_date as wave_date_of

from .model import (
    PersonaModel,
    covariate_columns,
    make_persona_model,
    make_preprocessor,
    make_typing_model,
    predict_in_chunks,
    squared_distances,
)
from .naming import describe, name_all, name_key
from .stability import assess_solution, shuffle_columns

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"
# what a profile holds per construct, HR feature or category; empty when suppressed
PROFILE_TABLES = (
    "construct_means",
    "construct_d",
    "construct_p",
    "hr_means",
    "hr_d",
    "hr_p",
    "demographics",
    "adopter_mix",
)


# --------------------------------------------------------------------------- helpers


def _warn(warnings: list[str], message: str) -> None:
    """Log a warning and keep it for the summary."""
    logger.warning(message)
    warnings.append(message)


def _seed(seed: int, *keys: int) -> int:
    """A child seed for one step, independent of the order steps run in."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0])


def ordered_persona_ids(values: pd.Series) -> list[str]:
    """The persona ids present, in canonical order (P2 before P10)."""
    return sorted(values.unique(), key=persona_sort_key)


def _basis_columns(segmentation_basis: pd.DataFrame) -> list[str]:
    return [c for c in segmentation_basis.columns if c != "pid"]


# --------------------------------------------------------------------------- scoring


def cronbach_alpha(items: np.ndarray) -> float:
    """Cronbach's alpha on the rows that answered every item (NaN if undefined)."""
    complete = items[~np.isnan(items).any(axis=1)]
    n_items = items.shape[1]
    if n_items < 2 or len(complete) < 2:
        return float("nan")
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return float("nan")
    return float(
        n_items / (n_items - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total_variance)
    )


def score_constructs(
    item_scores: pd.DataFrame, questionnaire: dict, scoring: dict
) -> tuple[pd.DataFrame, dict]:
    """Construct score = mean of the answered items, missing when too few are answered.

    Reverse-coded items arrive already scored as ``min + max - answer``, so they are
    averaged as they are. Also returns Cronbach's alpha per multi-item
    construct, warning when it is low (the construct then measures little).
    """
    codebook = Codebook.from_params(questionnaire)
    scores = {"pid": item_scores["pid"].to_numpy()}
    alphas: dict[str, float | None] = {}
    warnings: list[str] = []
    for construct, items in codebook.constructs.items():
        absent = [i for i in items if i not in item_scores.columns]
        if absent:
            _warn(
                warnings,
                f"construct {construct}: items {absent} are not in the survey; counted as unanswered",
            )
        values = item_scores.reindex(columns=items).to_numpy(dtype=float)
        answered = ~np.isnan(values)
        enough = answered.mean(axis=1) >= scoring["min_answered_share"]
        total = np.where(answered, values, 0.0).sum(axis=1)
        scores[construct] = np.where(enough, total / np.maximum(answered.sum(axis=1), 1), np.nan)
        if len(items) > 1:
            alpha = cronbach_alpha(values)
            alphas[construct] = alpha
            if math.isnan(alpha):
                _warn(
                    warnings,
                    f"construct {construct}: Cronbach's alpha cannot be computed "
                    f"(too few complete answers, or no variance)",
                )
            elif alpha < scoring["alpha_warning_below"]:
                _warn(
                    warnings,
                    f"construct {construct}: Cronbach's alpha {alpha:.2f} is below "
                    f"{scoring['alpha_warning_below']}; its score is unreliable",
                )
    reliability = {"alphas": alphas, "warnings": warnings}
    return pd.DataFrame(scores), to_plain(reliability)


# --------------------------------------------------------------------------- HR features


def derive_hr_features(
    employees: pd.DataFrame,
    wave: str,
    wave_date: str | None,
    hr_params: dict,
    linked_demographics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Age, age band and tenure at the wave's date, beside the HR fields that profile personas.

    Age is the wave's year minus the birth year; tenure is whole days since
    hire divided by 365.25, never negative. Extra roster columns declared as
    HR covariates pass through for typing and the persona model. With an
    anonymous survey, ``linked_demographics`` adds the ``linked_<field>``
    columns (the demographics the survey asked, in the roster's terms) to
    every employee and a row per respondent, who has no other HR field.
    """
    features = _roster_hr_features(employees, wave, wave_date, hr_params)
    if linked_demographics is None or len(linked_demographics.columns) <= 1:
        return features
    linked = linked_demographics.astype(object)
    staff = features.merge(linked, on="pid", how="left")
    respondents = linked[~is_in(linked["pid"], features["pid"])]
    return pd.concat([staff, respondents], ignore_index=True)


def _roster_hr_features(
    employees: pd.DataFrame, wave: str, wave_date: str | None, hr_params: dict
) -> pd.DataFrame:
    """The HR features of every employee on the roster."""
    at = wave_date_of(wave, wave_date)
    bands = hr_params["age_bands"]
    age = at.year - pd.to_numeric(employees["birth_year"], errors="coerce").astype(float)
    band = age_bands(age, bands)
    hire = pd.to_datetime(employees["hire_date"], errors="coerce")
    tenure = ((at - hire).dt.days / 365.25).clip(lower=0.0)
    return pd.DataFrame(
        {
            "pid": employees["pid"].to_numpy(),
            "age": age.to_numpy(dtype=float),
            "age_band": band.astype(object).where(band.notna(), None).to_numpy(),
            "tenure_years": tenure.to_numpy(dtype=float),
            "work_pattern": employees["work_pattern"].to_numpy(),
            "job_level": employees["job_level"].to_numpy(),
            "department": employees["department"].to_numpy(),
            "site": employees["site"].to_numpy(),
            # the roster's declared HR covariates (roster.hr_covariates), as they are
            **{c: employees[c].to_numpy() for c in employees.columns if c not in EMPLOYEE_COLUMNS},
        }
    ).astype({"age_band": "str"})


# --------------------------------------------------------------------------- segmentation


def survey_basis(basis: list[str], questionnaire: dict, columns: list[str]) -> list[str]:
    """The basis this survey can form personas from.

    A basis name may be a role (``innovativeness``: the survey's construct
    with that role). When it names constructs the survey did not ask, the
    personas are formed from every construct the survey asked except its
    channel preferences (how to reach people profiles the personas, it does
    not form them), plus the basis's HR features; a warning says so.
    """
    roles = survey_roles(questionnaire)
    constructs = [c for c in questionnaire["constructs"] if c in columns]
    resolved = [resolve(roles, name, constructs) or name for name in basis]
    lacking = [name for name, c in zip(basis, resolved, strict=True) if c not in columns]
    if not lacking:
        return list(dict.fromkeys(resolved))
    hr = [c for c in resolved if c in columns and c not in constructs]
    fallback = [c for c in constructs if c not in roles[CHANNELS]] + hr
    logger.warning(
        "personas.basis names %s, which this survey does not ask; the personas are formed from %s instead",
        lacking,
        fallback,
    )
    return fallback


def build_segmentation_basis(
    construct_scores: pd.DataFrame, hr_features: pd.DataFrame, basis: list[str], questionnaire: dict
) -> pd.DataFrame:
    """One row per respondent, one column per basis construct or numeric HR feature."""
    frame = construct_scores.merge(hr_features, on="pid", how="left", suffixes=("", "_hr"))
    basis = survey_basis(basis, questionnaire, list(frame.columns))
    if not basis:
        raise ValueError(
            "no construct to form personas from: the questionnaire has no scored construct"
        )
    return frame[["pid", *basis]].astype(dict.fromkeys(basis, float))


def _k_rule_text(k_params: dict, min_group_size: int) -> str:
    return (
        f"largest k in {k_params['k_min']}-{k_params['k_max']} whose reproducibility "
        f"(mean pairwise adjusted Rand index of {k_params['n_bootstrap']} bootstrap solutions "
        f"on a common sample) >= {k_params['min_reproducibility']}, whose least stable persona "
        f"(mean best Jaccard overlap across bootstraps) >= {k_params['min_persona_stability']}, "
        f"and whose smallest persona holds >= {min_group_size} people and >= "
        f"{k_params['min_persona_share']:.0%} of respondents; if no k qualifies, the most "
        f"reproducible k whose personas are large enough, else the smallest k"
    )


def _choose_k(rows: list[dict], k_params: dict, warnings: list[str]) -> tuple[int, str]:
    """Apply the documented rule to the k table; say so when falling back."""
    if k_params.get("pinned_k"):
        return int(k_params["pinned_k"]), "pinned in parameters"
    eligible = [r for r in rows if r["eligible"]]
    if eligible:
        return max(r["k"] for r in eligible), "rule"
    sized = [r for r in rows if r["meets_size"]]
    if sized:
        best = max(sized, key=lambda r: (r["reproducibility"], -r["k"]))
        _warn(
            warnings,
            f"no k meets the reproducibility and stability thresholds; using k={best['k']}, "
            f"the most reproducible k with large enough personas "
            f"(reproducibility {best['reproducibility']:.2f})",
        )
        return best["k"], "fallback: most reproducible k with large enough personas"
    smallest = min(r["k"] for r in rows)
    _warn(warnings, f"no k gives large enough personas; using the smallest k={smallest}")
    return smallest, "fallback: smallest k"


USABLE_RESPONSES = "survey responses"
WHY_REJECTED = "the reason for every response left out is in this run's rejects.csv (a stopped run keeps what it wrote in data/.staging/)."


def check_enough_respondents(
    segmentation_basis: pd.DataFrame, k_params: dict, min_group: int
) -> None:
    """Stop when no persona could ever be shown: fewer than k_min groups of min_group_size people."""
    needed = int(k_params["k_min"]) * min_group
    n = len(segmentation_basis)
    if n < needed:
        raise RunStopped(
            USABLE_RESPONSES,
            f"only {n} usable response{'s' if n != 1 else ''} after validation, too few to form personas; {WHY_REJECTED}",
            f"at least {needed} usable responses: personas.k_selection.k_min ({k_params['k_min']}) personas of "
            f"anonymity.min_group_size ({min_group}) people each.",
        )


def check_answers_vary(X: np.ndarray, k_min: int) -> None:
    """Stop when the basis holds fewer distinct answer patterns than the fewest personas allowed."""
    distinct = len(np.unique(X[: 10 * k_min], axis=0))
    if distinct >= k_min:
        return
    distinct = len(np.unique(X, axis=0))
    if distinct < k_min:
        raise RunStopped(
            USABLE_RESPONSES,
            f"the {len(X)} usable responses give only {distinct} different answer pattern{'s' if distinct != 1 else ''}: "
            "the answers do not vary enough to form personas.",
            f"answers that differ between people (at least personas.k_selection.k_min = {k_min} patterns); "
            "check that the export holds the answers, not a placeholder or default value.",
        )


def select_persona_count(
    segmentation_basis: pd.DataFrame,
    k_params: dict,
    model_params: dict,
    anonymity: dict,
    seed: int,
) -> dict:
    """Assess every candidate k on real data and on a structure-free reference, then pick k.

    Runs on one seeded sample (bootstraps and silhouettes are never run on all
    rows); persona sizes are counted on all respondents. The whole k table is
    returned for the summary.
    """
    warnings: list[str] = []
    min_group = int(anonymity["min_group_size"])
    check_enough_respondents(segmentation_basis, k_params, min_group)
    X_all = make_preprocessor(model_params).fit_transform(
        segmentation_basis[_basis_columns(segmentation_basis)]
    )
    n = len(X_all)
    check_answers_vary(X_all, int(k_params["k_min"]))
    ks = list(range(int(k_params["k_min"]), int(k_params["k_max"]) + 1))
    if k_params.get("pinned_k") and int(k_params["pinned_k"]) not in ks:
        ks = sorted({*ks, int(k_params["pinned_k"])})
    ks = [k for k in ks if k < n]
    if not ks or (k_params.get("pinned_k") and int(k_params["pinned_k"]) not in ks):
        wanted = k_params.get("pinned_k") or k_params["k_min"]
        raise ValueError(f"{n} respondents are too few to form {wanted} personas")
    rng = np.random.default_rng(_seed(seed, 0))
    sample = X_all[rng.choice(n, min(n, int(k_params["sample_size"])), replace=False)]
    reference = shuffle_columns(sample, rng)
    settings = {
        "n_init": int(k_params["n_init"]),
        "n_bootstrap": int(k_params["n_bootstrap"]),
        "bootstrap_n_init": int(k_params["bootstrap_n_init"]),
        "silhouette_sample_size": int(k_params["silhouette_sample_size"]),
    }
    rows = []
    for k in ks:
        real = assess_solution(sample, k, seed=_seed(seed, 1, k), **settings)
        ref = assess_solution(reference, k, seed=_seed(seed, 2, k), **settings)
        smallest = int(
            np.bincount(squared_distances(X_all, real["centers"]).argmin(axis=1), minlength=k).min()
        )
        row = {
            "k": k,
            "reproducibility": real["reproducibility"],
            "reproducibility_sd": real["reproducibility_sd"],
            "min_persona_stability": real["min_persona_stability"],
            "silhouette": real["silhouette"],
            # a count under the anonymity threshold is never reported, not even here
            "smallest_persona_size": smallest if smallest >= min_group else None,
            "smallest_persona_share": smallest / n if smallest >= min_group else None,
            "reference_reproducibility": ref["reproducibility"],
            "reference_silhouette": ref["silhouette"],
        }
        row["meets_reproducibility"] = row["reproducibility"] >= k_params["min_reproducibility"]
        row["meets_stability"] = row["min_persona_stability"] >= k_params["min_persona_stability"]
        row["meets_size"] = bool(
            smallest >= min_group and smallest / n >= k_params["min_persona_share"]
        )
        row["eligible"] = bool(
            row["meets_reproducibility"] and row["meets_stability"] and row["meets_size"]
        )
        rows.append(row)
    chosen_k, outcome = _choose_k(rows, k_params, warnings)
    chosen = next(r for r in rows if r["k"] == chosen_k)
    gain_rep = chosen["reproducibility"] - chosen["reference_reproducibility"]
    gain_sil = chosen["silhouette"] - chosen["reference_silhouette"]
    beats = bool(
        gain_rep >= k_params["min_reproducibility_gain"]
        or gain_sil >= k_params["min_silhouette_gain"]
    )
    if not beats:
        _warn(
            warnings,
            f"STRUCTURE WARNING: at k={chosen_k} the survey data is not clearly more reproducible "
            f"(gain {gain_rep:+.2f}, needs {k_params['min_reproducibility_gain']}) nor better "
            f"separated (silhouette gain {gain_sil:+.2f}, needs {k_params['min_silhouette_gain']}) "
            f"than the same data with each column shuffled; the personas may be artefacts of "
            f"k-means rather than real groups",
        )
    return to_plain(
        {
            "basis": _basis_columns(segmentation_basis),
            "n_respondents": n,
            "sample_size": len(sample),
            "k_table": rows,
            "chosen_k": chosen_k,
            "k_rule": _k_rule_text(k_params, min_group),
            "k_rule_outcome": outcome,
            "structure_free_reference": {
                "method": "each basis column shuffled independently, same sample, same k",
                "k": chosen_k,
                "reproducibility": chosen["reproducibility"],
                "reference_reproducibility": chosen["reference_reproducibility"],
                "reproducibility_gain": gain_rep,
                "silhouette": chosen["silhouette"],
                "reference_silhouette": chosen["reference_silhouette"],
                "silhouette_gain": gain_sil,
                "clearly_better_than_reference": beats,
            },
            "warnings": warnings,
        }
    )


def persona_model_input(
    segmentation_basis: pd.DataFrame, hr_features: pd.DataFrame, model_params: dict
) -> pd.DataFrame:
    """The persona model's input: the basis columns, then the HR covariates, one row per respondent."""
    covariates = covariate_columns(model_params)
    both = [c for c in covariates if c in segmentation_basis.columns]
    if both:
        raise ValueError(
            f"{both} are both in personas.basis and in personas.model.covariates; a field either "
            f"forms the personas (basis) or shifts how common they are (covariates), not both"
        )
    unknown = [c for c in covariates if c not in hr_features.columns]
    if unknown:
        raise ValueError(f"personas.model.covariates names unknown HR fields {unknown}")
    frame = segmentation_basis[_basis_columns(segmentation_basis)]
    if not covariates:
        return frame
    hr = hr_features.drop_duplicates("pid").set_index("pid")[covariates]
    joined = hr.reindex(segmentation_basis["pid"].to_numpy())
    return pd.concat([frame.reset_index(drop=True), joined.reset_index(drop=True)], axis=1)


def fit_persona_model(
    segmentation_basis: pd.DataFrame,
    hr_features: pd.DataFrame,
    persona_count_selection: dict,
    model_params: dict,
    seed: int,
) -> PersonaModel:
    """Fit the persona model with the chosen number of personas on all respondents."""
    model = make_persona_model(persona_count_selection["chosen_k"], model_params, _seed(seed, 3))
    return model.fit(persona_model_input(segmentation_basis, hr_features, model_params))


def assign_survey_personas(
    persona_model: PersonaModel,
    segmentation_basis: pd.DataFrame,
    hr_features: pd.DataFrame,
    model_params: dict,
    persona_alignment: dict | None = None,
) -> pd.DataFrame:
    """Every respondent's persona and confidence (the model's posterior probability).

    Persona ids are P1..Pk by cluster, or the ids the wave's ``persona_alignment``
    gives each cluster (stable across waves, see ``identities.py``).
    """
    best, confidence = predict_in_chunks(
        persona_model,
        persona_model_input(segmentation_basis, hr_features, model_params),
        model_params["predict_chunk_rows"],
    )
    ids = np.array(
        persona_ids(persona_model.n_clusters_)
        if persona_alignment is None
        else [
            p["persona_id"]
            for p in sorted(persona_alignment["personas"], key=lambda p: p["cluster"])
        ],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "pid": segmentation_basis["pid"].to_numpy(),
            "persona_id": ids[best],
            "confidence": confidence,
        }
    )


# --------------------------------------------------------------------------- profiles


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
            _warn(
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


def naming_for_survey(naming: dict, questionnaire: dict) -> dict:
    """The naming settings with role names read as the survey's constructs.

    ``noun_by.construct: innovativeness`` reads the survey's innovativeness
    construct, whatever it is called; its trait words and label serve that
    construct when the settings have none of its own.
    """
    roles = survey_roles(questionnaire)
    aliases = {
        role: construct
        for role in SINGLE
        if (construct := role_construct(roles, role)) and construct != role
    }
    noun_by = {
        **naming["noun_by"],
        "construct": aliases.get(naming["noun_by"]["construct"], naming["noun_by"]["construct"]),
    }
    trait_words = {
        **{aliases[k]: v for k, v in naming["trait_words"].items() if k in aliases},
        **naming["trait_words"],
    }
    labels = {
        **{aliases[k]: v for k, v in naming["labels"].items() if k in aliases},
        **naming["labels"],
    }
    return {**naming, "noun_by": noun_by, "trait_words": trait_words, "labels": labels}


def name_personas(
    persona_statistics: dict,
    naming: dict,
    hr_params: dict,
    questionnaire: dict,
    persona_alignment: dict | None = None,
) -> dict:
    """Add unique English and Hebrew names and a short description to every profile.

    With a ``persona_alignment``, a persona matched to the previous wave keeps
    its name; a new one gets a name no earlier persona had.
    """
    naming = naming_for_survey(naming, questionnaire)
    profiles = [persona_statistics[p] for p in persona_statistics]
    languages = list(naming["languages"])
    kept = {
        p["persona_id"]: {lang: p.get(name_key(lang, languages)) for lang in languages}
        for p in (persona_alignment or {}).get("personas", [])
        if all(p.get(name_key(lang, languages)) for lang in languages)
    }
    taken = {
        *(persona_alignment or {}).get("used_names", []),
        *(n for v in kept.values() for n in v.values()),
    }
    fresh = iter(name_all([p for p in profiles if p["persona_id"] not in kept], naming, taken))
    names = [kept.get(p["persona_id"]) or next(fresh) for p in profiles]
    bands = hr_params["age_bands"]["labels"]
    named = {}
    for profile, name in zip(profiles, names, strict=True):
        entry = {name_key(lang, languages): name[lang] for lang in languages} | profile
        for lang in languages:
            # age bands are recorded by their English label (segmentation.demographics)
            band_labels = dict(zip(bands["en"], bands.get(lang, bands["en"]), strict=True))
            entry[name_key(lang, languages, "description")] = describe(
                profile, name[lang], lang, naming, band_labels
            )
        named[profile["persona_id"]] = entry
    return named


# --------------------------------------------------------------------------- typing


def _typing_features(typing_params: dict) -> list[str]:
    return [*typing_params["categorical"], *typing_params["numeric"]]


def train_typing_model(
    survey_personas: pd.DataFrame, hr_features: pd.DataFrame, typing_params: dict, seed: int
) -> tuple[Pipeline, dict]:
    """Learn persona from HR fields on respondents; judge it by cross-validation.

    Cross-validated accuracy is reported beside the majority-class baseline
    and the expected calibration error of the cross-validated probabilities.
    """
    warnings: list[str] = []
    frame = survey_personas.merge(hr_features, on="pid", how="left", suffixes=("", "_hr"))
    X, y = frame[_typing_features(typing_params)], frame["persona_id"].astype(str).to_numpy()
    if not _typing_features(typing_params):
        # An anonymous survey with no demographic the roster holds: nothing to
        # type on, so no employee is placed (assign_personas leaves them unassigned).
        _warn(
            warnings,
            "no HR field to type employees on (personas.typing is empty): no employee is placed in a persona",
        )
        evaluation = {
            "features": [],
            "n_train": len(frame),
            "cv_folds": 0,
            "accuracy": None,
            "baseline": None,
            "expected_calibration_error": None,
            "fit_rows": len(y),
            "warnings": warnings,
        }
        return DummyClassifier(strategy="prior").fit(X, y), to_plain(evaluation)
    rng = np.random.default_rng(_seed(seed, 4))
    cv_idx = np.sort(
        rng.choice(len(frame), min(len(frame), int(typing_params["cv_sample_size"])), replace=False)
    )
    folds = min(int(typing_params["cv_folds"]), int(pd.Series(y[cv_idx]).value_counts().min()))
    evaluation: dict[str, Any] = {
        "features": _typing_features(typing_params),
        "n_train": len(frame),
    }
    if folds >= 2:
        cv = StratifiedKFold(folds, shuffle=True, random_state=_seed(seed, 5))
        Xs, ys = X.iloc[cv_idx], y[cv_idx]
        proba = cross_val_predict(
            make_typing_model(typing_params, _seed(seed, 6)), Xs, ys, cv=cv, method="predict_proba"
        )
        classes = np.unique(ys)
        correct = classes[proba.argmax(axis=1)] == ys
        confidence = proba.max(axis=1)
        bins = np.minimum(
            (confidence * typing_params["calibration_bins"]).astype(int),
            typing_params["calibration_bins"] - 1,
        )
        ece = sum(
            abs(correct[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).mean()
            for b in np.unique(bins)
        )
        baseline = cross_val_score(DummyClassifier(strategy="most_frequent"), Xs, ys, cv=cv).mean()
        evaluation.update(
            {
                "cv_folds": folds,
                "cv_rows": len(cv_idx),
                "accuracy": correct.mean(),
                "baseline": baseline,
                "expected_calibration_error": ece,
            }
        )
        if correct.mean() < baseline + typing_params["min_gain_over_baseline"]:
            _warn(
                warnings,
                f"HR fields barely predict persona (accuracy {correct.mean():.2f} vs baseline "
                f"{baseline:.2f} for always the largest persona, typing on "
                f"{', '.join(_typing_features(typing_params))}); inferred personas for non-respondents are weak",
            )
    else:
        evaluation.update(
            {"cv_folds": 0, "accuracy": None, "baseline": None, "expected_calibration_error": None}
        )
        _warn(warnings, "too few respondents per persona to cross-validate the typing model")
    # The final model is fitted on a seeded sample of at most `fit_sample_size`
    # respondents (all when unset): a logit on a few HR fields gains nothing
    # from a million rows, and the fit would cost as much as the rest of the stage.
    fit_size = typing_params.get("fit_sample_size")
    if fit_size and len(frame) > int(fit_size):
        fit_idx = np.sort(
            np.random.default_rng(_seed(seed, 8)).choice(len(frame), int(fit_size), replace=False)
        )
        X, y = X.iloc[fit_idx], y[fit_idx]
    evaluation["fit_rows"] = len(y)
    model = make_typing_model(typing_params, _seed(seed, 6)).fit(X, y)
    evaluation["warnings"] = warnings
    return model, to_plain(evaluation)


def assign_personas(
    employees: pd.DataFrame,
    survey_personas: pd.DataFrame,
    hr_features: pd.DataFrame,
    typing_model: Pipeline,
    persona_profiles: dict,
    typing_params: dict,
    naming: dict,
) -> pd.DataFrame:
    """One row per respondent (persona from the survey) and per active non-respondent (inferred).

    An inferred persona whose probability is under ``min_confidence`` is
    ``unassigned`` rather than guessed.
    """
    # Respondents of an anonymous survey are nobody on the roster: they keep
    # their survey persona (for the report) and every employee is inferred.
    survey = survey_personas.assign(assignment_source="survey")
    anonymous = ~is_in(survey["pid"], employees["pid"])
    if anonymous.any():
        logger.info(
            "%d respondents are anonymous: personas from their answers; every active employee is typed",
            int(anonymous.sum()),
        )
    others = employees[
        ~is_in(employees["pid"], survey_personas["pid"])
        & is_active(employees["employment_status"], typing_params["statuses"])
    ][["pid"]]
    X = others.merge(hr_features, on="pid", how="left")[_typing_features(typing_params)]
    unassigned = naming["unassigned"]
    if len(others) and not _typing_features(typing_params):
        confidence, predicted = (
            np.zeros(len(others)),
            np.full(len(others), unassigned["id"], dtype=object),
        )
    elif len(others):
        best, confidence = predict_in_chunks(typing_model, X, typing_params["predict_chunk_rows"])
        predicted = typing_model.classes_[best].astype(object)
        predicted[confidence < typing_params["min_confidence"]] = unassigned["id"]
    else:
        confidence, predicted = np.zeros(0), np.zeros(0, dtype=object)
    inferred = pd.DataFrame(
        {
            "pid": others["pid"].to_numpy(),
            "persona_id": predicted,
            "confidence": confidence,
            "assignment_source": "inferred",
        }
    )
    out = pd.concat([survey, inferred], ignore_index=True)
    languages = list(naming["languages"])
    name_columns = [f"persona_{name_key(lang, languages)}" for lang in languages]
    for lang, column in zip(languages, name_columns, strict=True):
        key = name_key(lang, languages)
        names = {p: v[key] for p, v in persona_profiles.items()} | {unassigned["id"]: unassigned[lang]}
        out[column] = out["persona_id"].map(names)
    # roster order (anonymous respondents after, in pid order), so the output
    # does not depend on how the inputs were sorted
    row = pd.Series(np.arange(len(employees)), index=employees["pid"].to_numpy())
    position = row.reindex(out["pid"].to_numpy()).to_numpy(dtype=float, copy=True)
    position[np.isnan(position)] = (
        len(employees) + out["pid"][np.isnan(position)].rank(method="first").to_numpy()
    )
    out = out.iloc[np.argsort(position, kind="stable")]
    columns = ["pid", "persona_id", *name_columns, "assignment_source", "confidence"]
    return (
        out[columns]
        .reset_index(drop=True)
        .astype({**dict.fromkeys(columns, "str"), "confidence": float})
    )


# --------------------------------------------------------------------------- golden questions


def _nearest_centroid_accuracy(
    X: np.ndarray, y: np.ndarray, folds: np.ndarray, n_classes: int
) -> float:
    """Cross-validated accuracy of 'closest typical answers wins' on the columns of X."""
    correct = 0
    for f in np.unique(folds):
        train, test = folds != f, folds == f
        sums = np.zeros((n_classes, X.shape[1]))
        np.add.at(sums, y[train], X[train])
        centers = sums / np.maximum(np.bincount(y[train], minlength=n_classes), 1)[:, None]
        correct += (squared_distances(X[test], centers).argmin(axis=1) == y[test]).sum()
    return correct / len(y)


def select_golden_questions(
    item_scores: pd.DataFrame,
    survey_personas: pd.DataFrame,
    questionnaire: dict,
    basis: list[str],
    golden: dict,
    anonymity: dict,
    seed: int,
) -> dict:
    """The 5-8 items that best predict persona, as a short typing tool.

    Greedy forward selection among the items of the basis constructs, judged
    by the cross-validated accuracy of the nearest-typical-answer rule the
    tool itself uses; keeps the fewest items within ``tolerance`` of the best.
    """
    codebook = Codebook.from_params(questionnaire)
    candidates = [
        i for c in basis for i in codebook.constructs.get(c, []) if i in item_scores.columns
    ]
    frame = survey_personas[["pid", "persona_id"]].merge(item_scores, on="pid", how="left")
    ids = ordered_persona_ids(frame["persona_id"])
    y = frame["persona_id"].map({p: i for i, p in enumerate(ids)}).to_numpy()
    items = frame[candidates].astype(float)
    midpoints = pd.Series({i: codebook.item_scale(i).midpoint for i in candidates}, dtype=float)
    X_all = items.fillna(items.median()).fillna(midpoints).to_numpy()
    rng = np.random.default_rng(_seed(seed, 7))
    idx = rng.choice(len(frame), min(len(frame), int(golden["sample_size"])), replace=False)
    X, ys = X_all[idx], y[idx]
    folds = rng.permutation(np.arange(len(idx)) % int(golden["cv_folds"]))
    chosen: list[int] = []
    path: list[float] = []
    for _ in range(min(int(golden["max_items"]), len(candidates))):
        remaining = [j for j in range(len(candidates)) if j not in chosen]
        scores = [
            _nearest_centroid_accuracy(X[:, [*chosen, j]], ys, folds, len(ids)) for j in remaining
        ]
        best = int(np.argmax(scores))
        chosen.append(remaining[best])
        path.append(scores[best])
    n_min = min(int(golden["min_items"]), len(chosen))
    target = max(path[n_min - 1 :]) - golden["tolerance"]
    n_keep = next(n for n in range(n_min, len(chosen) + 1) if path[n - 1] >= target)
    keep = [candidates[j] for j in chosen[:n_keep]]
    construct_of = {i: c for c, its in codebook.constructs.items() for i in its}
    typical = {}
    for p_i, p in enumerate(ids):
        if (y == p_i).sum() < anonymity["min_group_size"]:
            continue  # a small persona's typical answers would describe a few people
        means = items.loc[y == p_i, keep].mean()
        typical[p] = {
            i: (codebook.item_scale(i).reverse(means[i]) if codebook.items[i].reverse else means[i])
            for i in keep
        }
    return to_plain(
        {
            "items": [
                {
                    "item_id": i,
                    "construct": construct_of.get(i),
                    **{
                        f"text_{language}": codebook.item_text(i, language)
                        for language in codebook.languages
                    },
                    "reverse": codebook.items[i].reverse,
                    "accuracy_up_to_this_item": path[n],
                }
                for n, i in enumerate(keep)
            ],
            "n_items": len(keep),
            "accuracy": path[n_keep - 1],
            "baseline": float(np.bincount(ys).max() / len(ys)),
            "cv_folds": int(golden["cv_folds"]),
            "typical_answers": typical,
            "rule": f"Ask these items (answers {_answer_range(codebook, keep)}as given, before any reverse scoring); for each "
            "persona add up the squared differences between the answers and its typical answers; "
            "the persona with the smallest total is the match.",
        }
    )


def _answer_range(codebook: Codebook, items: list[str]) -> str:
    """``"1-5 "`` when the items share one scale range, else nothing (each item's own range applies)."""
    bounds = {codebook.item_scale(i).bounds for i in items}
    return f"{min(bounds)[0]}-{min(bounds)[1]} " if len(bounds) == 1 else ""


# --------------------------------------------------------------------------- summary


def summarise_personas(
    persona_count_selection: dict,
    construct_reliability: dict,
    persona_profiles: dict,
    adoption_overview: dict,
    typing_evaluation: dict,
    golden_questions: dict,
    persona_assignments: pd.DataFrame,
) -> dict:
    """The personas part of the run summary: plain JSON types only."""
    sources = persona_assignments["assignment_source"].value_counts()
    inferred = persona_assignments["assignment_source"] == "inferred"
    assigned = persona_assignments["persona_id"].isin(list(persona_profiles))
    warnings = [
        *construct_reliability["warnings"],
        *persona_count_selection["warnings"],
        *adoption_overview["warnings"],
        *typing_evaluation["warnings"],
    ]
    return to_plain(
        {
            "basis": persona_count_selection["basis"],
            "n_respondents": persona_count_selection["n_respondents"],
            "k_table": persona_count_selection["k_table"],
            "chosen_k": persona_count_selection["chosen_k"],
            "k_rule": persona_count_selection["k_rule"],
            "k_rule_outcome": persona_count_selection["k_rule_outcome"],
            "structure_free_reference": persona_count_selection["structure_free_reference"],
            "alphas": construct_reliability["alphas"],
            "personas": [
                {
                    "persona_id": p,
                    # the name in every language (name, name_<language>)
                    **{k: n for k, n in v.items() if k == "name" or k.startswith("name_")},
                    "size": v["size"],
                    "share": v["share"],
                }
                for p, v in persona_profiles.items()
            ],
            "innovators_vs_conservatives": {
                k: adoption_overview[k]
                for k in (
                    "innovators_share",
                    "conservatives_share",
                    "innovator_categories",
                    "conservative_categories",
                    "shares",
                    "n",
                    "rule",
                )
            },
            "typing_accuracy": typing_evaluation["accuracy"],
            "typing_baseline": typing_evaluation["baseline"],
            "typing_calibration_error": typing_evaluation["expected_calibration_error"],
            "golden_questions": [i["item_id"] for i in golden_questions["items"]],
            "golden_questions_accuracy": golden_questions["accuracy"],
            "assignments": {
                "survey": int(sources.get("survey", 0)),
                "inferred": int((inferred & assigned).sum()),
                "unassigned": int((~assigned).sum()),
            },
            "warnings": warnings,
        }
    )
