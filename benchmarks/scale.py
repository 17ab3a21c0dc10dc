"""How the period pipeline scales: wall time per step and peak memory, by size.

Usage: python benchmarks/scale.py [--sizes 100000 1000000 10000000] [--period 2026-10]
                                  [--steps duckdb_groupby aggregate analyse report]

For each size a demo company is generated into a temporary folder (Parquet), then
in a fresh process: the validate + aggregate step, a bare DuckDB GROUP BY over
the same transactions file (the practical floor for the aggregate step), the
whole analysis (``custlab.analyse``) and the whole report (``custlab report``:
the analysis, the notebook, the HTML and the published tables; its peak memory is
that of all its processes together). Each process reports its own wall time and
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
elif step == "report":
    # custlab report runs the analysis and the notebook's kernel in processes of their
    # own: the peak is that of the whole process tree, sampled every half second.
    import os, threading
    from custlab.runner import run_report

    def tree_rss(pid):
        total = 0
        try:
            with open(f"/proc/{pid}/status") as status:
                total = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS"))
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    total += sum(tree_rss(int(child)) for child in children.read().split())
        except (OSError, StopIteration):
            pass
        return total

    tree_peak, running = [0], [True]

    def sample():
        while running[0]:
            tree_peak[0] = max(tree_peak[0], tree_rss(os.getpid()))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    published = run_report(f"{folder}/custlab.toml", period, out=f"{folder}/reports", log=lambda line: None)
    running[0] = False
    sampler.join()
    parts = {f"{name}_seconds": seconds for name, seconds in json.loads((published / "run.json").read_text())["timings_seconds"].items()}
    parts["tree_peak_gb"] = tree_peak[0] / 1024**3
print("RESULT " + json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
                  **(parts if step in ("aggregate", "report") else {})}))
'''


STEPS = ("generate", "duckdb_groupby", "aggregate", "analyse", "report")


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
                if step == "report" and "error" not in results[step]:
                    report = results[step]
                    report["peak_rss_gb"] = max(report["peak_rss_gb"], report["tree_peak_gb"])
                    note = (f"analysis {report['analyse_seconds']:.1f} s, notebook {report['notebook_seconds']:.1f} s, "
                            f"export {report['export_seconds']:.1f} s; peak over all its processes")
                if "error" in results[step]:
                    note = f"failed: {results[step]['error']}"
                print(f"{size:>12,} {step:<16} {results[step]['seconds']:>9.1f} {results[step]['peak_rss_gb']:>8.2f}  {note}", flush=True)


if __name__ == "__main__":
    main()
