"""sBG per contract on the real IBM Telco churn data, and the retention scenario."""

import math

import pytest

from custlab.analysis import contractual
from custlab.sources import datasets
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def telco():
    return datasets.read_telco(ROOT / "data" / "telco" / "Telco-Customer-Churn.csv")


def test_telco_file_as_documented(telco):
    assert len(telco) == 7043 and telco["churned"].sum() == 1869
    assert telco["TotalCharges"].isna().sum() == 11


def test_month_to_month_has_spread_long_contracts_do_not(telco):
    fitters = contractual.fit_by_group(telco, "tenure", "churned", "Contract")
    monthly = fitters["Month-to-month"]
    assert not monthly.homogeneous_
    assert monthly.params_["alpha"] == pytest.approx(0.4226, abs=1e-3)
    assert monthly.params_["beta"] == pytest.approx(7.393, abs=1e-2)
    # Retention rises with tenure as the churn-prone leave first.
    assert monthly.retention_rate(1) < monthly.retention_rate(12) < monthly.retention_rate(24)
    for name in ("One year", "Two year"):
        assert fitters[name].homogeneous_, name
    churn = {k: v.params_["alpha"] / v.params_.sum() for k, v in fitters.items()}
    assert churn["Month-to-month"] > churn["One year"] > churn["Two year"]


def test_retention_scenario_on_telco(telco):
    fitters = contractual.fit_by_group(telco, "tenure", "churned", "Contract")
    active = telco[~telco["churned"]]
    table = contractual.retention_scenarios(fitters, active, "Contract", "tenure", "MonthlyCharges", 0.3, 0.10)
    monthly = table[table["group"] == "Month-to-month"].set_index("uplift_points")
    assert monthly.loc[0.0, "customers"] == (active["Contract"] == "Month-to-month").sum()
    assert 0 < monthly.loc[1.0, "equity_change"] < monthly.loc[2.0, "equity_change"] < monthly.loc[5.0, "equity_change"]
    two_year = table[table["group"] == "Two year"].set_index("uplift_points")
    assert math.isnan(two_year.loc[1.0, "customer_equity"])  # churn already under 1 point a month
    today = contractual.customer_value(fitters["Month-to-month"], [0, 12], [70.0, 70.0], 0.3, 0.10)
    assert today[1] > today[0] > 0  # a customer who has stayed a year is worth more
