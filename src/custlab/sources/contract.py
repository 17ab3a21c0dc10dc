"""The input contract: canonical tables, their columns and column types.

A company's own files are mapped onto these names by the config (see
:mod:`custlab.config`). Only ``transactions`` is required; each missing optional
table switches off, visibly, the profit terms that need it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Column kinds understood by the validator.
ID, DATE, NUMBER, TEXT = "id", "date", "number", "text"


@dataclass(frozen=True)
class TableSpec:
    """What one canonical table must and may contain.

    Attributes
    ----------
    name : str
        Canonical table name (also the file name the demo writes).
    required : dict
        Column name -> kind for columns every row must have.
    optional : dict
        Column name -> kind for columns a source may provide.
    nonnegative : tuple
        Numeric columns where a negative value is an error, not a return.
    may_be_future : tuple
        Date columns that may lie after today (a due date); every other date
        after the run's ``as_of`` day is quarantined.
    """

    name: str
    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    nonnegative: tuple[str, ...] = ()
    may_be_future: tuple[str, ...] = ()

    @property
    def columns(self) -> dict[str, str]:
        """All canonical columns, required first."""
        return {**self.required, **self.optional}


TABLES: dict[str, TableSpec] = {
    "transactions": TableSpec(
        "transactions",
        required={"customer_id": ID, "date": DATE, "revenue": NUMBER},
        optional={
            "order_id": ID,
            "quantity": NUMBER,
            "cost": NUMBER,
            "discount": NUMBER,
            "channel_fee": NUMBER,
            "product": TEXT,
            "channel": TEXT,
            "region": TEXT,
        },
        # Negative revenue is a return or credit note; negative costs are not.
        nonnegative=("discount", "channel_fee"),
    ),
    "customers": TableSpec(
        "customers",
        required={"customer_id": ID},
        optional={
            "kind": TEXT,
            "since": DATE,
            "region": TEXT,
            "name": TEXT,
            "credit_days": NUMBER,
        },
        nonnegative=("credit_days",),
    ),
    "service": TableSpec(
        "service",
        required={"customer_id": ID, "date": DATE, "cost": NUMBER},
        optional={"kind": TEXT},
        nonnegative=("cost",),
    ),
    "receivables": TableSpec(
        "receivables",
        required={
            "customer_id": ID,
            "invoice_id": ID,
            "amount": NUMBER,
            "issued": DATE,
            "due": DATE,
        },
        optional={"paid": DATE},
        may_be_future=("due",),
    ),
    "surveys": TableSpec(
        "surveys",
        required={"customer_id": ID, "date": DATE, "satisfaction": NUMBER},
        optional={"scale": TEXT},
    ),
}

#: Customer kinds the report separates (BRIEF idea 10).
CUSTOMER_KINDS = ("consumer", "business")
