"""Small companies with a known shape, written as a real export would be: a csv log and a config.

Each writer returns the path of the company's custlab.toml.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

END = pd.Timestamp("2026-10-31")


def write_regular_buyers(folder: Path, customers: int = 600, months: int = 30, seed: int = 5) -> Path:
    """A retailer whose customers buy at steady (gamma-spread Poisson) rates and none has left.

    Customers join evenly over the first half of the history and keep buying
    to the end, so the calibration window shows no drop-out: the BG/NBD
    maximum lies on the edge where drop-out vanishes (``a`` -> 0 or ``b`` -> ∞).
    """
    rng = np.random.default_rng(seed)
    start = END - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    days = (END - start).days
    rows = []
    for number, rate in enumerate(rng.gamma(4.0, 1 / 8.0, customers) / 7):  # purchases per day
        first = int(rng.integers(0, days // 2))
        times = first + np.cumsum(np.concatenate([[0.0], rng.exponential(1 / rate, 400)]))
        for when in np.unique(times[times < days].astype(int)):
            rows.append((f"R{number:04d}", start + pd.Timedelta(days=int(when)), round(float(rng.gamma(3.0, 20.0)), 2)))
    log = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    folder.mkdir(parents=True, exist_ok=True)
    log.assign(date=log["date"].dt.strftime("%Y-%m-%d")).to_csv(folder / "orders.csv", index=False)
    config = folder / "custlab.toml"
    config.write_text(
        '[company]\nname = "Regular buyers"\ncurrency = "EUR"\n\n'
        '[sources.transactions]\npath = "orders.csv"\n\n'
        '[sources.transactions.columns]\ncustomer_id = "customer_id"\ndate = "date"\nrevenue = "amount"\n\n'
        "[settings]\ndefault_gross_margin = 0.3\n",
        encoding="utf-8",
    )
    return config
