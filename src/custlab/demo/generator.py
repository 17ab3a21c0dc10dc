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

from custlab.demo.profiles import CONSUMER_ARCHETYPES, PROFILES, Profile
from custlab.periods import add_months, parse_period

DEFAULT_END_MONTH = "2026-10"
BLOCK = 200_000

ARCHETYPES = CONSUMER_ARCHETYPES  # every profile has these archetypes, in this order
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
    profile : str
        ``consumer`` or ``business`` (:data:`custlab.demo.profiles.PROFILES`).
    """

    customers: int = 20_000
    months: int = 24
    end_month: str = DEFAULT_END_MONTH
    seed: int = 42
    file_format: str = "parquet"
    profile: str = "consumer"

    @property
    def company(self) -> Profile:
        """What the profile plants."""
        return PROFILES[self.profile]

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


@dataclass
class _Base:
    """The planted customers of one block: archetypes, lifetimes and monthly purchase counts."""

    code: np.ndarray
    a: dict[str, np.ndarray]
    business: np.ndarray
    start: np.ndarray
    churn: np.ndarray
    rising: np.ndarray
    bulk: np.ndarray
    defector: np.ndarray
    general_leaver: np.ndarray
    silent: np.ndarray
    rate_mult: np.ndarray
    value_mult: np.ndarray
    active: np.ndarray
    counts: np.ndarray
    customer_ids: np.ndarray
    ids: np.ndarray
    anchors: np.ndarray
    price_pressure: np.ndarray
    cost_to_serve: np.ndarray
    territory: np.ndarray


def _plan_base(rng: np.random.Generator, spec: DemoSpec, first_id: int, size: int) -> _Base:
    """Who each customer is, when it starts and leaves, and how many orders it places each month."""
    months, arch = spec.months, spec.company.archetypes
    code = rng.choice(len(arch), size=size, p=arch["share"].to_numpy())
    anchors = _anchors(spec, first_id, size)
    code[anchors] = _CODE["key"]
    a = {column: arch[column].to_numpy()[code] for column in arch.columns if column not in ("name", "tier")}
    business = rng.random(size) < a["business"]
    # When each customer starts buying, and (for leavers) the month they leave.
    start = np.floor(rng.random(size) * (np.minimum(a["start_max"], months - 1) + 1)).astype(int)
    start[anchors] = 0
    rising = code == _CODE["rising"]
    start[rising] = rng.integers(int(months * 0.45), int(months * 0.65) + 1, rising.sum())
    bulk = code == _CODE["bulk_one_off"]
    start[bulk] = rng.integers(int(months * 0.50), max(int(months * 0.75), int(months * 0.50) + 1), bulk.sum())
    churn = np.full(size, months)
    defector = code == _CODE["defector"]
    churn[defector] = rng.integers(int(months * 0.30), int(months * 0.50) + 1, defector.sum())
    general_leaver = (code == _CODE["general"]) & (rng.random(size) < 0.08)
    churn[general_leaver] = rng.integers(int(months * 0.30), int(months * 0.50) + 1, general_leaver.sum())
    silent, silent_months = _silent_accounts(spec, first_id, code, anchors)
    churn[silent] = months - silent_months
    # Customer-level heterogeneity: how often and how much each customer buys.
    rate_mult = rng.gamma(10.0, 0.1, size)
    value_mult = rng.lognormal(0.0, 0.2, size)
    month_grid = np.arange(months)[None, :]
    active = (month_grid >= start[:, None]) & (month_grid < churn[:, None])
    age = np.clip(month_grid - start[:, None], 0, None)
    counts = rng.poisson(a["rate"][:, None] * rate_mult[:, None] * a["growth"][:, None] ** age * active)
    counts[bulk, :] = 0
    counts[bulk, start[bulk]] = 1
    # Every customer in the base has bought at least once: first order in its start month.
    counts[np.arange(size), start] = np.maximum(counts[np.arange(size), start], 1)
    ids = first_id + np.arange(size)
    customer_ids = np.char.add("C", np.char.zfill(ids.astype(str), 8))
    plants = _trend_plants(spec, first_id, code, anchors | silent | (start > months - 2 * TREND_MONTHS))
    return _Base(code, a, business, start, churn, rising, bulk, defector, general_leaver, silent, rate_mult, value_mult,
                 active, counts, customer_ids, ids, anchors, *plants)  # fmt: skip


#: How many months before the end silent accounts stop buying (fewer than the lapse of 6 months: they keep their tier).
SILENT_MONTHS = (4, 5)
#: The months over which planted trends (price pressure, cost to serve, territory) show: the last window.
TREND_MONTHS = 12
#: Extra discount, in points of revenue, of an account under price pressure over the last window.
PRESSURE_POINTS = 0.06
#: Service visits of an account with a rising cost to serve: this many times its usual rate more, at least two a month.
EXTRA_SERVICE_FACTOR, MIN_EXTRA_SERVICE = 5.0, 2.0
#: Share of the lines of an account buying outside its territory that are delivered elsewhere.
OUTSIDE_SHARE = 0.6


def _anchors(spec: DemoSpec, first_id: int, size: int) -> np.ndarray:
    """The anchor accounts (dependence): the first customers of the company, key from month one."""
    anchors = np.zeros(size, dtype=bool)
    if first_id == 1:
        anchors[: min(len(spec.company.anchor_shares), size)] = True
    return anchors


def _silent_accounts(spec: DemoSpec, first_id: int, code: np.ndarray, anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Key and important customers who go silent ``SILENT_MONTHS`` before the end (churn that a tier
    judged over time does not see yet), and their months of silence.

    Drawn from a stream of their own, so that planting them changes no other customer's draws
    before the monthly orders.
    """
    rng = np.random.default_rng([spec.seed, first_id, 11])
    watched = np.isin(code, [_CODE[name] for name in spec.company.silent_archetypes]) & ~anchors
    silent = watched & (rng.random(len(code)) < spec.company.silent_share)
    return silent, rng.integers(SILENT_MONTHS[0], SILENT_MONTHS[1] + 1, silent.sum())


def _trend_plants(spec: DemoSpec, first_id: int, code: np.ndarray, taken: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Key and important accounts under price pressure, and with a rising cost to serve (disjoint;
    neither anchors nor silent, and customers for the whole window before, which the trend is
    measured against), and accounts buying outside their territory, from a stream of their own:
    the other customers' draws do not change."""
    company = spec.company
    rng = np.random.default_rng([spec.seed, first_id, 13])
    watched = ((code == _CODE["key"]) | (code == _CODE["important"])) & ~taken
    draw = rng.random(len(code))
    pressure = watched & (draw < company.price_pressure_share)
    rising = watched & ~pressure & (draw >= company.price_pressure_share) & (draw < company.price_pressure_share + company.cost_to_serve_share)
    steady = np.isin(code, [_CODE["key"], _CODE["important"], _CODE["general"]]) & ~taken
    territory = steady & (rng.random(len(code)) < company.territory_share)
    if spec.months < 2 * TREND_MONTHS:  # no window before the last to compare with: nothing to plant
        pressure[:], rising[:] = False, False
    return pressure, rising, territory


def _transactions(rng: np.random.Generator, spec: DemoSpec, block_index: int, base: _Base) -> tuple[pd.DataFrame, dict]:
    """Order lines (with a few returns), and what the receivables and customers tables reuse."""
    starts = _month_starts(spec)
    a, code = base.a, base.code
    cust_idx, month_idx = np.nonzero(base.counts)
    per_cell = base.counts[cust_idx, month_idx]
    cust, month = np.repeat(cust_idx, per_cell), np.repeat(month_idx, per_cell)
    n = len(cust)
    order_date = _dates(rng, month, starts)
    growth_value = np.where(base.rising[cust], 1.03 ** (month - base.start[cust]), 1.0)
    revenue = np.round(a["value"][cust] * base.value_mult[cust] * growth_value * rng.lognormal(0.0, a["sigma"][cust], n), 2)
    noise = rng.uniform(0.9, 1.1, (3, n))
    cost = np.round(revenue * a["cogs"][cust] * noise[0], 2)
    discount = np.round(revenue * a["discount"][cust] * noise[1], 2)
    fee = np.round(revenue * a["fee"][cust] * noise[2], 2)
    channel = np.where(code[cust] == _CODE["lean_big"], 2, rng.integers(0, 2, n))
    order_ids = np.char.add(f"O{block_index:04d}-", np.arange(n).astype(str))
    region_of = rng.integers(0, len(REGIONS), len(base.code))
    in_trend = month >= spec.months - TREND_MONTHS
    # price pressure: a larger discount on every line of the last window (the margin falls with it)
    discount = np.round(discount + np.where(base.price_pressure[cust] & in_trend, revenue * PRESSURE_POINTS, 0.0), 2)
    revenue, cost, discount, fee = _scale_anchors(spec, base, cust, in_trend, (revenue, cost, discount, fee))
    line_region = _line_regions(spec, block_index, base, cust, in_trend, region_of)
    transactions = pd.DataFrame(
        {
            "order_id": order_ids, "customer_id": base.customer_ids[cust], "date": order_date,
            "product": PRODUCTS[np.where(base.bulk[cust], 4, rng.integers(0, 4, n))],
            "quantity": np.maximum(1, np.round(revenue / 25.0)).astype(int), "revenue": revenue, "cost": cost,
            "discount": discount, "channel_fee": fee, "channel": CHANNELS[channel], "region": REGIONS[line_region],
        }
    )  # fmt: skip
    # A few returns: a credit line with negative revenue and cost, some days later.
    returned = rng.random(n) < 0.015
    if returned.any():
        data_end = starts[-1] - np.timedelta64(1, "D")
        back = transactions.loc[returned].copy()
        back["date"] = np.minimum(back["date"].to_numpy() + rng.integers(3, 20, returned.sum()).astype("timedelta64[D]"), data_end)
        back["order_id"] = back["order_id"] + "-R"
        for column in ("revenue", "cost", "discount", "channel_fee"):
            back[column] = -back[column] if column in ("revenue", "cost") else 0.0
        back["quantity"] = -back["quantity"]
        transactions = pd.concat([transactions, back], ignore_index=True)
    lines = {"cust": cust, "order_date": order_date, "revenue": revenue, "discount": discount, "order_ids": order_ids,
             "region_of": region_of}  # fmt: skip
    return transactions, lines


def _scale_anchors(spec: DemoSpec, base: _Base, cust: np.ndarray, in_trend: np.ndarray, amounts: tuple) -> tuple:
    """The anchor accounts' lines scaled (revenue and every cost alike) so that each has its planted
    share of the block's revenue over the last window."""
    shares = np.asarray(spec.company.anchor_shares[: int(base.anchors.sum())], dtype=float)
    if not len(shares):
        return amounts
    revenue = amounts[0]
    anchor_rows = np.flatnonzero(base.anchors)
    own = np.array([revenue[(cust == row) & in_trend].sum() for row in anchor_rows])
    others = revenue[in_trend & ~base.anchors[cust]].sum()
    target = shares * others / (1 - shares.sum())  # anchor i: share_i of (others + every anchor)
    factor = np.ones(len(base.code))
    factor[anchor_rows] = target / np.maximum(own, 1.0)
    return tuple(np.round(values * factor[cust], 2) for values in amounts)


def _line_regions(spec: DemoSpec, block_index: int, base: _Base, cust: np.ndarray, in_trend: np.ndarray, region_of: np.ndarray) -> np.ndarray:
    """Each line's region: its customer's, but for accounts planted outside their territory,
    :data:`OUTSIDE_SHARE` of the last window's lines go to another region (a stream of its own)."""
    rng = np.random.default_rng([spec.seed, block_index, 17])
    region = region_of[cust].copy()
    outside = base.territory[cust] & in_trend & (rng.random(len(cust)) < OUTSIDE_SHARE)
    region[outside] = (region[outside] + rng.integers(1, len(REGIONS), outside.sum())) % len(REGIONS)
    return region


def _receivables(rng: np.random.Generator, spec: DemoSpec, base: _Base, lines: dict) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Invoices of business customers with credit terms; big debtors stop paying late in the data.

    Returns the table, the planted big debtors and each customer's credit days.
    """
    starts, months, a = _month_starts(spec), spec.months, base.a
    data_end = starts[-1] - np.timedelta64(1, "D")
    big_debtor = base.business & np.isin(base.code, [_CODE["key"], _CODE["important"]]) & (rng.random(len(base.code)) < spec.company.big_debtor_share)
    credit_days = np.where(base.business, a["credit"], 0).astype(int)
    invoiced = base.business[lines["cust"]] & (lines["revenue"] > 0)
    inv_cust = lines["cust"][invoiced]
    issued = lines["order_date"][invoiced]
    m = len(inv_cust)
    due = issued + credit_days[inv_cust].astype("timedelta64[D]")
    delay = np.maximum(np.round(rng.normal(a["late"][inv_cust], 8.0, m)).astype(int), -credit_days[inv_cust])
    paid = due + delay.astype("timedelta64[D]")
    recent = issued >= starts[max(months - 9, 0)]
    unpaid = big_debtor[inv_cust] & recent & (rng.random(m) < 0.6)
    paid_series = pd.Series(paid)
    paid_series[unpaid | (paid > data_end)] = pd.NaT
    receivables = pd.DataFrame(
        {
            "invoice_id": np.char.add("INV-", lines["order_ids"][invoiced]), "customer_id": base.customer_ids[inv_cust],
            "amount": np.round(lines["revenue"][invoiced] - lines["discount"][invoiced], 2), "issued": issued, "due": due,
            "paid": paid_series.to_numpy(),
        }
    )  # fmt: skip
    return receivables, big_debtor, credit_days


def _service(rng: np.random.Generator, spec: DemoSpec, base: _Base) -> pd.DataFrame:
    """Service events (visits, repairs, support) in each customer's active months."""
    starts, months, size = _month_starts(spec), spec.months, len(base.code)
    active_months = base.active.sum(axis=1)
    active_months[base.bulk] = 0
    events = rng.poisson(base.a["service"] * base.rate_mult * active_months)
    s_cust = np.repeat(np.arange(size), events)
    span = np.maximum(np.minimum(base.churn, months) - base.start, 1)
    s_month = np.minimum(base.start[s_cust] + (rng.random(len(s_cust)) * span[s_cust]).astype(int), months - 1)
    usual = pd.DataFrame(
        {
            "customer_id": base.customer_ids[s_cust],
            "date": _dates(rng, s_month, starts),
            "kind": SERVICE_KINDS[rng.integers(0, 3, len(s_cust))],
            "cost": np.round(base.a["svc_cost"][s_cust] * rng.lognormal(0.0, 0.4, len(s_cust)), 2),
        }
    )
    return pd.concat([usual, _extra_service(spec, base, starts)], ignore_index=True)


def _extra_service(spec: DemoSpec, base: _Base, starts: np.ndarray) -> pd.DataFrame:
    """The extra visits of accounts planted with a rising cost to serve, over the last window
    (a stream of its own: the other customers' visits do not change)."""
    rng = np.random.default_rng([spec.seed, int(base.ids[0]), 19])
    months = spec.months
    rate = np.maximum(EXTRA_SERVICE_FACTOR * base.a["service"] * base.rate_mult, MIN_EXTRA_SERVICE)
    events = np.where(base.cost_to_serve, rng.poisson(rate * TREND_MONTHS), 0)
    e_cust = np.repeat(np.arange(len(base.code)), events)
    e_month = months - TREND_MONTHS + rng.integers(0, TREND_MONTHS, len(e_cust))
    return pd.DataFrame({
        "customer_id": base.customer_ids[e_cust], "date": _dates(rng, e_month, starts),
        "kind": SERVICE_KINDS[rng.integers(0, 3, len(e_cust))],
        "cost": np.round(base.a["svc_cost"][e_cust] * rng.lognormal(0.0, 0.4, len(e_cust)), 2),
    })  # fmt: skip


def _surveys(rng: np.random.Generator, spec: DemoSpec, base: _Base) -> tuple[pd.DataFrame, np.ndarray]:
    """Satisfaction surveys (1-5); defectors said they were satisfied. Returns the table and each customer's best score."""
    starts, months, size, code = _month_starts(spec), spec.months, len(base.code), base.code
    mean_score = np.select(
        [code == _CODE[k] for k in ("key", "important", "invalid", "lean_big", "defector")], [4.2, 3.9, 3.0, 3.1, 4.5], default=3.7
    )
    surveyed = (rng.random(size) < 0.35) | base.defector | base.general_leaver
    n_surveys = np.where(surveyed, rng.integers(1, 3, size), 0)
    v_cust = np.repeat(np.arange(size), n_surveys)
    v_span = np.maximum(np.minimum(base.churn, months) - 1 - base.start + 1, 1)
    v_month = base.start[v_cust] + (rng.random(len(v_cust)) * v_span[v_cust]).astype(int)
    score = np.clip(np.round(rng.normal(mean_score[v_cust], 0.7)), 1, 5).astype(int)
    score[base.defector[v_cust]] = np.maximum(score[base.defector[v_cust]], 4)
    surveys = pd.DataFrame(
        {"customer_id": base.customer_ids[v_cust], "date": _dates(rng, v_month, starts), "satisfaction": score, "scale": "1-5"}
    )
    max_score = np.zeros(size)
    np.maximum.at(max_score, v_cust, score)
    return surveys, max_score


def _block(spec: DemoSpec, block_index: int, first_id: int, size: int) -> dict[str, pd.DataFrame]:
    """Generate ``size`` customers starting at number ``first_id`` (the draws in a fixed order: same seed, same files)."""
    rng = np.random.default_rng([spec.seed, block_index])
    base = _plan_base(rng, spec, first_id, size)
    transactions, lines = _transactions(rng, spec, block_index, base)
    receivables, big_debtor, credit_days = _receivables(rng, spec, base, lines)
    service = _service(rng, spec, base)
    surveys, max_score = _surveys(rng, spec, base)
    left = (base.churn < spec.months) & ~base.silent  # the silent ones have not lapsed yet: still their tier
    ids, business = base.ids, base.business
    names = np.where(
        business,
        np.char.add(np.char.add("Business ", np.char.zfill(ids.astype(str), 8)), np.where(ids % 97 == 0, " & Sons <Ltd>", " Ltd")),
        "",
    )
    since = _month_starts(spec)[base.start] - rng.integers(0, 400, size).astype("timedelta64[D]")
    customers = pd.DataFrame(
        {
            "customer_id": base.customer_ids, "kind": np.where(business, "business", "consumer"),
            "name": pd.Series(names).replace("", None), "region": REGIONS[lines["region_of"]], "since": since,
            "credit_days": credit_days,
        }
    )  # fmt: skip
    # Customers who left before the end have no profit and no potential left.
    archetypes = spec.company.archetypes
    planted_tier = np.where(left, "invalid", archetypes["tier"].to_numpy()[base.code])
    truth = pd.DataFrame(
        {
            "customer_id": base.customer_ids, "archetype": archetypes["name"].to_numpy()[base.code],
            "planted_tier": planted_tier, "lean_big": base.code == _CODE["lean_big"], "bulk_one_off": base.bulk,
            "rising": base.rising, "big_debtor": big_debtor, "satisfied_defector": left & (max_score >= 4),
            "churn_risk": base.silent, "dependence_risk": base.anchors, "price_pressure": base.price_pressure,
            "cost_to_serve_rising": base.cost_to_serve, "territory_breach": base.territory & business,
        }
    )  # fmt: skip
    return {
        "transactions": transactions.sort_values(["date", "order_id"], kind="stable", ignore_index=True),
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
# seed {spec.seed}, profile {spec.profile}). The config of a synthetic demo company: every
# source uses the canonical column names, so no [columns] mapping is needed.
[company]
name = "{spec.company.company}"
currency = "EUR"

{sources}
[settings]
window_months = 12
cost_of_capital = 0.08
satisfaction_scale = [1, 5]

{spec.company.tier_config}[settings.ecl_rates]
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
