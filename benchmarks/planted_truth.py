"""Print how well custlab's rules recover what the demo company planted.

Usage: python benchmarks/planted_truth.py [--profile consumer|business] [--customers N] [--seed 42] [--period 2026-10]

Generates a demo company in a temporary folder (the profile's default size), runs
the period's analysis and prints recall and precision of every flag against truth.csv
(NaN recall: nothing planted; then ``flagged`` is the false positives).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from custlab.demo import DemoSpec, generate
from custlab.demo.profiles import PROFILES
from custlab.demo.truth import flag_scores, read_truth
from custlab.analysis.pipeline import analyse

FLAGS = ["lean_big", "bulk_one_off", "satisfied_defector", "rising", "big_debtor", "churn_risk", "dependence_risk",
         "territory_breach", "price_pressure", "cost_to_serve_rising"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("consumer", "business"), default="consumer")
    parser.add_argument("--customers", type=int, default=None, help="default: the profile's")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        company = PROFILES[args.profile]
        spec = DemoSpec(customers=args.customers or company.customers, months=company.months, seed=args.seed, profile=args.profile)
        generate(folder, spec, progress=False)
        result = analyse(Path(folder) / "custlab.toml", args.period)
        scores = flag_scores(result.customers, read_truth(Path(folder) / "truth.csv"), FLAGS)
        elapsed = time.perf_counter() - started
    print(f"{args.profile} demo company: {spec.customers:,} customers, seed {args.seed}, period {args.period} ({elapsed:.1f}s)")
    print(scores.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
