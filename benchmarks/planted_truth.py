"""Print how well custlab's rules recover what the demo company planted.

Usage: python benchmarks/planted_truth.py [--customers 20000] [--seed 42] [--period 2026-10]

Generates a demo company in a temporary folder (default size), runs the period's
analysis and prints recall and precision of every flag against truth.csv.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from custlab.demo import DemoSpec, generate
from custlab.demo.truth import flag_scores, read_truth
from custlab.analysis.pipeline import analyse

FLAGS = ["lean_big", "bulk_one_off", "satisfied_defector", "rising", "big_debtor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        generate(folder, DemoSpec(customers=args.customers, seed=args.seed), progress=False)
        result = analyse(Path(folder) / "custlab.toml", args.period)
        scores = flag_scores(result.customers, read_truth(Path(folder) / "truth.csv"), FLAGS)
        elapsed = time.perf_counter() - started
    print(f"demo company: {args.customers:,} customers, seed {args.seed}, period {args.period} ({elapsed:.1f}s)")
    print(scores.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
