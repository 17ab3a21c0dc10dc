"""custlab.clv against lifetimes, step by step, on the same synthetic customers.

Usage (lifetimes lives only in the benchmark's own environment, never in custlab's):

    make bench-clv                       # 1,000,000 customers
    python benchmarks/clv_vs_lifetimes.py --customers 100000

The transactions are the demo company's (custlab demo), so the data are heavy
tailed like a real customer base. Each step is timed for both libraries on the
same input, and the results are compared: RFM summaries exactly, fitted
parameters to 1e-3 relative, total 12-month CLV to 1e-3 relative.

BG/NBD and MBG/NBD are fitted on the demo's summary. The demo's customers drop
out at one common rate, which puts the Pareto/NBD and BG/BB maxima on an edge of
their parameter space (no spread in drop-out: s, beta or gamma, delta run off to
infinity together), where parameters cannot be compared. So those two are fitted
on customers simulated from their own model with the published CDNOW and
donations parameters. Pareto/NBD uses ``--pareto-customers`` (100,000 by
default): lifetimes evaluates its likelihood with a hypergeometric series per
customer and its fit takes minutes at a million. It runs twice: on times in whole
days (as the RFM summary of dated transactions gives them: identical rows merge)
and on continuous times (every row distinct).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from custlab.clv import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
    customer_lifetime_value,
    rfm_summary,
)
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
    parser.add_argument("--pareto-customers", type=int, default=100_000)
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

    rows.append(compare_fits("MBG/NBD fit", ModifiedBetaGeoFitter, lifetimes.ModifiedBetaGeoFitter, (x, t_x, age)))
    pareto = simulated_pareto_nbd(args.pareto_customers, args.seed)
    in_days = pareto.assign(recency=(pareto["recency"] * 7).round() / 7, T=(pareto["T"] * 7).round() / 7)
    for label, data in (("days", in_days), ("continuous", pareto)):
        rows.append(compare_fits(f"Pareto/NBD fit ({len(data):,}, {label})", ParetoNBDFitter, lifetimes.ParetoNBDFitter,
                                 (data["frequency"], data["recency"], data["T"])))  # fmt: skip
    occasions = simulated_bg_bb(args.customers, args.seed)
    rows.append(compare_fits(f"BG/BB fit ({len(occasions):,})", BetaGeoBetaBinomFitter, lifetimes.BetaGeoBetaBinomFitter,
                             (occasions["frequency"], occasions["recency"], occasions["n_periods"])))  # fmt: skip

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

    print(f"{'step':<40}{'custlab s':>11}{'lifetimes s':>13}{'speed-up':>10}  agreement")
    for step, ours_s, theirs_s, note in rows:
        print(f"{step:<40}{ours_s:>11.2f}{theirs_s:>13.2f}{theirs_s / ours_s:>9.1f}x  {note}")
    print(f"floor of the RFM summary: DuckDB's GROUP BY customer, day alone takes {floor:.2f} s")


def compare_fits(label: str, ours, theirs, data: tuple) -> tuple:
    """Fit custlab's and lifetimes' version of a model on the same data: the timings and how far the parameters differ."""
    mine, t_ours = timed(lambda: ours().fit(*data))
    other, t_theirs = timed(lambda: theirs().fit(*data))
    names = list(mine.params_.index)
    diff = np.max(np.abs(mine.params_[names].to_numpy() / other.params_[names].to_numpy() - 1))
    return label, t_ours, t_theirs, f"max rel. param diff {diff:.1e}"


def simulated_pareto_nbd(customers: int, seed: int, r=0.553, alpha=10.578, s=0.606, beta=11.669, weeks=78.0) -> pd.DataFrame:
    """Pareto/NBD customers (CDNOW's published parameters), observed for a uniform 1 to ``weeks`` weeks:
    purchase rate ~ Gamma(r, alpha), drop-out rate ~ Gamma(s, beta), lifetime exponential."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(1.0, weeks, customers)
    rate = rng.gamma(r, 1 / alpha, customers)
    lifetime = rng.exponential(1 / rng.gamma(s, 1 / beta, customers))
    active = np.minimum(lifetime, age)
    frequency = rng.poisson(rate * active)
    # the last of n uniform times on (0, active) is active * U^(1/n)
    recency = np.where(frequency > 0, active * rng.uniform(size=customers) ** (1 / np.maximum(frequency, 1)), 0.0)
    return pd.DataFrame({"frequency": frequency.astype(float), "recency": recency, "T": age})


def simulated_bg_bb(customers: int, seed: int, alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, most=24) -> pd.DataFrame:
    """BG/BB customers (the donations data's published parameters) with 1 to ``most`` occasions:
    each occasion a customer still alive transacts with probability p ~ Beta(alpha, beta), and
    after it drops out with probability theta ~ Beta(gamma, delta)."""
    rng = np.random.default_rng(seed)
    n_periods = rng.integers(1, most + 1, customers)
    p, theta = rng.beta(alpha, beta, customers), rng.beta(gamma, delta, customers)
    alive = np.ones(customers, dtype=bool)
    frequency, recency = np.zeros(customers, dtype=int), np.zeros(customers, dtype=int)
    for period in range(1, most + 1):
        alive &= (rng.uniform(size=customers) >= theta) & (period <= n_periods)
        bought = alive & (rng.uniform(size=customers) < p)
        frequency += bought
        recency[bought] = period
    return pd.DataFrame({"frequency": frequency, "recency": recency, "n_periods": n_periods})


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
