"""The number of personas: every candidate k assessed on a seeded sample, then the documented rule."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import sklearn

from segmentation.errors import RunStopped
from segmentation.jsonable import to_plain

from .common import basis_columns, child_seed, warn
from .model import (
    make_preprocessor,
    squared_distances,
)
from .stability import assess_solution, shuffle_columns

logger = logging.getLogger(__name__)


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


# The measurements of one candidate k, as the k table records them. A reused
# k table brings back only these; everything judged from them is recomputed.
MEASURED = (
    "reproducibility",
    "reproducibility_sd",
    "min_persona_stability",
    "silhouette",
    "reference_reproducibility",
    "reference_silhouette",
)
# Bump when the way a k is measured changes, so no earlier k table is reused.
SELECTION_VERSION = 1


def candidate_counts(k_params: dict, n: int) -> list[int]:
    """The candidate numbers of personas (``k_min``..``k_max``, and a pinned k), each under n."""
    ks = list(range(int(k_params["k_min"]), int(k_params["k_max"]) + 1))
    if k_params.get("pinned_k") and int(k_params["pinned_k"]) not in ks:
        ks = sorted({*ks, int(k_params["pinned_k"])})
    ks = [k for k in ks if k < n]
    if not ks or (k_params.get("pinned_k") and int(k_params["pinned_k"]) not in ks):
        wanted = k_params.get("pinned_k") or k_params["k_min"]
        raise ValueError(f"{n} respondents are too few to form {wanted} personas")
    return ks


def selection_key(
    X: np.ndarray, basis: list[str], k_params: dict, min_group: int, seed: int
) -> str:
    """A hash of everything the k table depends on: the scaled basis, its columns, the
    k-selection parameters, the anonymity threshold, the seed and the library versions."""
    settings = {
        "version": SELECTION_VERSION,
        "basis": basis,
        "k_selection": k_params,
        "min_group_size": min_group,
        "seed": seed,
        "shape": list(X.shape),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode("utf-8"))
    digest.update(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    return digest.hexdigest()


def measure_k(
    X: np.ndarray, sample: np.ndarray, reference: np.ndarray, k: int, settings: dict, seed: int
) -> dict:
    """The k table's measurements of one k; the smallest persona is counted on all of ``X``."""
    real = assess_solution(sample, k, seed=child_seed(seed, 1, k), **settings)
    ref = assess_solution(reference, k, seed=child_seed(seed, 2, k), **settings)
    smallest = int(
        np.bincount(squared_distances(X, real["centers"]).argmin(axis=1), minlength=k).min()
    )
    return {
        "k": k,
        **{name: real[name] for name in MEASURED[:4]},
        "smallest": smallest,
        "reference_reproducibility": ref["reproducibility"],
        "reference_silhouette": ref["silhouette"],
    }


def judged_row(measured: dict, n: int, k_params: dict, min_group: int) -> dict:
    """One row of the k table: the measurements and whether they meet each part of the rule.

    ``measured["smallest"]`` is the smallest persona's size, or None when it is
    under the anonymity threshold (never reported, not even here).
    """
    smallest = measured["smallest"]
    shown = smallest is not None and smallest >= min_group
    row = {
        "k": measured["k"],
        **{name: measured[name] for name in MEASURED[:4]},
        "smallest_persona_size": smallest if shown else None,
        "smallest_persona_share": smallest / n if shown else None,
        "reference_reproducibility": measured["reference_reproducibility"],
        "reference_silhouette": measured["reference_silhouette"],
    }
    row["meets_reproducibility"] = row["reproducibility"] >= k_params["min_reproducibility"]
    row["meets_stability"] = row["min_persona_stability"] >= k_params["min_persona_stability"]
    row["meets_size"] = bool(shown and smallest / n >= k_params["min_persona_share"])
    row["eligible"] = bool(
        row["meets_reproducibility"] and row["meets_stability"] and row["meets_size"]
    )
    return row


def _number(value: Any, low: float, high: float) -> float | None:
    """``value`` as a float when it is a number in [low, high] (missing is NaN); None otherwise."""
    if value is None:
        return float("nan")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


def stored_rows(earlier: Any, key: str, ks: list[int], n: int, min_group: int) -> list[dict] | None:
    """The measurements of the last run's k table when it was made from the same data and
    parameters (``key``) and every number is what a measurement can be; None otherwise.

    The file sits where a user can write, so nothing in it is trusted but
    numbers in their ranges: the rule, the sizes' shares and the text are
    recomputed from them.
    """
    if not isinstance(earlier, Mapping) or earlier.get("selection_key") != key:
        return None
    table = earlier.get("k_table")
    if (
        not isinstance(table, list)
        or [r.get("k") if isinstance(r, Mapping) else None for r in table] != ks
    ):
        return None
    rows = []
    for stored in table:
        measured = {"k": stored["k"], **{m: _number(stored.get(m), -1.0, 1.0) for m in MEASURED}}
        size = stored.get("smallest_persona_size")
        valid_size = size is None or (
            isinstance(size, int) and not isinstance(size, bool) and min_group <= size <= n
        )
        if not valid_size or any(measured[m] is None for m in MEASURED):
            logger.info(
                "The last run's k table holds values out of range; every k is measured again."
            )
            return None
        rows.append({**measured, "smallest": size})
    return rows


def _structure_check(chosen: dict, k_params: dict, warnings: list[str]) -> dict:
    """The chosen k against the structure-free reference; a loud warning when it is not clearly better."""
    gain_rep = chosen["reproducibility"] - chosen["reference_reproducibility"]
    gain_sil = chosen["silhouette"] - chosen["reference_silhouette"]
    beats = bool(
        gain_rep >= k_params["min_reproducibility_gain"]
        or gain_sil >= k_params["min_silhouette_gain"]
    )
    if not beats:
        warn(
            warnings,
            f"STRUCTURE WARNING: at k={chosen['k']} the survey data is not clearly more reproducible "
            f"(gain {gain_rep:+.2f}, needs {k_params['min_reproducibility_gain']}) nor better "
            f"separated (silhouette gain {gain_sil:+.2f}, needs {k_params['min_silhouette_gain']}) "
            f"than the same data with each column shuffled; the personas may be artefacts of "
            f"k-means rather than real groups",
        )
    return {
        "method": "each basis column shuffled independently, same sample, same k",
        "k": chosen["k"],
        "reproducibility": chosen["reproducibility"],
        "reference_reproducibility": chosen["reference_reproducibility"],
        "reproducibility_gain": gain_rep,
        "silhouette": chosen["silhouette"],
        "reference_silhouette": chosen["reference_silhouette"],
        "silhouette_gain": gain_sil,
        "clearly_better_than_reference": beats,
    }


def _measure_all(X: np.ndarray, ks: list[int], k_params: dict, seed: int) -> list[dict]:
    """Measure every candidate k on one seeded sample and its structure-free reference."""
    rng = np.random.default_rng(child_seed(seed, 0))
    sample = X[rng.choice(len(X), min(len(X), int(k_params["sample_size"])), replace=False)]
    reference = shuffle_columns(sample, rng)
    settings = {
        name: int(k_params[name])
        for name in ("n_init", "n_bootstrap", "bootstrap_n_init", "silhouette_sample_size")
    }
    return [measure_k(X, sample, reference, k, settings, seed) for k in ks]


def select_persona_count(
    segmentation_basis: pd.DataFrame,
    k_params: dict,
    model_params: dict,
    anonymity: dict,
    seed: int,
    earlier_selection: dict | None = None,
) -> dict:
    """Assess every candidate k on real data and on a structure-free reference, then pick k.

    Runs on one seeded sample (bootstraps and silhouettes are never run on all
    rows); persona sizes are counted on all respondents. The whole k table is
    returned for the summary. ``earlier_selection`` is this wave's selection
    from its last run: made from the same data and parameters, its
    measurements are reused (the same numbers, without refitting every k).
    """
    warnings: list[str] = []
    min_group = int(anonymity["min_group_size"])
    check_enough_respondents(segmentation_basis, k_params, min_group)
    basis = basis_columns(segmentation_basis)
    X_all = make_preprocessor(model_params).fit_transform(segmentation_basis[basis])
    n = len(X_all)
    check_answers_vary(X_all, int(k_params["k_min"]))
    ks = candidate_counts(k_params, n)
    key = selection_key(X_all, basis, k_params, min_group, seed)
    measured = stored_rows(earlier_selection, key, ks, n, min_group)
    if measured is None:
        measured = _measure_all(X_all, ks, k_params, seed)
    else:
        logger.info(
            "k selection: the same basis and parameters as the last run; its k table is reused."
        )
    rows = [judged_row(m, n, k_params, min_group) for m in measured]
    chosen_k, outcome = _choose_k(rows, k_params, warnings)
    reference = _structure_check(next(r for r in rows if r["k"] == chosen_k), k_params, warnings)
    return to_plain(
        {
            "basis": basis,
            "n_respondents": n,
            "sample_size": min(n, int(k_params["sample_size"])),
            "k_table": rows,
            "chosen_k": chosen_k,
            "k_rule": _k_rule_text(k_params, min_group),
            "k_rule_outcome": outcome,
            "structure_free_reference": reference,
            "warnings": warnings,
            "selection_key": key,
        }
    )
