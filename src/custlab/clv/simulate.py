"""Customers simulated from the purchase models: what ``generate_new_data`` returns.

Each function draws ``size`` customers (or one per entry of ``T`` when ``T``
is an array) with the model's latent rates and returns lifetimes' columns:
``frequency, recency, T`` plus the latent values and whether the customer is
still alive at ``T``. Seeded through ``seed`` for tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _ages(T, size: int) -> np.ndarray:
    ages = np.asarray(T, dtype=float)
    return np.full(size, float(ages)) if ages.ndim == 0 else ages


def _purchases(rng: np.random.Generator, rate: float, end: float, drop_after_each: float | None) -> tuple[int, float, bool]:
    """Repeat purchases of one customer up to ``end``: (count, time of the last, alive at the end)."""
    times, alive = 0.0, True
    count, last = 0, 0.0
    while True:
        times += rng.exponential(1.0 / rate)
        if times > end:
            break
        count, last = count + 1, times
        if drop_after_each is not None and rng.random() < drop_after_each:
            alive = False
            break
    return count, last, alive


def beta_geometric_nbd_model(T, r: float, alpha: float, a: float, b: float, size: int = 1, seed: int | None = None) -> pd.DataFrame:
    """BG/NBD customers: rate ~ Gamma(r, alpha), drop-out after each repeat purchase ~ Beta(a, b)."""
    ages = _ages(T, size)
    rng = np.random.default_rng(seed)
    rates, drops = rng.gamma(r, 1.0 / alpha, len(ages)), rng.beta(a, b, len(ages))
    rows = [_purchases(rng, rates[i], ages[i], drops[i]) for i in range(len(ages))]
    return _frame(rows, ages, {"lambda": rates, "p": drops})


def modified_beta_geometric_nbd_model(T, r: float, alpha: float, a: float, b: float, size: int = 1,
                                      seed: int | None = None) -> pd.DataFrame:  # fmt: skip
    """MBG/NBD customers: as BG/NBD, and a customer may also drop out right after the first purchase."""
    ages = _ages(T, size)
    rng = np.random.default_rng(seed)
    rates, drops = rng.gamma(r, 1.0 / alpha, len(ages)), rng.beta(a, b, len(ages))
    rows = []
    for i in range(len(ages)):
        rows.append((0, 0.0, False) if rng.random() < drops[i] else _purchases(rng, rates[i], ages[i], drops[i]))
    return _frame(rows, ages, {"lambda": rates, "p": drops})


def pareto_nbd_model(T, r: float, alpha: float, s: float, beta: float, size: int = 1, seed: int | None = None) -> pd.DataFrame:
    """Pareto/NBD customers: rate ~ Gamma(r, alpha), lifetime ~ Exponential(mu), mu ~ Gamma(s, beta)."""
    ages = _ages(T, size)
    rng = np.random.default_rng(seed)
    rates, deaths = rng.gamma(r, 1.0 / alpha, len(ages)), rng.gamma(s, 1.0 / beta, len(ages))
    lifetimes = rng.exponential(1.0 / deaths)
    rows = []
    for i in range(len(ages)):
        count, last, _ = _purchases(rng, rates[i], min(ages[i], lifetimes[i]), None)
        rows.append((count, last, lifetimes[i] > ages[i]))
    return _frame(rows, ages, {"lambda": rates, "mu": deaths})


def beta_geometric_beta_binom_model(N, alpha: float, beta: float, gamma: float, delta: float, size: int = 1,
                                    seed: int | None = None) -> pd.DataFrame:  # fmt: skip
    """BG/BB customers over ``N`` discrete opportunities: buy with p ~ Beta(alpha, beta) while alive,
    drop out before each opportunity with theta ~ Beta(gamma, delta)."""
    periods = _ages(N, size).astype(int)
    rng = np.random.default_rng(seed)
    buys, drops = rng.beta(alpha, beta, len(periods)), rng.beta(gamma, delta, len(periods))
    rows = []
    for i, n in enumerate(periods):
        count, last, alive = 0, 0, True
        for period in range(1, n + 1):
            if rng.random() < drops[i]:
                alive = False
                break
            if rng.random() < buys[i]:
                count, last = count + 1, period
        rows.append((count, last, alive))
    frame = pd.DataFrame(rows, columns=["frequency", "recency", "alive"])
    frame.insert(2, "n_periods", periods)
    return frame.assign(p=buys, theta=drops, customer_id=np.arange(len(periods)))


def _frame(rows: list[tuple], ages: np.ndarray, latent: dict) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["frequency", "recency", "alive"]).astype({"frequency": float, "recency": float})
    frame.insert(2, "T", ages)
    return frame.assign(**latent, customer_id=np.arange(len(ages)))
