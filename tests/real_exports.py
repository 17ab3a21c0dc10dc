"""Messy variants of the demo company, written as real exports arrive: the test matrix of the report.

Each variant starts from one small demo company in csv and changes what real
exports change: tables or optional columns missing, returns as negative
quantities, lines without a customer id, exact duplicates, a single customer,
a single month, nothing but returns, a log of dates without amounts, a period
at the very start or end of the data or running past it. ``write_variant``
writes one into a folder and returns its config and the period to report.
Not shipped: tests only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from custlab.demo import DemoSpec, generate

SPEC = DemoSpec(customers=120, months=15, end_month="2026-10", seed=21, file_format="csv")
FIRST_MONTH, LAST_MONTH = "2025-08", "2026-10"
TABLES = ("transactions", "customers", "service", "receivables", "surveys")
SETTINGS = '[settings]\nwindow_months = 6\nsatisfaction_scale = [1, 5]\nmax_account_pages = 5\n'


def write_demo(folder: Path) -> Path:
    """The base company of every variant (csv files, canonical column names)."""
    generate(folder, SPEC, progress=False)
    return folder


def _config(tables: dict[str, str], extra: str = "") -> str:
    sources = "".join(f'[sources.{table}]\npath = "{table}.csv"\n{options}\n' for table, options in tables.items())
    return f'[company]\nname = "Variant"\ncurrency = "EUR"\n\n{sources}{extra}{SETTINGS}'


def _all_tables() -> dict[str, str]:
    return {table: "" for table in TABLES}


def _transactions(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "transactions.csv", dtype=str, keep_default_na=False)


def _only_tables(*tables: str) -> Callable[[Path], tuple[dict[str, str], str]]:
    def change(folder: Path):
        return {t: "" for t in tables}, ""

    return change


def _bare_transactions(folder: Path):
    tx = _transactions(folder)
    tx[["customer_id", "date", "revenue"]].to_csv(folder / "transactions.csv", index=False)
    return {"transactions": ""}, ""


def _returns_as_negative_quantity(folder: Path):
    tx = _transactions(folder)
    sold = tx[pd.to_numeric(tx["revenue"]) > 0].sample(frac=0.15, random_state=1).copy()
    for column in ("quantity", "revenue", "cost"):
        sold[column] = (-pd.to_numeric(sold[column])).astype(str)
    sold["order_id"] = sold["order_id"] + "-R"
    pd.concat([tx, sold]).to_csv(folder / "transactions.csv", index=False)
    return _all_tables(), ""


def _missing_ids(folder: Path):
    tx = _transactions(folder)
    tx.loc[tx.sample(frac=0.25, random_state=2).index, "customer_id"] = ""
    tx.to_csv(folder / "transactions.csv", index=False)
    return _all_tables(), ""


def _duplicates(folder: Path):
    tx = _transactions(folder)
    pd.concat([tx, tx.sample(frac=0.1, random_state=3)]).to_csv(folder / "transactions.csv", index=False)
    return _all_tables(), ""


def _one_customer(folder: Path):
    tx = _transactions(folder)
    recent = tx.loc[tx["date"].str.startswith(LAST_MONTH), "customer_id"].value_counts().index[0]  # still buying
    tx[tx["customer_id"] == recent].to_csv(folder / "transactions.csv", index=False)
    return _all_tables(), ""


def _one_month(folder: Path):
    tx = _transactions(folder)
    tx[tx["date"].str.startswith(LAST_MONTH)].to_csv(folder / "transactions.csv", index=False)
    return _all_tables(), ""


def _all_returns(folder: Path):
    tx = _transactions(folder)
    for column in ("quantity", "revenue", "cost"):
        tx[column] = (-pd.to_numeric(tx[column]).abs()).astype(str)
    tx.to_csv(folder / "transactions.csv", index=False)
    return _all_tables(), ""


def _purchase_log(folder: Path):
    tx = _transactions(folder)
    tx[["customer_id", "date"]].to_csv(folder / "transactions.csv", index=False)
    return {"transactions": "purchase_log = true\n"}, ""


def _unchanged(folder: Path):
    return _all_tables(), ""


#: name -> (change to the base company, period to report)
VARIANTS: dict[str, tuple[Callable[[Path], tuple[dict[str, str], str]], str]] = {
    "transactions only": (_only_tables("transactions"), LAST_MONTH),
    "no customers table": (_only_tables("transactions", "service", "receivables", "surveys"), LAST_MONTH),
    "no service, receivables or surveys": (_only_tables("transactions", "customers"), LAST_MONTH),
    "no optional transaction columns": (_bare_transactions, LAST_MONTH),
    "returns as negative quantities": (_returns_as_negative_quantity, LAST_MONTH),
    "a quarter of the ids missing": (_missing_ids, LAST_MONTH),
    "exact duplicate lines": (_duplicates, LAST_MONTH),
    "one customer": (_one_customer, LAST_MONTH),
    "one month of data": (_one_month, LAST_MONTH),
    "nothing but returns": (_all_returns, LAST_MONTH),
    "purchase dates only": (_purchase_log, LAST_MONTH),
    "period at the start of the data": (_unchanged, FIRST_MONTH),
    "period at the end of the data": (_unchanged, LAST_MONTH),
    "quarter running past the data": (_unchanged, "2026-Q4"),
}


def write_variant(base: Path, name: str, folder: Path) -> tuple[Path, str]:
    """Copy the base company to ``folder``, apply the variant ``name``; return (config, period)."""
    shutil.copytree(base, folder)
    change, period = VARIANTS[name]
    tables, extra = change(folder)
    config = folder / "custlab.toml"
    config.write_text(_config(tables, extra), encoding="utf-8")
    return config, period
