"""How the period pipeline scales: wall time per step and peak memory, by size.

Usage: python benchmarks/scale.py [--sizes 100000 1000000 10000000 | --folders DEMO ...]
                                  [--period 2026-10] [--bare-cap 4GB]
                                  [--steps duckdb_groupby duckdb_same_sql aggregate analyse report]

For each size a demo company is generated into a temporary folder (Parquet), then
in a fresh process: a bare DuckDB GROUP BY over the same transactions file
(customer x month, four sums and a count: the floor of any customer-month
table), custlab's own aggregate SQL run bare (each table as one plain DuckDB
query over the raw files, in memory, no cap unless ``--bare-cap`` gives one: the
floor of what the aggregate step computes), the validate + aggregate step as the
pipeline runs it (customer months and purchase days, under
``CUSTLAB_MEMORY_LIMIT`` if set), the
whole analysis (``custlab.analyse``) and the whole report (``custlab report``:
the analysis, the notebook, the HTML and the published tables; its peak memory is
that of all its processes together, printed also for each stage the analysis
logs). Each process reports its own wall time and peak resident memory, so the
figures of one size do not leak into the next. The aggregate's and the report's
lines give their ratio to custlab's own SQL run bare in the same run:
validate + aggregate, and the whole report, each divided by that baseline.
Ratios measured in one run are what to compare: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

STEP = r'''
import json, resource, sys, time
from datetime import date
import duckdb, pandas
import custlab.analysis.pipeline  # imports are not the step's time
step, folder, period = sys.argv[1], sys.argv[2], sys.argv[3]


def bare_connection():
    """A plain DuckDB connection for the baselines, capped only when a cap is passed (``--bare-cap``)."""
    con = duckdb.connect()
    if len(sys.argv) > 4:
        import atexit, shutil, tempfile
        spill = tempfile.mkdtemp(prefix="scale-spill-")
        atexit.register(shutil.rmtree, spill, True)
        con.execute(f"SET memory_limit = '{sys.argv[4]}'")
        con.execute(f"SET temp_directory = '{spill}'")  # spills, like the aggregate's
    return con


started = time.perf_counter()
if step == "generate":
    from custlab.demo import DemoSpec, generate
    generate(folder, DemoSpec(customers=int(sys.argv[4])), progress=False)
elif step == "duckdb_groupby":
    con = bare_connection()
    con.execute(f"""CREATE TABLE t AS SELECT customer_id, date_trunc('month', date) AS month, sum(revenue) AS revenue,
                     sum(cost) AS cost, sum(discount) AS discount, sum(channel_fee) AS fee, count(*) AS n
                     FROM read_parquet('{folder}/transactions.parquet') GROUP BY ALL""").fetchall()
elif step == "duckdb_same_sql":
    # custlab's own aggregate SQL (customer months, purchase days), each as one plain
    # query over the raw files, in memory: no validation, no memory cap (unless --bare-cap),
    # no passes over bucket ranges, no storage order. The floor of what the aggregate step computes.
    from custlab.aggregate import facts
    from custlab.engine import dialects
    from custlab.sources.config import load_config
    from custlab.periods import parse_period
    config = load_config(f"{folder}/custlab.toml")
    con = bare_connection()
    for signature, body in dialects.DUCKDB_MACROS.items():
        con.execute(f"CREATE MACRO {signature} AS {body}")
    for view, table in (("tx", "transactions"), ("service", "service"), ("receivables", "receivables")):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{config.sources[table].path}')")
        have = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
        con.execute(f"CREATE VIEW {view}_in AS {facts.canonical_select(view, have)}")
    first, _ = facts.data_months(con)
    end = parse_period(period).end
    last = date(end.year, end.month, 1)
    facts.create_calendar(con, first, last)
    con.execute(f"CREATE TABLE customer_month AS {facts.read_sql('customer_month')}",
                facts.customer_month_parameters(first, last, config.settings))
    parts = {"customer_month_seconds": time.perf_counter() - started}
    con.execute(f"CREATE TABLE purchase_days AS {facts.read_sql('purchase_days')}")
    parts["purchase_days_seconds"] = time.perf_counter() - started - parts["customer_month_seconds"]
elif step == "aggregate":
    from custlab.aggregate import facts
    from custlab.engine import session
    from custlab.sources import validation
    from custlab.sources.config import load_config
    from custlab.periods import parse_period
    config = load_config(f"{folder}/custlab.toml")
    with session.scratch_connection() as con:  # the database the analysis uses
        validation.validate(con, config)
        parts = {"validate_seconds": time.perf_counter() - started}
        facts.prepare_inputs(con)
        first, _ = facts.data_months(con)
        end = parse_period(period).end
        facts.build_customer_month(con, first, date(end.year, end.month, 1), config.settings)
        parts["customer_month_seconds"] = time.perf_counter() - started - parts["validate_seconds"]
        facts.build_purchase_days(con)  # the pipeline's aggregate stage builds both
        parts["aggregate_seconds"] = time.perf_counter() - started - parts["validate_seconds"]
elif step == "analyse":
    from custlab.analysis.pipeline import analyse
    analyse(f"{folder}/custlab.toml", period)
elif step == "report":
    # custlab report runs the analysis and the notebook's kernel in processes of their
    # own: the peak is that of the whole process tree, sampled every half second.
    import os, threading
    from custlab.report.runner import run_report

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

    tree_peak, stage_peak, running, stages = [0], [0], [True], []

    def sample():
        while running[0]:
            now = tree_rss(os.getpid())
            tree_peak[0], stage_peak[0] = max(tree_peak[0], now), max(stage_peak[0], now)
            time.sleep(0.5)

    def log(line):  # each progress line with the peak of all processes since the line before
        stages.append([line, round(max(stage_peak[0], tree_rss(os.getpid())) / 1024**3, 2)])
        stage_peak[0] = 0

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    published = run_report(f"{folder}/custlab.toml", period, out=f"{folder}/reports", log=log)
    running[0] = False
    sampler.join()
    parts = {f"{name}_seconds": seconds for name, seconds in json.loads((published / "run.json").read_text())["timings_seconds"].items()}
    parts["tree_peak_gb"] = tree_peak[0] / 1024**3
    parts["stages"] = stages
print("RESULT " + json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
                  **(parts if step in ("aggregate", "duckdb_same_sql", "report") else {})}))
'''


STEPS = ("generate", "duckdb_groupby", "duckdb_same_sql", "aggregate", "analyse", "report")


def run_step(step: str, folder: str, period: str, *extra: str) -> dict:
    done = subprocess.run([sys.executable, "-c", STEP, step, folder, period, *extra], capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception)\b", line)]
        return {"seconds": float("nan"), "peak_rss_gb": float("nan"), "error": (errors or lines)[-1:]}
    found = re.findall(r"RESULT (\{.*?\})", done.stdout)
    if not found:
        return {"seconds": float("nan"), "peak_rss_gb": float("nan"), "error": ["no result printed"]}
    return json.loads(found[-1])


def _ratio_to_bare(seconds: float, results: dict) -> str:
    """``seconds`` as a multiple of custlab's own aggregate SQL run bare in this run, or "" without it."""
    bare = results.get("duckdb_same_sql", {})
    if "error" in bare or not bare:
        return ""
    return f"{seconds / bare['seconds']:.2f}x the same SQL bare"


def step_note(step: str, results: dict) -> str:
    """What to print beside a step's time: its parts and its ratios to the baselines of the same run
    (the issue's three figures: validate + aggregate and the whole report against the aggregate's
    own SQL run bare, and the report's peak memory over all its processes)."""
    result = results[step]
    if "error" in result:
        return f"failed: {result['error']}"
    if step == "duckdb_same_sql":
        return (f"customer months {result['customer_month_seconds']:.1f} s, "
                f"purchase days {result['purchase_days_seconds']:.1f} s")
    if step == "aggregate":
        aggregate_seconds = result["aggregate_seconds"]
        ratios = [f"{aggregate_seconds / results[baseline]['seconds']:.1f}x {label}"
                  for baseline, label in (("duckdb_groupby", "the bare GROUP BY"), ("duckdb_same_sql", "the same SQL bare"))
                  if baseline in results and "error" not in results[baseline]]
        both = _ratio_to_bare(result["validate_seconds"] + aggregate_seconds, results)
        return (f"validate {result['validate_seconds']:.1f} s + aggregate {aggregate_seconds:.1f} s "
                f"(customer months {result['customer_month_seconds']:.1f} s)" + (f"; aggregate {', '.join(ratios)}" if ratios else "")
                + (f"; validate + aggregate {both}" if both else ""))
    if step == "report":
        result["peak_rss_gb"] = max(result["peak_rss_gb"], result["tree_peak_gb"])
        whole = _ratio_to_bare(result["seconds"], results)
        return (f"analysis {result['analyse_seconds']:.1f} s, notebook {result['notebook_seconds']:.1f} s, "
                f"export {result['export_seconds']:.1f} s; peak over all its processes" + (f"; whole report {whole}" if whole else ""))
    return ""


def run_size(label: str, folder: str, steps: list[str], period: str, size: int | None, bare_cap: str | None) -> None:
    """Run ``steps`` on the demo in ``folder`` (generated first when ``size`` is given) and print a line per step."""
    results: dict[str, dict] = {}
    for step in steps:
        extra = (str(size),) if step == "generate" else ()
        if step in ("duckdb_groupby", "duckdb_same_sql") and bare_cap:
            extra = (bare_cap,)
        results[step] = run_step(step, folder, period, *extra)
        note = step_note(step, results)
        print(f"{label:>12} {step:<16} {results[step]['seconds']:>9.1f} {results[step]['peak_rss_gb']:>8.2f}  {note}", flush=True)
        for line, peak in results[step].get("stages", []):  # the report's stages, with the peak GB of all processes in each
            print(f"{'':>12} {'':<16} {'':>9} {peak:>8.2f}    {line}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--folders", nargs="+", default=[],
                        help="demo folders already written by `custlab demo` to run on instead of generating "
                             "(e.g. a 10M demo, five minutes to write)")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--bare-cap", default=None,
                        help="DuckDB memory limit for the two baselines (e.g. 4GB, the cap the aggregate runs under); "
                             "default none: DuckDB's own default of 80%% of RAM")
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=list(STEPS),
                        help="steps to run (generate always runs for --sizes); e.g. leave out analyse at 10M")
    args = parser.parse_args()
    steps = [step for step in args.steps if step != "generate"]
    print(f"{'customers':>12} {'step':<16} {'wall s':>9} {'peak GB':>8}  note")
    for folder in args.folders:
        run_size(Path(folder).name, folder, steps, args.period, None, args.bare_cap)
    for size in args.sizes if not args.folders else []:
        with tempfile.TemporaryDirectory() as folder:
            run_size(f"{size:,}", folder, ["generate", *steps], args.period, size, args.bare_cap)


if __name__ == "__main__":
    main()
