"""custlab.clv against lifetimes, step by step, on the same synthetic customers.

Usage (lifetimes lives only in the benchmark's own environment, never in custlab's):

    make bench-clv                       # 1,000,000 customers
    python benchmarks/clv_vs_lifetimes.py --customers 100000

The transactions are the demo company's (custlab demo), so the data are heavy
tailed like a real customer base. Each step is timed for both libraries on the
same input, and the results are compared: RFM summaries exactly, fitted
parameters to 1e-3 relative, total 12-month CLV to 1e-3 relative.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from custlab.clv import BetaGeoFitter, GammaGammaFitter, customer_lifetime_value, rfm_summary
from custlab.demo import DemoSpec, generate


def timed(function):
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def main() -> None:
    import lifetimes
    from lifetimes.utils import summary_data_from_transaction_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        generate(folder, DemoSpec(customers=args.customers, seed=args.seed), progress=False)
        tx = pd.read_parquet(Path(folder) / "transactions.parquet", columns=["customer_id", "date", "revenue"])
    tx["date"] = pd.to_datetime(tx["date"])
    tx = tx[tx["revenue"] > 0]
    end = tx["date"].max()
    print(f"{args.customers:,} customers, {len(tx):,} transactions; lifetimes {lifetimes.__version__}")
    rows = []

    ours, t_ours = timed(lambda: rfm_summary(tx, "customer_id", "date", "revenue", observation_end=end, freq="D", freq_multiplier=7))
    theirs, t_theirs = timed(lambda: summary_data_from_transaction_data(
        tx, "customer_id", "date", "revenue", observation_period_end=end, freq="D", freq_multiplier=7))
    theirs = theirs.reindex(ours.index)
    agree = all(np.allclose(ours[c], theirs[c], rtol=1e-9, atol=1e-9) for c in ["frequency", "recency", "T", "monetary_value"])
    rows.append(("RFM summary", t_ours, t_theirs, "identical" if agree else "DIFFERENT"))
    floor = merge_same_day_purchases_alone(tx)

    x, t_x, age = ours["frequency"], ours["recency"], ours["T"]
    bgf, t_ours = timed(lambda: BetaGeoFitter().fit(x, t_x, age))
    lbgf, t_theirs = timed(lambda: lifetimes.BetaGeoFitter().fit(x, t_x, age))
    diff = np.max(np.abs(bgf.params_[["r", "alpha", "a", "b"]].to_numpy() / lbgf.params_[["r", "alpha", "a", "b"]].to_numpy() - 1))
    rows.append(("BG/NBD fit", t_ours, t_theirs, f"max rel. param diff {diff:.1e}"))

    repeat = (x > 0) & (ours["monetary_value"] > 0)
    ggf, t_ours = timed(lambda: GammaGammaFitter().fit(x[repeat], ours.loc[repeat, "monetary_value"]))
    lggf, t_theirs = timed(lambda: lifetimes.GammaGammaFitter().fit(x[repeat], ours.loc[repeat, "monetary_value"]))
    diff = np.max(np.abs(ggf.params_[["p", "q", "v"]].to_numpy() / lggf.params_[["p", "q", "v"]].to_numpy() - 1))
    rows.append(("Gamma-Gamma fit", t_ours, t_theirs, f"max rel. param diff {diff:.1e}"))

    def ours_clv():
        spend = ggf.conditional_expected_average_profit(x, ours["monetary_value"])
        return customer_lifetime_value(bgf, x, t_x, age, spend, margin=1.0, discount_rate=0.01,
                                       discount_unit="monthly", horizon_months=12, time_units_per_month=4.345)

    clv_ours, t_ours = timed(ours_clv)
    clv_theirs, t_theirs = timed(lambda: lggf.customer_lifetime_value(
        lbgf, x, t_x, age, ours["monetary_value"], time=12, discount_rate=0.01, freq="W"))
    diff = abs(clv_ours.sum() / clv_theirs.sum() - 1)
    rows.append(("12-month CLV", t_ours, t_theirs, f"rel. diff of totals {diff:.1e}"))

    print(f"{'step':<18}{'custlab s':>11}{'lifetimes s':>13}{'speed-up':>10}  agreement")
    for step, ours_s, theirs_s, note in rows:
        print(f"{step:<18}{ours_s:>11.2f}{theirs_s:>13.2f}{theirs_s / ours_s:>9.1f}x  {note}")
    print(f"floor of the RFM summary: DuckDB's GROUP BY customer, day alone takes {floor:.2f} s")


def merge_same_day_purchases_alone(tx: pd.DataFrame) -> float:
    """Seconds DuckDB takes for the first of the RFM summary's two aggregations
    alone (one row per customer and day), on the same Arrow columns: the floor
    of any exact summary built on it."""
    import duckdb
    import pyarrow as pa

    source = pa.table({"customer": pa.array(tx["customer_id"]), "ts": pa.array(tx["date"]), "value": pa.array(tx["revenue"])})
    con = duckdb.connect()
    con.register("source", source)
    _, seconds = timed(lambda: con.execute(
        "CREATE TEMP TABLE days AS SELECT customer, CAST(ts AS DATE) AS d, sum(value) AS value FROM source GROUP BY ALL"))
    con.close()
    return seconds


if __name__ == "__main__":
    main()
