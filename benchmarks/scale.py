"""How the period pipeline scales: wall time per step and peak memory, by size.

Usage: python benchmarks/scale.py [--sizes 100000 1000000 10000000] [--period 2026-10]
                                  [--steps duckdb_groupby aggregate analyse]

For each size a demo company is generated into a temporary folder (Parquet), then
in a fresh process: the validate + aggregate step, a bare DuckDB GROUP BY over
the same transactions file (the practical floor for the aggregate step), and the
whole analysis (``custlab.analyse``). Each process reports its own wall time and
peak resident memory, so the figures of one size do not leak into the next.
Ratios measured in one run are what to compare: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile

STEP = r'''
import json, resource, sys, time
from datetime import date
import duckdb, pandas
import custlab.pipeline  # imports are not the step's time
step, folder, period = sys.argv[1], sys.argv[2], sys.argv[3]
started = time.perf_counter()
if step == "generate":
    from custlab.demo import DemoSpec, generate
    generate(folder, DemoSpec(customers=int(sys.argv[4])), progress=False)
elif step == "duckdb_groupby":
    import duckdb
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE t AS SELECT customer_id, date_trunc('month', date) AS month, sum(revenue) AS revenue,
                     sum(cost) AS cost, sum(discount) AS discount, sum(channel_fee) AS fee, count(*) AS n
                     FROM read_parquet('{folder}/transactions.parquet') GROUP BY ALL""").fetchall()
elif step == "aggregate":
    from custlab import aggregate, io, validation
    from custlab.config import load_config
    from custlab.periods import parse_period
    config = load_config(f"{folder}/custlab.toml")
    with io.scratch_connection() as con:  # the database the analysis uses
        validation.validate(con, config)
        parts = {"validate_seconds": time.perf_counter() - started}
        aggregate.prepare_inputs(con)
        first, _ = aggregate.data_months(con)
        end = parse_period(period).end
        aggregate.build_customer_month(con, first, date(end.year, end.month, 1), config.settings)
        parts["aggregate_seconds"] = time.perf_counter() - started - parts["validate_seconds"]
elif step == "analyse":
    from custlab.pipeline import analyse
    analyse(f"{folder}/custlab.toml", period)
print("RESULT " + json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
                  **(parts if step == "aggregate" else {})}))
'''


STEPS = ("generate", "duckdb_groupby", "aggregate", "analyse")


def run_step(step: str, folder: str, period: str, *extra: str) -> dict:
    done = subprocess.run([sys.executable, "-c", STEP, step, folder, period, *extra], capture_output=True, text=True)
    if done.returncode != 0:
        return {"seconds": float("nan"), "peak_rss_gb": float("nan"), "error": done.stderr.strip().splitlines()[-1:]}
    found = re.findall(r"RESULT (\{.*?\})", done.stdout)
    if not found:
        return {"seconds": float("nan"), "peak_rss_gb": float("nan"), "error": ["no result printed"]}
    return json.loads(found[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=list(STEPS),
                        help="steps to run (generate always runs); e.g. leave out analyse at 10M")
    args = parser.parse_args()
    print(f"{'customers':>12} {'step':<16} {'wall s':>9} {'peak GB':>8}  note")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            results = {}
            for step in ["generate", *[s for s in args.steps if s != "generate"]]:
                extra = (str(size),) if step == "generate" else ()
                results[step] = run_step(step, folder, args.period, *extra)
                note = ""
                if step == "aggregate" and "duckdb_groupby" in results and "error" not in results[step]:
                    bare = results["duckdb_groupby"]["seconds"]
                    note = (f"validate {results[step]['validate_seconds']:.1f} s + aggregate "
                            f"{results[step]['aggregate_seconds']:.1f} s; {results[step]['seconds'] / bare:.1f}x the bare "
                            f"GROUP BY, aggregate alone {results[step]['aggregate_seconds'] / bare:.1f}x")
                if "error" in results[step]:
                    note = f"failed: {results[step]['error']}"
                print(f"{size:>12,} {step:<16} {results[step]['seconds']:>9.1f} {results[step]['peak_rss_gb']:>8.2f}  {note}", flush=True)


if __name__ == "__main__":
    main()
