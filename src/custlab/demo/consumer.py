"""A deterministic synthetic company with planted truth.

``custlab demo`` writes the five input tables of the contract (transactions,
customers, service, receivables, surveys), a ``custlab.toml`` that reads them,
and ``truth.csv``: what was planted for every customer, so that tests can check
that custlab's business rules find it. The rules themselves never read the truth.

What is planted (BRIEF.md): a heavy-tailed customer base whose whale curve peaks
well above 100% of profit; five tiers (key, important, general, maintenance,
invalid); lean "big" customers whose discounts, channel fees, service visits and
long credit eat their margin; one-off bulk buyers; small customers growing fast;
big debtors with large overdue receivables; and customers who reported being
satisfied and then left.

Generation is vectorised per block of customers (numpy), and each block is
appended to the output files, so memory stays bounded and 10 million customers
take minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from custlab.periods import add_months, parse_period

DEFAULT_END_MONTH = "2026-10"
BLOCK = 200_000

# One row per archetype. rate: orders per active month; value: median order value;
# the ratios are shares of revenue; service: events per active month; svc_cost:
# median cost per event; late: mean days paid after due (business customers).
ARCHETYPES = pd.DataFrame(
    [
        # name,          tier,          share, business, start_max, rate, growth, value, sigma, cogs, disc, fee,  service, svc_cost, credit, late
        ("key",          "key",         0.020, 0.75,  6,  2.6, 1.00, 900.0, 0.55, 0.55, 0.03, 0.010, 0.25, 120.0, 30, 2.0),
        ("important",    "important",   0.070, 0.45, 10,  1.3, 1.00, 280.0, 0.55, 0.58, 0.04, 0.020, 0.15,  70.0, 30, 4.0),
        ("general",      "general",     0.330, 0.15, 14,  0.7, 1.00,  85.0, 0.45, 0.60, 0.04, 0.030, 0.05,  35.0, 30, 5.0),
        ("maintenance",  "maintenance", 0.240, 0.05, 23,  0.35, 1.00, 18.0, 0.40, 0.62, 0.03, 0.040, 0.02,  15.0, 30, 5.0),
        ("invalid",      "invalid",     0.165, 0.10,  6,  0.3, 0.97,  30.0, 0.50, 0.70, 0.10, 0.060, 0.60,  90.0, 45, 10.0),
        ("lean_big",     "general",     0.012, 1.00,  6,  2.2, 1.00, 850.0, 0.45, 0.62, 0.19, 0.100, 1.50, 280.0, 90, 25.0),
        ("bulk_one_off", "maintenance", 0.012, 0.50,  0,  0.0, 1.00, 5000.0, 0.35, 0.60, 0.05, 0.020, 0.00,   0.0, 30, 5.0),
        ("rising",       "maintenance", 0.031, 0.20,  0,  0.20, 1.35, 30.0, 0.45, 0.58, 0.03, 0.030, 0.02,  20.0, 30, 5.0),
        ("defector",     "invalid",     0.030, 0.05,  4,  0.7, 1.00,  75.0, 0.45, 0.60, 0.04, 0.030, 0.05,  35.0, 30, 5.0),
    ],
    columns=[
        "name", "tier", "share", "business", "start_max", "rate", "growth", "value", "sigma",
        "cogs", "discount", "fee", "service", "svc_cost", "credit", "late",
    ],
)  # fmt: skip
ARCHETYPES["share"] = ARCHETYPES["share"] / ARCHETYPES["share"].sum()
_CODE = {name: i for i, name in enumerate(ARCHETYPES["name"])}
REGIONS = np.array(["North", "South", "East", "West", "Central"])
CHANNELS = np.array(["direct", "online", "distributor"])
PRODUCTS = np.array(["Standard", "Premium", "Service plan", "Spare parts", "Bulk pack"])
SERVICE_KINDS = np.array(["visit", "repair", "support"])


@dataclass(frozen=True)
class DemoSpec:
    """What to generate.

    Attributes
    ----------
    customers : int
        Number of customers.
    months : int
        Months of history, ending with ``end_month``.
    end_month : str
        Last month of data, ``YYYY-MM``.
    seed : int
        Random seed; the same spec gives byte-identical files.
    file_format : str
        ``parquet`` or ``csv``.
    """

    customers: int = 20_000
    months: int = 24
    end_month: str = DEFAULT_END_MONTH
    seed: int = 42
    file_format: str = "parquet"

    @property
    def first_month(self) -> date:
        """First day of the first month of data."""
        return add_months(parse_period(self.end_month).start, 1 - self.months)


def _month_starts(spec: DemoSpec) -> np.ndarray:
    first = np.datetime64(spec.first_month, "M")
    return (first + np.arange(spec.months + 1)).astype("datetime64[D]")


def _dates(rng: np.random.Generator, month_index: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """A uniformly random day inside each given month."""
    lengths = (starts[1:] - starts[:-1]).astype(int)
    offset = (rng.random(len(month_index)) * lengths[month_index]).astype(int)
    return starts[month_index] + offset


def _block(spec: DemoSpec, block_index: int, first_id: int, size: int) -> dict[str, pd.DataFrame]:
    """Generate ``size`` customers starting at number ``first_id``."""
    rng = np.random.default_rng([spec.seed, block_index])
    months = spec.months
    starts = _month_starts(spec)
    data_end = starts[-1] - np.timedelta64(1, "D")
    arch = ARCHETYPES
    code = rng.choice(len(arch), size=size, p=arch["share"].to_numpy())
    a = {column: arch[column].to_numpy()[code] for column in arch.columns if column not in ("name", "tier")}
    business = rng.random(size) < a["business"]
    # When each customer starts buying, and (for leavers) the month they leave.
    start = np.floor(rng.random(size) * (np.minimum(a["start_max"], months - 1) + 1)).astype(int)
    rising = code == _CODE["rising"]
    start[rising] = rng.integers(int(months * 0.45), int(months * 0.65) + 1, rising.sum())
    bulk = code == _CODE["bulk_one_off"]
    start[bulk] = rng.integers(int(months * 0.50), max(int(months * 0.75), int(months * 0.50) + 1), bulk.sum())
    churn = np.full(size, months)
    defector = code == _CODE["defector"]
    churn[defector] = rng.integers(int(months * 0.30), int(months * 0.50) + 1, defector.sum())
    general_leaver = (code == _CODE["general"]) & (rng.random(size) < 0.08)
    churn[general_leaver] = rng.integers(int(months * 0.30), int(months * 0.50) + 1, general_leaver.sum())
    # Customer-level heterogeneity: how often and how much each customer buys.
    rate_mult = rng.gamma(10.0, 0.1, size)
    value_mult = rng.lognormal(0.0, 0.2, size)
    month_grid = np.arange(months)[None, :]
    active = (month_grid >= start[:, None]) & (month_grid < churn[:, None])
    age = np.clip(month_grid - start[:, None], 0, None)
    rates = a["rate"][:, None] * rate_mult[:, None] * a["growth"][:, None] ** age * active
    counts = rng.poisson(rates)
    counts[bulk, :] = 0
    counts[bulk, start[bulk]] = 1
    # Every customer in the base has bought at least once: first order in its start month.
    counts[np.arange(size), start] = np.maximum(counts[np.arange(size), start], 1)

    # --- transactions -------------------------------------------------------------
    cust_idx, month_idx = np.nonzero(counts)
    per_cell = counts[cust_idx, month_idx]
    cust = np.repeat(cust_idx, per_cell)
    month = np.repeat(month_idx, per_cell)
    n = len(cust)
    order_date = _dates(rng, month, starts)
    growth_value = np.where(rising[cust], 1.03 ** (month - start[cust]), 1.0)
    revenue = a["value"][cust] * value_mult[cust] * growth_value * rng.lognormal(0.0, a["sigma"][cust], n)
    revenue = np.round(revenue, 2)
    noise = rng.uniform(0.9, 1.1, (3, n))
    cost = np.round(revenue * a["cogs"][cust] * noise[0], 2)
    discount = np.round(revenue * a["discount"][cust] * noise[1], 2)
    fee = np.round(revenue * a["fee"][cust] * noise[2], 2)
    channel = np.where(code[cust] == _CODE["lean_big"], 2, rng.integers(0, 2, n))
    ids = first_id + np.arange(size)
    customer_ids = np.char.add("C", np.char.zfill(ids.astype(str), 8))
    order_ids = np.char.add(f"O{block_index:04d}-", np.arange(n).astype(str))
    region_of = rng.integers(0, len(REGIONS), size)
    transactions = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": customer_ids[cust],
            "date": order_date,
            "product": PRODUCTS[np.where(bulk[cust], 4, rng.integers(0, 4, n))],
            "quantity": np.maximum(1, np.round(revenue / 25.0)).astype(int),
            "revenue": revenue,
            "cost": cost,
            "discount": discount,
            "channel_fee": fee,
            "channel": CHANNELS[channel],
            "region": REGIONS[region_of[cust]],
        }
    )
    # A few returns: a credit line with negative revenue and cost, some days later.
    returned = rng.random(n) < 0.015
    if returned.any():
        back = transactions.loc[returned].copy()
        back["date"] = np.minimum(back["date"].to_numpy() + rng.integers(3, 20, returned.sum()).astype("timedelta64[D]"), data_end)
        back["order_id"] = back["order_id"] + "-R"
        for column in ("revenue", "cost", "discount", "channel_fee"):
            back[column] = -back[column] if column in ("revenue", "cost") else 0.0
        back["quantity"] = -back["quantity"]
        transactions = pd.concat([transactions, back], ignore_index=True)

    # --- receivables: business customers are invoiced with credit terms -------------
    big_debtor = business & np.isin(code, [_CODE["key"], _CODE["important"]]) & (rng.random(size) < 0.12)
    credit_days = np.where(business, a["credit"], 0).astype(int)
    invoiced = business[cust] & (revenue > 0)
    inv_cust = cust[invoiced]
    issued = order_date[invoiced]
    m = len(inv_cust)
    due = issued + credit_days[inv_cust].astype("timedelta64[D]")
    delay = np.round(rng.normal(a["late"][inv_cust], 8.0, m)).astype(int)
    delay = np.maximum(delay, -credit_days[inv_cust])
    paid = due + delay.astype("timedelta64[D]")
    # Big debtors stop paying a large share of their invoices in the last months.
    recent = issued >= starts[max(months - 9, 0)]
    unpaid = big_debtor[inv_cust] & recent & (rng.random(m) < 0.6)
    paid_series = pd.Series(paid)
    paid_series[unpaid | (paid > data_end)] = pd.NaT
    receivables = pd.DataFrame(
        {
            "invoice_id": np.char.add("INV-", order_ids[invoiced]),
            "customer_id": customer_ids[inv_cust],
            "amount": np.round(revenue[invoiced] - discount[invoiced], 2),
            "issued": issued,
            "due": due,
            "paid": paid_series.to_numpy(),
        }
    )

    # --- service events ---------------------------------------------------------------
    active_months = active.sum(axis=1)
    active_months[bulk] = 0
    events = rng.poisson(a["service"] * rate_mult * active_months)
    s_cust = np.repeat(np.arange(size), events)
    span = np.maximum(np.minimum(churn, months) - start, 1)
    s_month = start[s_cust] + (rng.random(len(s_cust)) * span[s_cust]).astype(int)
    s_month = np.minimum(s_month, months - 1)
    service = pd.DataFrame(
        {
            "customer_id": customer_ids[s_cust],
            "date": _dates(rng, s_month, starts),
            "kind": SERVICE_KINDS[rng.integers(0, 3, len(s_cust))],
            "cost": np.round(a["svc_cost"][s_cust] * rng.lognormal(0.0, 0.4, len(s_cust)), 2),
        }
    )

    # --- satisfaction surveys (1-5) -------------------------------------------------
    mean_score = np.select(
        [code == _CODE[k] for k in ("key", "important", "invalid", "lean_big", "defector")],
        [4.2, 3.9, 3.0, 3.1, 4.5],
        default=3.7,
    )
    surveyed = (rng.random(size) < 0.35) | defector | general_leaver
    n_surveys = np.where(surveyed, rng.integers(1, 3, size), 0)
    v_cust = np.repeat(np.arange(size), n_surveys)
    last_active = np.minimum(churn, months) - 1
    v_span = np.maximum(last_active - start + 1, 1)
    v_month = start[v_cust] + (rng.random(len(v_cust)) * v_span[v_cust]).astype(int)
    score = np.clip(np.round(rng.normal(mean_score[v_cust], 0.7)), 1, 5).astype(int)
    score[defector[v_cust]] = np.maximum(score[defector[v_cust]], 4)
    surveys = pd.DataFrame(
        {"customer_id": customer_ids[v_cust], "date": _dates(rng, v_month, starts), "satisfaction": score, "scale": "1-5"}
    )
    max_score = np.zeros(size)
    np.maximum.at(max_score, v_cust, score)
    left = churn < months

    # --- customers table and truth --------------------------------------------------
    names = np.where(
        business,
        np.char.add(np.char.add("Business ", np.char.zfill(ids.astype(str), 8)), np.where(ids % 97 == 0, " & Sons <Ltd>", " Ltd")),
        "",
    )
    since = starts[start] - rng.integers(0, 400, size).astype("timedelta64[D]")
    customers = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "kind": np.where(business, "business", "consumer"),
            "name": pd.Series(names).replace("", None),
            "region": REGIONS[region_of],
            "since": since,
            "credit_days": credit_days,
        }
    )
    # Customers who left before the end have no profit and no potential left.
    planted_tier = np.where(left, "invalid", arch["tier"].to_numpy()[code])
    truth = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "archetype": arch["name"].to_numpy()[code],
            "planted_tier": planted_tier,
            "lean_big": code == _CODE["lean_big"],
            "bulk_one_off": bulk,
            "rising": rising,
            "big_debtor": big_debtor,
            "satisfied_defector": left & (max_score >= 4),
        }
    )
    transactions = transactions.sort_values(["date", "order_id"], kind="stable", ignore_index=True)
    return {
        "transactions": transactions,
        "customers": customers,
        "service": service.sort_values("date", kind="stable", ignore_index=True),
        "receivables": receivables,
        "surveys": surveys.sort_values("date", kind="stable", ignore_index=True),
        "truth": truth,
    }


# --- writing ------------------------------------------------------------------------

TABLE_NAMES = ("transactions", "customers", "service", "receivables", "surveys")
_DATE_COLUMNS = {"date", "since", "issued", "due", "paid"}


def _arrow_table(frame: pd.DataFrame):
    import pyarrow as pa

    arrays, names = [], []
    for column in frame.columns:
        values = frame[column]
        if column in _DATE_COLUMNS:
            array = pa.array(values.to_numpy().astype("datetime64[D]"), type=pa.date32(), from_pandas=True)
        elif values.dtype == object or str(values.dtype).startswith(("string", "str")):
            array = pa.array(values.astype(object).where(values.notna(), None).tolist(), type=pa.string())
        else:
            array = pa.array(values.to_numpy())
        arrays.append(array)
        names.append(column)
    return pa.Table.from_arrays(arrays, names=names)


class _Writer:
    """Appends blocks of one table to a Parquet or csv file."""

    def __init__(self, path: Path, file_format: str):
        self.path, self.format, self.writer, self.started = path, file_format, None, False

    def write(self, frame: pd.DataFrame) -> None:
        if self.format == "parquet":
            import pyarrow.parquet as pq

            table = _arrow_table(frame)
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self.writer.write_table(table)
        else:
            out = frame.copy()
            for column in _DATE_COLUMNS & set(out.columns):
                out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
            out.to_csv(self.path, mode="a" if self.started else "w", header=not self.started, index=False)
        self.started = True

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def config_text(spec: DemoSpec) -> str:
    """The ``custlab.toml`` that reads a demo company written with ``spec``."""
    ext = "parquet" if spec.file_format == "parquet" else "csv"
    sources = "\n".join(f'[sources.{name}]\npath = "{name}.{ext}"\n' for name in TABLE_NAMES)
    return f"""# Written by `custlab demo` ({spec.customers:,} customers, {spec.months} months to {spec.end_month},
# seed {spec.seed}). The config of the synthetic demo company: every source uses
# the canonical column names, so no [columns] mapping is needed.
[company]
name = "Demo Company"
currency = "EUR"

{sources}
[settings]
window_months = 12
cost_of_capital = 0.08
satisfaction_scale = [1, 5]

[settings.ecl_rates]
current = 0.005
"1-30" = 0.02
"31-60" = 0.05
"61-90" = 0.15
"over 90" = 0.50
"""


def generate(out_dir: str | Path, spec: DemoSpec = DemoSpec(), progress: bool = True) -> dict[str, int]:
    """Write the demo company to ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Folder to write (created). Existing demo files in it are replaced.
    spec : DemoSpec
        Size, months, end month, seed and file format.
    progress : bool
        Show a progress bar on standard error.

    Returns
    -------
    dict
        Rows written per table.
    """
    from tqdm.auto import tqdm

    if spec.customers < 1 or spec.months < 6:
        raise ValueError("a demo company needs at least 1 customer and 6 months")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ext = "parquet" if spec.file_format == "parquet" else "csv"
    writers = {name: _Writer(out / f"{name}.{ext}", spec.file_format) for name in TABLE_NAMES}
    writers["truth"] = _Writer(out / "truth.csv", "csv")
    counts = dict.fromkeys(writers, 0)
    blocks = range(0, spec.customers, BLOCK)
    try:
        with tqdm(total=spec.customers, unit="customers", disable=not progress, desc="custlab demo") as bar:
            for index, first in enumerate(blocks):
                size = min(BLOCK, spec.customers - first)
                for name, frame in _block(spec, index, first + 1, size).items():
                    writers[name].write(frame)
                    counts[name] += len(frame)
                bar.update(size)
    finally:
        for writer in writers.values():
            writer.close()
    (out / "custlab.toml").write_text(config_text(spec), encoding="utf-8")
    return counts
