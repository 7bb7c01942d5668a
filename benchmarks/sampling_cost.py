"""What the samples and the chunking of the personas stage cost in accuracy, measured.

Not a test: a script that prints figures and writes ``benchmarks/sampling_results.md``.

    python benchmarks/sampling_cost.py                       # 100,000 employees, seed 0
    python benchmarks/sampling_cost.py --employees 20000     # quicker

The personas stage runs on the sample organisation (``segmentation.sample``,
five planted personas) through Kedro's runner, twice with the same data:

* **as configured**: every step that repeats a fit runs on a seeded sample
  (``conf/base/parameters_personas.yml``, see ``docs/scaling.md``);
* **all rows**: every such sample set to all respondents: the choice of k
  (bootstraps and the structure-free reference), the k-means restarts, the
  mixture, the covariate EM, the typing model's cross-validation and fit,
  and the golden questions. Only silhouettes stay on a sample: they are
  quadratic in rows.

and a third time as configured but typing and assigning 1,000 rows at a
time instead of 100,000, to show chunking changes no one's persona.

For each it prints the chosen k, the adjusted Rand index (ARI) of the
survey-assigned and of the inferred personas against the planted ones, the
typing model's cross-validated accuracy, and the stage's time.
"""

from __future__ import annotations

import argparse
import copy
import logging
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from quality import load_parameters, run_personas, sample_organisation_frames  # noqa: E402

WAVE = "2026-09"


def all_rows(parameters: dict, n: int) -> dict:
    """The parameters with every sample of the personas stage set to all ``n`` rows."""
    out = copy.deepcopy(parameters)
    personas = out["personas"]
    personas["k_selection"]["sample_size"] = n
    personas["model"]["restart_sample_size"] = n
    personas["model"]["mixture_sample_size"] = n
    personas["model"]["covariates"]["em_sample_size"] = n
    personas["typing"]["cv_sample_size"] = n
    personas["typing"]["fit_sample_size"] = None
    personas["golden_questions"]["sample_size"] = n
    return out


def chunked(parameters: dict, rows: int) -> dict:
    out = copy.deepcopy(parameters)
    out["personas"]["model"]["predict_chunk_rows"] = rows
    out["personas"]["typing"]["predict_chunk_rows"] = rows
    return out


def measure(name: str, employees, item_scores, planted: pd.Series, parameters: dict) -> dict:
    start = time.perf_counter()
    catalog = run_personas(employees, item_scores, parameters)
    seconds = time.perf_counter() - start
    assignments = catalog.load("persona_assignments")
    summary = catalog.load("persona_summary")
    survey = assignments[assignments["assignment_source"] == "survey"]
    inferred = assignments[
        (assignments["assignment_source"] == "inferred")
        & (assignments["persona_id"] != "unassigned")
    ]
    row = {
        "run": name,
        "chosen_k": summary["chosen_k"],
        "survey_ari": adjusted_rand_score(planted.loc[survey["pid"]], survey["persona_id"]),
        "inferred_ari": adjusted_rand_score(planted.loc[inferred["pid"]], inferred["persona_id"]),
        "typing_accuracy": summary["typing_accuracy"],
        "seconds": seconds,
    }
    print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    return row, assignments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "sampling_results.md")
    args = parser.parse_args()
    logging.getLogger("kedro").setLevel(logging.WARNING)
    logging.getLogger("segmentation").setLevel(logging.ERROR)

    from segmentation.sample import generate_organisation

    org = generate_organisation(args.employees, args.seed)
    employees, item_scores, _ = sample_organisation_frames(args.employees, args.seed, WAVE, org)
    planted = org.persona_of(WAVE)
    parameters = {**load_parameters(), "seed": args.seed}
    n = len(item_scores)
    print(f"{args.employees:,} employees, {n:,} respondents", flush=True)

    rows = []
    row, configured = measure("as configured", employees, item_scores, planted, parameters)
    rows.append(row)
    row, _ = measure("all rows", employees, item_scores, planted, all_rows(parameters, n))
    rows.append(row)
    row, small_chunks = measure(
        "as configured, 1,000 rows per chunk",
        employees,
        item_scores,
        planted,
        chunked(parameters, 1000),
    )
    rows.append(row)
    same = configured.reset_index(drop=True).equals(small_chunks.reset_index(drop=True))

    table = pd.DataFrame(rows)
    lines = [
        "# What the samples cost",
        "",
        f"Written by `python benchmarks/sampling_cost.py --employees {args.employees} --seed {args.seed}` "
        f"on {time.strftime('%Y-%m-%d %H:%M')}: the personas stage on the sample organisation "
        f"({args.employees:,} employees, {n:,} respondents, five planted personas), run through "
        "Kedro's runner in memory. See the script's docstring for what each run changes.",
        "",
        "| run | k chosen | survey ARI | inferred ARI | typing CV accuracy | stage time |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {r.run} | {r.chosen_k} | {r.survey_ari:.4f} | {r.inferred_ari:.4f} | "
            f"{r.typing_accuracy:.4f} | {r.seconds:.1f} s |"
            for r in table.itertuples()
        ),
        "",
        f"Assignments with 1,000 rows per chunk identical to 100,000 rows per chunk: {'yes' if same else 'NO'}.",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
