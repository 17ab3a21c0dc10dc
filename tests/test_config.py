from pathlib import Path

import pytest

from custlab.sources.config import DEFAULT_ECL_RATES, load_config
from custlab.exceptions import ConfigError
from tests.conftest import ROOT, write

MINIMAL = """
[sources.transactions]
path = "orders.csv"
"""


def test_minimal_config_gets_documented_defaults(tmp_path):
    config = load_config(write(tmp_path / "c.toml", MINIMAL))
    source = config.sources["transactions"]
    assert source.format == "csv"
    assert source.path == (tmp_path / "orders.csv").resolve()  # relative to the config file
    assert config.settings.window_months == 12
    assert config.settings.ecl_rates == DEFAULT_ECL_RATES
    assert config.settings.satisfaction_scale == (1.0, 5.0)
    assert config.settings.max_csv_rows == 1_000_000
    assert config.settings.max_account_pages == 1_000


def test_mapping_derivation_and_settings(tmp_path):
    text = MINIMAL + """
date_format = "%d/%m/%Y"
[sources.transactions.columns]
customer_id = "CustomerID"
date = "InvoiceDate"
[sources.transactions.derive]
revenue = "num(Quantity) * num(UnitPrice)"
[sources.customers]
path = "cust.xlsx"
sheet = "Clients"
[settings]
cost_of_capital = 0.1
window_months = 6
[settings.ecl_rates]
"over 90" = 0.8
"""
    config = load_config(write(tmp_path / "c.toml", text))
    tx = config.sources["transactions"]
    assert tx.columns == {"customer_id": "CustomerID", "date": "InvoiceDate"}
    assert tx.derive == {"revenue": "num(Quantity) * num(UnitPrice)"}
    assert tx.date_format == "%d/%m/%Y"
    assert config.sources["customers"].format == "xlsx"
    assert config.settings.cost_of_capital == 0.1
    assert config.settings.ecl_rates["over 90"] == 0.8
    assert config.settings.ecl_rates["current"] == DEFAULT_ECL_RATES["current"]


@pytest.mark.parametrize(
    "text, message",
    [
        (MINIMAL + "[sources.transactions.colums]\n", "unknown key 'sources.transactions.colums' (did you mean 'columns'?)"),
        (MINIMAL + "[settings]\ncost_of_captial = 0.1\n", "did you mean 'cost_of_capital'"),
        (MINIMAL + "[settings]\ncost_of_capital = 'high'\n", "must be int or float"),
        (MINIMAL + "[settings]\ncost_of_capital = 2.0\n", "between 0 and 1"),
        (MINIMAL + "[settings]\nwindow_months = 0\n", "1..120"),
        (MINIMAL + "[settings]\nmax_csv_rows = -1\n", "'settings.max_csv_rows' must be >= 0"),
        (MINIMAL + "[settings]\nmax_account_pages = -5\n", "'settings.max_account_pages' must be >= 0, got -5"),
        (MINIMAL + "[settings]\nsatisfaction_scale = [5, 1]\n", "satisfaction_scale"),
        (MINIMAL + "[settings]\npurchase_model = 'pareto'\n", "'settings.purchase_model' must be one of auto, bgnbd, mbgnbd, paretonbd, got 'pareto'"),
        (MINIMAL + "[sources.transactions.columns]\nspend = 'x'\n", "unknown key 'sources.transactions.columns.spend'"),
        ("[sources.customers]\npath = 'c.csv'\n", "transactions are required"),
        ("[sources.transactions]\nformat = 'csv'\n", "'sources.transactions.path' is missing"),
        ("[sources.transactions]\npath = 'x.json'\n", "cannot tell the format"),
        ("[sources.orders]\npath = 'x.csv'\n", "unknown key 'sources.orders'"),
        ("not toml at all = = \n", "not a valid TOML file"),
    ],
)
def test_bad_configs_name_the_key(tmp_path, text, message):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_bundled_cdnow_config_loads():
    config = load_config(ROOT / "data" / "cdnow" / "custlab.toml")
    assert config.sources["transactions"].format == "whitespace"
    assert config.sources["transactions"].path.is_file()
    assert Path(config.sources["transactions"].path).name == "CDNOW_master.txt.gz"
