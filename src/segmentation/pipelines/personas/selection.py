"""The number of personas: every candidate k assessed on a seeded sample, then the documented rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.errors import RunStopped
from segmentation.jsonable import to_plain

from .common import basis_columns, child_seed, warn
from .model import (
    make_preprocessor,
    squared_distances,
)
from .stability import assess_solution, shuffle_columns


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
        warn(
            warnings,
            f"no k meets the reproducibility and stability thresholds; using k={best['k']}, "
            f"the most reproducible k with large enough personas "
            f"(reproducibility {best['reproducibility']:.2f})",
        )
        return best["k"], "fallback: most reproducible k with large enough personas"
    smallest = min(r["k"] for r in rows)
    warn(warnings, f"no k gives large enough personas; using the smallest k={smallest}")
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
        segmentation_basis[basis_columns(segmentation_basis)]
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
    rng = np.random.default_rng(child_seed(seed, 0))
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
        real = assess_solution(sample, k, seed=child_seed(seed, 1, k), **settings)
        ref = assess_solution(reference, k, seed=child_seed(seed, 2, k), **settings)
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
        warn(
            warnings,
            f"STRUCTURE WARNING: at k={chosen_k} the survey data is not clearly more reproducible "
            f"(gain {gain_rep:+.2f}, needs {k_params['min_reproducibility_gain']}) nor better "
            f"separated (silhouette gain {gain_sil:+.2f}, needs {k_params['min_silhouette_gain']}) "
            f"than the same data with each column shuffled; the personas may be artefacts of "
            f"k-means rather than real groups",
        )
    return to_plain(
        {
            "basis": basis_columns(segmentation_basis),
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
