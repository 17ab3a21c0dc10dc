"""The two demo companies custlab can write, and what each plants.

``consumer`` (the default): 20,000 customers, mostly consumers, the archetypes of
BRIEF.md (a whale curve peaking well above 100%, five tiers, lean big customers,
one-off bulk buyers, rising small customers, big debtors, satisfied defectors,
silent key accounts) and a few key accounts under price pressure or a rising cost
to serve. It plants no dependence and no territory breach: there the flags'
false positives are counted.

``business``: a business-to-business base in the spirit of the seed company (a
property-services firm whose key accounts are businesses): 1,500 accounts over 36
months, three anchor accounts of 11-14% of revenue each, regions with accounts
buying outside their territory, big accounts whose discounts creep up while their
margin falls, accounts whose cost to serve rises faster than their revenue, big
debtors and silent key accounts.

Each archetype row: ``share`` of customers, ``business`` share, ``start_max`` (latest
start month), ``rate`` (orders per active month), ``growth`` (monthly rate factor),
``value`` (median order value), ``sigma``, the ratios ``cogs``, ``discount``, ``fee``
(shares of revenue), ``service`` (events per active month), ``svc_cost`` (median cost
per event), ``credit`` (days) and ``late`` (mean days paid after due).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

ARCHETYPE_COLUMNS = [
    "name", "tier", "share", "business", "start_max", "rate", "growth", "value", "sigma",
    "cogs", "discount", "fee", "service", "svc_cost", "credit", "late",
]  # fmt: skip


def _archetypes(rows: list[tuple]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=ARCHETYPE_COLUMNS)
    table["share"] = table["share"] / table["share"].sum()
    return table


CONSUMER_ARCHETYPES = _archetypes([
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
])  # fmt: skip

# The same archetypes, in the same order, for businesses: larger and steadier orders, more service.
BUSINESS_ARCHETYPES = _archetypes([
    ("key",          "key",         0.060, 1.00,  6,  3.0, 1.00, 2500.0, 0.50, 0.55, 0.04, 0.010, 1.00, 150.0, 30, 3.0),
    ("important",    "important",   0.150, 1.00, 10,  1.8, 1.00,  900.0, 0.50, 0.57, 0.04, 0.020, 0.60, 100.0, 30, 5.0),
    ("general",      "general",     0.350, 1.00, 14,  1.0, 1.00,  300.0, 0.45, 0.60, 0.04, 0.030, 0.25,  60.0, 30, 6.0),
    ("maintenance",  "maintenance", 0.200, 1.00, 23,  0.5, 1.00,  120.0, 0.40, 0.62, 0.03, 0.030, 0.10,  40.0, 30, 6.0),
    ("invalid",      "invalid",     0.120, 1.00,  6,  0.4, 0.97,  150.0, 0.50, 0.70, 0.10, 0.050, 0.80,  90.0, 60, 20.0),
    ("lean_big",     "general",     0.040, 1.00,  6,  2.5, 1.00, 2000.0, 0.45, 0.62, 0.18, 0.080, 2.00, 250.0, 90, 25.0),
    ("bulk_one_off", "maintenance", 0.020, 1.00,  0,  0.0, 1.00, 15000.0, 0.35, 0.60, 0.05, 0.020, 0.00,   0.0, 30, 5.0),
    ("rising",       "maintenance", 0.040, 1.00,  0,  0.3, 1.20,  200.0, 0.45, 0.58, 0.03, 0.030, 0.05,  40.0, 30, 5.0),
    ("defector",     "invalid",     0.020, 1.00,  4,  0.8, 1.00,  250.0, 0.45, 0.60, 0.04, 0.030, 0.10,  60.0, 30, 5.0),
])  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """A demo company: its archetypes and what it plants besides them.

    Attributes
    ----------
    company : str
        The company's name in the config.
    archetypes : DataFrame
        One row per archetype (see the module docstring), in the order of
        :data:`CONSUMER_ARCHETYPES`.
    customers, months : int
        The defaults of ``custlab demo`` for this company.
    anchor_shares : tuple of float
        Revenue shares of the last 12 months of the anchor accounts (dependence), largest first.
    territory_share : float
        Share of business accounts (key, important, general) buying outside their region.
    price_pressure_share, cost_to_serve_share : float
        Shares of the key and important accounts that were customers for the whole window before
        the last 12 months whose discounts creep up (margin falls), and whose service visits
        multiply, over the last 12 months.
    silent_share : float
        Share of the ``silent_archetypes`` accounts going silent 4-5 months before the end.
    big_debtor_share : float
        Share of business key and important accounts that stop paying recent invoices.
    tier_config : str
        Lines of the config's ``[tiers]`` table, where the company sets its own.
    """

    company: str
    archetypes: pd.DataFrame
    customers: int
    months: int
    anchor_shares: tuple[float, ...] = ()
    territory_share: float = 0.0
    price_pressure_share: float = 0.0
    cost_to_serve_share: float = 0.0
    silent_share: float = 0.06
    silent_archetypes: tuple[str, ...] = ("key", "important")
    big_debtor_share: float = 0.12
    tier_config: str = ""


PROFILES = {
    "consumer": Profile("Demo Company", CONSUMER_ARCHETYPES, customers=20_000, months=24,
                        price_pressure_share=0.15, cost_to_serve_share=0.15),
    "business": Profile("Demo Services Ltd", BUSINESS_ARCHETYPES, customers=1_500, months=36, anchor_shares=(0.14, 0.125, 0.11),
                        territory_share=0.06, price_pressure_share=0.10, cost_to_serve_share=0.10,
                        silent_share=0.15, silent_archetypes=("key",),
                        # three anchors hold over a third of revenue: the key tier reaches further down the value
                        # ranking than the default 55% of value, and important to 92%
                        tier_config="[tiers]\nkey_value_share = 0.65\nimportant_value_share = 0.92\n\n"),
}  # fmt: skip
