"""Quality and speed of the personas stage on data with planted personas.

Not a unit test: a script that prints figures.

    python benchmarks/quality.py                 # 10 seeds, ours vs StepMix and k-prototypes
    python benchmarks/quality.py --n 100000      # also time the stage on 100,000 respondents
    python benchmarks/quality.py --skip-others   # ours only (StepMix/kmodes not installed)

For every seed it plants 3-7 personas (the count varies with the seed) in
survey answers at realistic noise (stable personal offsets, answer noise,
rounding to the 1-5 scale, about 3% skipped items), runs the personas pipeline
through Kedro's runner with the project's parameters, and reports whether the
chosen k is the planted k and the adjusted Rand index against the planted
labels. StepMix (latent class model) and kmodes k-prototypes are given the
planted k (an advantage ours does not get) and timed on the same data.

Then the same on the project's sample organisation (``segmentation.sample``,
five planted personas whose membership leans on HR fields), turned into
ingestion-shaped frames by a light stand-in for the ingestion stage. The
first part uses a planted-data maker of its own because the sample always
plants the same five personas, and the k rule must be seen to find 3 to 7.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from segmentation.codebook import Codebook  # noqa: E402
from segmentation.inmemory import run_in_memory  # noqa: E402
from segmentation.pipelines.personas import create_pipeline  # noqa: E402

LEVELS = np.array([1.7, 3.0, 4.3])  # low / neutral / high construct means
PERSON_SD = 0.35  # stable personal offset per construct (as segmentation.sample)
ANSWER_SD = 0.78  # answer noise per item before rounding to 1-5 (as segmentation.sample)
SKIP_RATE = 0.03
DEPARTMENTS = ["Operations", "Customer Service", "Sales", "R&D", "Finance", "HR"]
SITES = ["Tel Aviv", "Haifa", "Beersheba", "Jerusalem"]
PATTERNS = ["office", "hybrid", "remote", "frontline"]
JOB_LEVELS = ["individual_contributor", "team_lead", "manager", "director", "executive"]


def load_parameters() -> dict:
    loader = OmegaConfigLoader(
        conf_source=str(ROOT / "conf"), base_env="base", default_run_env="local"
    )
    return loader["parameters"]


def planted_profiles(k: int, basis: list[str], rng: np.random.Generator) -> np.ndarray:
    """k persona means on the basis constructs, each pair differing on >= 4 constructs."""
    while True:
        codes = rng.choice(3, size=(k, len(basis)), p=[0.3, 0.4, 0.3])
        diffs = (codes[:, None, :] != codes[None, :, :]).sum(axis=2)
        if (diffs + 99 * np.eye(k)).min() >= 4:
            return LEVELS[codes]


def make_planted(n: int, k: int, seed: int, parameters: dict, n_nonrespondents: int = 0):
    """``employees``, ``item_scores`` and the planted persona of every respondent."""
    rng = np.random.default_rng(seed)
    codebook = Codebook.from_params(parameters["questionnaire"])
    basis = [c for c in parameters["personas"]["basis"] if c in codebook.constructs]
    means = planted_profiles(k, basis, rng)
    shares = rng.dirichlet(np.full(k, 4.0)) * (1 - 0.06 * k) + 0.06  # every persona >= 6%
    truth = rng.choice(k, size=n, p=shares / shares.sum())
    columns = {}
    for construct, items in codebook.constructs.items():
        if construct in basis:
            centre = means[truth, basis.index(construct)]
        else:
            centre = rng.uniform(2, 4, size=k)[truth]
        latent = centre + rng.normal(0, PERSON_SD, n)
        for item in items:
            answer = np.clip(np.rint(latent + rng.normal(0, ANSWER_SD, n)), 1, 5)
            answer[rng.random(n) < SKIP_RATE] = np.nan
            columns[item] = answer
    total = n + n_nonrespondents
    pids = np.array([f"e{i:07d}" for i in range(total)], dtype=object)
    item_scores = pd.DataFrame({"pid": pids[:n], **{i: columns[i] for i in codebook.scored_items}})
    item_scores["submitted_at"] = pd.Timestamp("2026-09-10")
    # HR fields lean on the persona, so typing non-respondents has something to learn
    persona = np.concatenate([truth, rng.choice(k, size=n_nonrespondents, p=shares / shares.sum())])
    lean = rng.random(total) < 0.5
    age = np.clip(rng.normal(38 + 4 * (persona - k / 2), 9), 20, 67).round()
    employees = pd.DataFrame(
        {
            "pid": pids,
            "birth_year": pd.array(2026 - age, dtype="Int64"),
            "hire_date": pd.Timestamp("2026-09-01")
            - pd.to_timedelta(rng.uniform(0, 15, total) * 365, unit="D"),
            "department": np.where(
                lean, np.array(DEPARTMENTS)[persona % 6], rng.choice(DEPARTMENTS, total)
            ),
            "org_unit": "unit",
            "site": rng.choice(SITES, total),
            "job_level": rng.choice(JOB_LEVELS, total, p=[0.8, 0.1, 0.06, 0.03, 0.01]),
            "is_people_manager": False,
            "manager_pid": None,
            "work_pattern": np.where(
                lean, np.array(PATTERNS)[persona % 4], rng.choice(PATTERNS, total)
            ),
            "employment_status": "active",
            "language": "en",
            "gender": None,
            "responded": np.arange(total) < n,
        }
    )
    return employees, item_scores, truth


def run_personas(
    employees: pd.DataFrame, item_scores: pd.DataFrame, parameters: dict
) -> DataCatalog:
    """Run the personas pipeline in memory and return the catalog with every dataset."""
    return run_in_memory(
        create_pipeline(stable_identities=False),
        {"employees": employees, "item_scores": item_scores},
        parameters,
    )


def run_others(
    item_scores: pd.DataFrame, codebook: Codebook, basis: list[str], k: int, seed: int
) -> dict:
    """StepMix latent class model and kmodes k-prototypes, both given the planted k.

    StepMix: a latent class model on the basis items as categorical answers.
    k-prototypes: the multi-item construct scores as numbers and the
    single-item answers as categories. Each gets 3 restarts.
    """
    results = {}
    items = [i for c in basis for i in codebook.constructs[c]]
    answers = item_scores[items].fillna(item_scores[items].median()).astype(int)
    try:
        from stepmix.stepmix import StepMix

        start = time.perf_counter()
        model = StepMix(
            n_components=k,
            measurement="categorical",
            n_init=3,
            random_state=seed,
            verbose=0,
            progress_bar=0,
        )
        labels = model.fit(answers - 1).predict(answers - 1)
        results["stepmix"] = (labels, time.perf_counter() - start)
    except ImportError:
        print("stepmix is not installed: pip install stepmix")
    try:
        from kmodes.kprototypes import KPrototypes

        start = time.perf_counter()
        multi = [c for c in basis if len(codebook.constructs[c]) > 1]
        single = [codebook.constructs[c][0] for c in basis if len(codebook.constructs[c]) == 1]
        numeric = np.column_stack([answers[codebook.constructs[c]].mean(axis=1) for c in multi])
        mixed = np.column_stack([numeric, answers[single].astype(str).to_numpy()]).astype(object)
        model = KPrototypes(n_clusters=k, n_init=3, random_state=seed, n_jobs=1)
        labels = model.fit_predict(mixed, categorical=list(range(len(multi), mixed.shape[1])))
        results["kprototypes"] = (labels, time.perf_counter() - start)
    except ImportError:
        print("kmodes is not installed: pip install kmodes")
    return results


def sample_organisation_frames(n_employees: int, seed: int, wave: str = "2026-09", org=None):
    """``employees``, ``item_scores`` and planted personas from ``segmentation.sample``.

    A light stand-in for the ingestion stage: valid answers only, reverse
    items scored 6 - answer, employee ids used as pseudonymous ids. ``org``
    is an organisation already generated (otherwise one is generated here).
    """
    from segmentation.sample import generate_organisation

    org = org if org is not None else generate_organisation(n_employees, seed)
    answers = org.clean_answers(wave)
    scored = answers.copy()
    for item in org.codebook.reverse_items:
        if item in scored:
            scored[item] = 6 - scored[item]
    item_scores = scored.reset_index().rename(columns={"employee_id": "pid"})
    item_scores["submitted_at"] = pd.Timestamp(f"{wave}-10")
    roster = org.roster
    employees = pd.DataFrame(
        {
            "pid": roster["employee_id"],
            "birth_year": pd.array(roster["birth_year"], dtype="Int64"),
            "hire_date": pd.to_datetime(roster["hire_date"]),
            **{c: roster[c] for c in ["department", "org_unit", "site", "job_level"]},
            "is_people_manager": roster["is_people_manager"].isin(["yes", True]),
            "manager_pid": roster["manager_id"],
            **{c: roster[c] for c in ["work_pattern", "employment_status", "language", "gender"]},
            "responded": roster["employee_id"].isin(item_scores["pid"]),
        }
    )
    truth = org.persona_of(wave).loc[item_scores["pid"]].to_numpy()
    return employees, item_scores, truth


def sample_quality(n_employees: int, seeds: int) -> None:
    """The project's own sample organisation: five planted personas."""
    parameters = load_parameters()
    rows = []
    for seed in range(seeds):
        employees, item_scores, truth = sample_organisation_frames(n_employees, seed)
        start = time.perf_counter()
        catalog = run_personas(employees, item_scores, {**parameters, "seed": seed})
        summary = catalog.load("persona_summary")
        rows.append(
            {
                "seed": seed,
                "respondents": len(item_scores),
                "planted_k": len(set(truth)),
                "chosen_k": summary["chosen_k"],
                "ari": adjusted_rand_score(truth, catalog.load("survey_personas")["persona_id"]),
                "seconds": time.perf_counter() - start,
                "typing_acc": summary["typing_accuracy"],
                "typing_base": summary["typing_baseline"],
            }
        )
        print(
            {k: (round(v, 3) if isinstance(v, float) else v) for k, v in rows[-1].items()},
            flush=True,
        )
        if seed == 0:
            print(
                "  names:", "; ".join(f"{p['name']} / {p['name_he']}" for p in summary["personas"])
            )
    table = pd.DataFrame(rows)
    right = int((table["chosen_k"] == table["planted_k"]).sum())
    print(
        f"\nsample organisation ({n_employees} employees): right k in {right} of {len(table)} seeds; "
        f"ARI mean {table['ari'].mean():.3f}, min {table['ari'].min():.3f}\n"
    )


def quality(n: int, seeds: int, skip_others: bool) -> None:
    parameters = load_parameters()
    codebook = Codebook.from_params(parameters["questionnaire"])
    basis = [c for c in parameters["personas"]["basis"] if c in codebook.constructs]
    rows = []
    for seed in range(seeds):
        k = 3 + seed % 5
        employees, item_scores, truth = make_planted(
            n, k, seed, {**parameters}, n_nonrespondents=n // 4
        )
        params = {**parameters, "seed": seed}
        start = time.perf_counter()
        catalog = run_personas(employees, item_scores, params)
        seconds = time.perf_counter() - start
        summary = catalog.load("persona_summary")
        survey = catalog.load("survey_personas")
        row = {
            "seed": seed,
            "planted_k": k,
            "chosen_k": summary["chosen_k"],
            "ari": adjusted_rand_score(truth, survey["persona_id"]),
            "seconds": seconds,
            "typing_acc": summary["typing_accuracy"],
            "typing_base": summary["typing_baseline"],
            "structure_warning": not summary["structure_free_reference"][
                "clearly_better_than_reference"
            ],
            "names": "; ".join(p["name"] for p in summary["personas"]),
        }
        if not skip_others:
            for name, (labels, secs) in run_others(item_scores, codebook, basis, k, seed).items():
                row[f"{name}_ari"] = adjusted_rand_score(truth, labels)
                row[f"{name}_s"] = secs
        rows.append(row)
        print(
            {k_: (round(v, 3) if isinstance(v, float) else v) for k_, v in row.items()}, flush=True
        )
    table = pd.DataFrame(rows)
    print()
    print(table.drop(columns="names").round(3).to_string(index=False))
    right = int((table["chosen_k"] == table["planted_k"]).sum())
    print(f"\nright k in {right} of {len(table)} seeds (target >= 9 of 10)")
    print(
        f"ARI vs planted labels: mean {table['ari'].mean():.3f}, min {table['ari'].min():.3f} (target >= 0.9)"
    )
    for other in ("stepmix", "kprototypes"):
        if f"{other}_ari" in table:
            print(
                f"{other} (given the planted k): ARI mean {table[f'{other}_ari'].mean():.3f}, "
                f"time mean {table[f'{other}_s'].mean():.2f} s"
            )
    print(
        f"ours: time mean {table['seconds'].mean():.2f} s for {n} respondents + {n // 4} non-respondents"
    )


def speed(n: int) -> None:
    parameters = load_parameters()
    employees, item_scores, truth = make_planted(n, 5, 0, parameters, n_nonrespondents=n // 10)
    start = time.perf_counter()
    catalog = run_personas(employees, item_scores, parameters)
    seconds = time.perf_counter() - start
    summary = catalog.load("persona_summary")
    ari = adjusted_rand_score(truth, catalog.load("survey_personas")["persona_id"])
    print(
        f"personas stage on {n} respondents + {n // 10} non-respondents: {seconds:.1f} s "
        f"(target < 20 s); chosen k {summary['chosen_k']} (planted 5), ARI {ari:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=None, help="time the stage on this many respondents"
    )
    parser.add_argument("--quality-n", type=int, default=2000, help="respondents per quality seed")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--skip-others", action="store_true", help="do not run StepMix and k-prototypes"
    )
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument(
        "--sample-employees",
        type=int,
        default=2000,
        help="employees of the segmentation.sample organisation per seed (0: skip that part)",
    )
    args = parser.parse_args()
    logging.getLogger("kedro").setLevel(logging.WARNING)
    logging.getLogger("segmentation").setLevel(logging.ERROR)
    if not args.skip_quality:
        quality(args.quality_n, args.seeds, args.skip_others)
        if args.sample_employees:
            sample_quality(args.sample_employees, args.seeds)
    if args.n:
        speed(args.n)


if __name__ == "__main__":
    main()
