"""``python -m segmentation.sample``: write a sample organisation in the contract's layout.

Example (from the project root)::

    PYTHONPATH=src python -m segmentation.sample --employees 2000 --seed 0 --out data/01_raw \\
        --truth /tmp/sample_truth.json
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from segmentation.sample.generator import (
    DEFAULT_WAVES,
    SURVEY_FORMATS,
    generate_organisation,
    load_codebook,
    write_organisation,
    write_truth,
)

PROGRESS_FROM = 50_000


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m segmentation.sample",
        description="Generate a sample organisation: HR roster, survey waves in real export "
        "shapes, activity logs and an opt-out list, with planted personas and defects.",
    )
    p.add_argument("--employees", type=int, default=2000, help="number of employees (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--out", type=Path, default=Path("data/01_raw"), help="output folder (default data/01_raw)"
    )
    p.add_argument(
        "--waves",
        default=",".join(DEFAULT_WAVES),
        help="comma-separated waves YYYY-MM in time order (default %(default)s)",
    )
    p.add_argument(
        "--roster-format",
        choices=["auto", "xlsx", "csv"],
        default="auto",
        help="hr/roster.xlsx or hr/roster.csv (auto: xlsx unless too many rows for Excel)",
    )
    p.add_argument(
        "--survey-format",
        action="append",
        default=[],
        metavar="WAVE=FORMAT",
        help=f"export shape of a wave, FORMAT one of {', '.join(SURVEY_FORMATS)} "
        "(default: first wave microsoft_forms, later waves qualtrics); repeatable",
    )
    p.add_argument(
        "--csv",
        action="store_true",
        help="csv files only: roster.csv and Google Forms csv instead of Microsoft Forms xlsx",
    )
    p.add_argument(
        "--questionnaire",
        type=Path,
        default=None,
        help="codebook file (default conf/base/parameters_questionnaire.yml)",
    )
    p.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="also write the planted truth here (.json: everything; .csv: one row per wave and "
        "person); never inside --out",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quiet", action="store_true", help="no progress lines")
    g.add_argument("--verbose", action="store_true", help="progress lines even for small runs")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.employees < 1:
        raise SystemExit("--employees must be at least 1")
    waves = tuple(w.strip() for w in args.waves.split(",") if w.strip())
    formats: dict[str, str] = {}
    if args.csv:
        formats = {w: "google_forms" for w in waves[:1]}
    for spec in args.survey_format:
        wave, _, fmt = spec.partition("=")
        if wave not in waves or fmt not in SURVEY_FORMATS:
            raise SystemExit(f"--survey-format {spec!r}: expected WAVE=FORMAT with WAVE in {waves}")
        formats[wave] = fmt
    roster_format = "csv" if args.csv and args.roster_format == "auto" else args.roster_format
    if args.truth is not None:
        out, truth = args.out.resolve(), args.truth.resolve()
        if truth == out or out in truth.parents:
            raise SystemExit(
                f"--truth must be outside {args.out} (the truth never goes into the raw data)"
            )

    show = args.verbose or (not args.quiet and args.employees >= PROGRESS_FROM)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    codebook = load_codebook(args.questionnaire)
    org = generate_organisation(
        args.employees,
        args.seed,
        waves,
        codebook,
        survey_formats=formats,
        progress=progress if show else None,
    )
    written = write_organisation(
        org, args.out, roster_format=roster_format, progress=progress if show else None
    )
    if args.truth is not None:
        write_truth(org, args.truth, forbidden_dir=args.out)
        written["truth"] = args.truth
    elapsed = time.perf_counter() - t0

    summary = org.summary()
    print(f"{summary['employees']:,} employees ({summary['active']:,} active), seed {args.seed}")
    for wave, s in summary["waves"].items():
        panel = f", panel {s['panel_share']:.0%}" if "panel_share" in s else ""
        defects = ", ".join(f"{k} {v}" for k, v in s["defects"].items())
        print(
            f"wave {wave} ({s['format']}): {s['rows']:,} rows, {s['valid_respondents']:,} valid "
            f"({s['response_rate_active']:.0%} of active{panel}); defects: {defects}"
        )
    total = 0
    for path in written.values():
        size = Path(path).stat().st_size
        if Path(path).resolve().is_relative_to(args.out.resolve()):
            total += size
        print(f"  {path}  {size / 1024:,.0f} KiB")
    print(f"total under {args.out}: {total / 1024 / 1024:.2f} MiB in {elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # skip freeing millions of small objects one by one: every file is closed already
    os._exit(code)
