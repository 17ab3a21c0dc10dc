"""Per-customer profit on a five-customer company computed by hand.

Settings: cost of capital 10%, window of 3 months (January to March 2026),
default expected-loss rates (current 0.5%, 1-30 days 2%, 31-60 5%, 61-90 15%,
over 90 50%).
"""

from datetime import date

import pandas as pd
import pytest

from custlab.analysis.pipeline import analyse
from custlab.analysis.profit import ProfitInputs, active_customers, customer_profit, profit_kpis, profit_waterfall
from tests.conftest import write

CONFIG = """
[company]
name = "Five & Co"
currency = "EUR"
[sources.transactions]
path = "tx.csv"
[sources.service]
path = "service.csv"
[sources.receivables]
path = "receivables.csv"
[settings]
window_months = 3
cost_of_capital = 0.10
"""
TX = """customer_id,date,revenue,cost,discount,channel_fee
A,2026-01-10,1000,600,50,20
A,2026-02-15,500,300,0,10
B,2026-03-01,200,150,30,10
B,2026-03-20,-50,-30,0,0
C,2025-12-05,100,60,0,0
D,2026-02-01,300,100,0,0
E,2026-01-31,50,45,0,0
"""
SERVICE = """customer_id,date,cost
A,2026-02-02,40
E,2026-02-10,100
E,2026-03-10,20
D,2025-12-10,999
"""
RECEIVABLES = """customer_id,invoice_id,amount,issued,due,paid
A,1,1000,2026-01-10,2026-02-09,2026-02-19
A,2,500,2026-02-15,2026-03-17,
D,3,300,2025-12-01,2025-12-31,
C,4,100,2025-12-05,2026-01-04,2026-01-20
B,5,170,2026-03-01,2026-03-31,
"""

# Hand computation. Carrying cost = amount x 10% x days open inside the window / 365.
CARRY = {
    "A": 1000 * 0.1 * 40 / 365 + 500 * 0.1 * 45 / 365,  # Jan 10 -> Feb 19; Feb 15 -> end of March
    "B": 170 * 0.1 * 31 / 365,  # open all of March
    "C": 100 * 0.1 * 19 / 365,  # Jan 1 -> Jan 20
    "D": 300 * 0.1 * 90 / 365,  # open all window
    "E": 0.0,
}
# Expected credit loss on what is open on 31 March, by days past due.
ECL = {"A": 500 * 0.02, "B": 170 * 0.005, "C": 0.0, "D": 300 * 0.15, "E": 0.0}  # A 14 days, B 0, D 90
EXPECTED = pd.DataFrame(
    {
        "revenue": {"A": 1500, "B": 150, "C": 0, "D": 300, "E": 50},
        "cogs": {"A": 900, "B": 120, "C": 0, "D": 100, "E": 45},
        "discount": {"A": 50, "B": 30, "C": 0, "D": 0, "E": 0},
        "channel_fee": {"A": 30, "B": 10, "C": 0, "D": 0, "E": 0},
        "cost_to_serve": {"A": 40, "B": 0, "C": 0, "D": 0, "E": 120},
        "carrying_cost": CARRY,
        "expected_credit_loss": ECL,
    },
    dtype=float,
)
EXPECTED["pocket_margin"] = EXPECTED.revenue - EXPECTED.cogs - EXPECTED.discount - EXPECTED.channel_fee
EXPECTED["profit"] = EXPECTED.pocket_margin - EXPECTED.cost_to_serve - EXPECTED.carrying_cost - EXPECTED.expected_credit_loss


@pytest.fixture(scope="module")
def five(tmp_path_factory):
    folder = tmp_path_factory.mktemp("five")
    for name, text in {"tx.csv": TX, "service.csv": SERVICE, "receivables.csv": RECEIVABLES}.items():
        write(folder / name, text)
    return analyse(write(folder / "custlab.toml", CONFIG), "2026-03", as_of=date(2026, 4, 15))


def test_every_waterfall_term_matches_the_hand_computation(five):
    got = five.customers.set_index("customer_id")
    for column in EXPECTED.columns:
        assert got[column].to_dict() == pytest.approx(EXPECTED[column].to_dict(), abs=1e-9), column
    # Spot values written out, so a reader can check the arithmetic.
    assert got.loc["A", "profit"] == pytest.approx(1500 - 900 - 50 - 30 - 40 - (4000 / 365 + 2250 / 365) - 10)
    assert got.loc["E", "profit"] == pytest.approx(-115.0)
    assert got.loc["A", "overdue_receivables"] == 500
    assert got.loc["D", "overdue_90_receivables"] == 0  # exactly 90 days is the 61-90 bucket
    assert got.loc["D", "open_receivables"] == 300


def test_kpis_and_summary(five):
    summary = five.summary
    assert summary["window_start"] == "2026-01-01" and summary["window_end"] == "2026-03-31"
    assert summary["customers"] == 5  # C counts: it carried an open invoice in January
    assert summary["revenue"] == pytest.approx(2000.0)
    assert summary["profit"] == pytest.approx(EXPECTED["profit"].sum())
    assert summary["loss_making_customers"] == 3  # B, C, E
    assert summary["loss_making_share"] == pytest.approx(0.6)
    assert summary["terms"] == {
        "cogs": "from data",
        "discount": "from data",
        "channel_fee": "from data",
        "cost_to_serve": "from data",
        "carrying_cost": "from data",
        "expected_credit_loss": "from data",
    }
    # Every profit term came from data: no note about an assumed or absent term.
    assert not [n for n in summary["notes"] if n.startswith(("No cost", "No service", "No receivables"))]


def test_waterfall_steps_add_up(five):
    waterfall = profit_waterfall(five.customers).set_index("term")
    assert waterfall.loc["revenue", "amount"] == pytest.approx(2000.0)
    assert waterfall.loc["cogs", "amount"] == pytest.approx(-1165.0)
    assert waterfall.loc["pocket_margin", "amount"] == pytest.approx(EXPECTED["pocket_margin"].sum())
    assert waterfall.loc["profit", "running_total"] == pytest.approx(EXPECTED["profit"].sum())
    costs = waterfall[waterfall["kind"] == "cost"]["amount"].sum()
    assert waterfall.loc["revenue", "amount"] + costs == pytest.approx(waterfall.loc["profit", "amount"])


def test_missing_cost_column_uses_the_named_assumption():
    frame = pd.DataFrame(
        {
            "customer_id": ["x", "y"],
            "revenue": [100.0, 0.0],
            "cogs": [float("nan")] * 2,
            "discount": [0.0, 0.0],
            "channel_fee": [0.0, 0.0],
            "cost_to_serve": [0.0, 5.0],
            "carrying_cost": [0.0, 0.0],
            "expected_credit_loss": [0.0, 0.0],
            "in_window": [True, True],
        }
    )
    inputs = ProfitInputs(has_cost=False, has_service=False, has_receivables=False, default_gross_margin=0.25)
    before = frame.copy()
    out = customer_profit(frame, inputs)
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is left as it was
    assert out["cogs"].tolist() == [75.0, 0.0]
    assert out["profit"].tolist() == [25.0, -5.0]
    assert out["cogs_assumed"].all()
    assert pd.isna(out.loc[1, "profit_margin"])  # no revenue: no margin, not infinity
    notes = inputs.notes()
    assert len(notes) == 3 and "75% of revenue" in notes[0] and "receivables" in notes[2]
    kpis = profit_kpis(out)
    assert kpis["loss_making_share"] == 0.5 and kpis["profit"] == 20.0


def test_customer_month_splits_carrying_cost_by_month(tmp_path):
    from custlab.aggregate import facts
    from custlab.engine import session
    from custlab.sources import validation
    from custlab.sources.config import load_config

    for name, text in {"tx.csv": TX, "service.csv": SERVICE, "receivables.csv": RECEIVABLES}.items():
        write(tmp_path / name, text)
    config = load_config(write(tmp_path / "custlab.toml", CONFIG))
    con = session.connect()
    validation.validate(con, config, as_of=date(2026, 4, 15))
    facts.prepare_inputs(con)
    facts.build_customer_month(con, date(2025, 12, 1), date(2026, 3, 1), config.settings)
    rows = con.execute("SELECT * FROM customer_month WHERE customer_id = 'A' ORDER BY month").df().set_index("month")
    jan, feb = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")
    assert rows.loc[jan, "carrying_cost"] == pytest.approx(1000 * 0.1 * 22 / 365)
    assert rows.loc[feb, "carrying_cost"] == pytest.approx(1000 * 0.1 * 18 / 365 + 500 * 0.1 * 14 / 365)
    assert rows.loc[jan, "open_receivables"] == 1000 and rows.loc[feb, "open_receivables"] == 500
    assert rows.loc[feb, "ecl_allowance"] == pytest.approx(500 * 0.005)  # not yet due on 28 February
    assert rows.loc[feb, "cost_to_serve"] == 40 and rows.loc[feb, "orders"] == 1


def test_active_customers_keeps_the_window_rows_and_only_the_columns_asked_for():
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"], "profit": [5.0, -2.0, 0.0],
                              "revenue": [50.0, 0.0, 10.0], "in_window": [True, False, True]})
    active = active_customers(customers, ["profit", "no_such_column", "profit"])
    assert active.columns.tolist() == ["profit"] and active.index.tolist() == [0, 2]
    assert active_customers(customers).columns.tolist() == customers.columns.tolist()
    assert len(active_customers(customers.drop(columns="in_window"), ["profit"])) == 3  # no window column: everybody
