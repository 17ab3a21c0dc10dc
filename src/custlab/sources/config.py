"""Read and check a custlab TOML config.

One file maps each source (csv, parquet, xlsx or whitespace-separated text) and
its column names onto the canonical contract of :mod:`custlab.contract`, and holds
the analysis settings. Derived columns (``revenue = quantity x price``) are SQL
expressions, so a real export can be used without writing Python::

    [company]
    name = "Acme Ltd"
    currency = "EUR"

    [sources.transactions]
    path = "exports/orders.csv"          # relative to this file
    date_format = "%d/%m/%Y"
    [sources.transactions.columns]       # canonical name = your column name
    customer_id = "CustomerID"
    date = "InvoiceDate"
    [sources.transactions.derive]        # canonical name = SQL expression
    revenue = "num(Quantity) * num(UnitPrice)"

    [settings]
    cost_of_capital = 0.08

Reading a config does no other I/O; unknown keys and wrong types are refused
with one line naming the key, so a typo never passes silently.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from custlab.sources.contract import TABLES
from custlab.exceptions import ConfigError

FORMATS = ("csv", "parquet", "xlsx", "whitespace")
_EXTENSION_FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
    ".txt": "whitespace",
    ".txt.gz": "whitespace",
}
#: Ageing buckets of receivables, in days past due, and their default
#: expected-loss rates (IFRS 9 provision matrix; illustrative defaults).
ECL_BUCKETS = ("current", "1-30", "31-60", "61-90", "over 90")
DEFAULT_ECL_RATES = {"current": 0.005, "1-30": 0.02, "31-60": 0.05, "61-90": 0.15, "over 90": 0.50}
#: Values of ``settings.purchase_model`` (see :mod:`custlab.clv.selection`).
PURCHASE_MODEL_NAMES = ("auto", "bgnbd", "mbgnbd", "paretonbd")


@dataclass(frozen=True)
class Source:
    """Where one canonical table comes from and how its columns map.

    Attributes
    ----------
    table : str
        Canonical table name (``transactions``, ``customers``...).
    path : Path
        Absolute path of the file.
    format : str
        One of ``csv``, ``parquet``, ``xlsx``, ``whitespace``.
    columns : dict
        Canonical column -> the file's column name.
    derive : dict
        Canonical column -> SQL expression over the file's columns, using the
        helpers ``num(x)`` (text to number) and ``txt(x)`` (trimmed text).
    date_format : str or None
        strptime format of the date columns; None tries ISO dates.
    delimiter : str or None
        csv delimiter; None lets the reader detect it.
    sheet : str or None
        xlsx sheet name; None means the first sheet.
    header : bool
        Whether the first line names the columns.
    encoding : str
        Text encoding of csv files (``utf-8``, ``latin-1``, ``utf-16``).
    decimal_separator, thousands_separator : str
        How numbers are written (``","`` and ``"."`` for 1.234,50).
    inside_config_folder : bool
        Whether the file lies in the config's folder. Errors about a file
        outside it never quote its content (its column names included): the
        config's author may not be allowed to read it.
    purchase_log : bool
        Transactions only: the file is a log of purchase dates without amounts.
        Every row then counts as a purchase (inside custlab, a revenue of one
        unit), and the report shows nothing in money.
    """

    table: str
    path: Path
    format: str
    columns: dict[str, str] = field(default_factory=dict)
    derive: dict[str, str] = field(default_factory=dict)
    date_format: str | tuple[str, ...] | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header: bool = True
    encoding: str = "utf-8"
    decimal_separator: str = "."
    thousands_separator: str = ""
    inside_config_folder: bool = True
    purchase_log: bool = False


#: The revenue a purchase-log row stands for inside custlab (see ``Source.purchase_log``): one
#: unit, so that every row is a purchase; nothing derived from it is shown in money.
PURCHASE_LOG_REVENUE = "1.0"


@dataclass(frozen=True)
class Settings:
    """Analysis settings, each with a documented default.

    Attributes
    ----------
    window_months : int
        Months of history, ending with the report month, over which profit is
        measured (12 = trailing twelve months).
    default_gross_margin : float
        Gross margin assumed where transactions have no cost column; the report
        names this assumption.
    cost_of_capital : float
        Annual rate used for the carrying cost of open receivables.
    ecl_rates : dict
        Expected-loss rate per ageing bucket of open receivables.
    satisfaction_scale : tuple
        Lowest and highest valid survey score.
    discount_rate : float
        Annual discount rate of future profit, for lifetime value.
    clv_horizon_months : int
        Months of future profit counted in lifetime value (no residual value after).
    lapse_months : int
        A customer who bought before but not in the last ``lapse_months`` months
        has left (for retention and satisfaction-versus-loyalty figures).
    satisfied_min : float or None
        Lowest score that counts as "satisfied"; None means the top quarter of
        the scale (4 and 5 on 1-5, 8 to 10 on 0-10).
    purchase_model : str
        The purchase model of lifetime value: ``auto`` (BG/NBD, MBG/NBD and
        Pareto/NBD compared on a holdout, the best per customer taken),
        ``bgnbd``, ``mbgnbd`` or ``paretonbd``.
    max_csv_rows : int
        A published table with more rows is written as Parquet instead of csv
        (default 1,000,000: about what a spreadsheet opens, 1,048,576 rows).
    max_account_pages : int
        Most account sheets (one HTML page per key or important customer) a
        report writes: risk-flagged accounts first, then by revenue (default
        1,000; 0 writes none). A bank's important tier holds hundreds of
        thousands of customers, more pages than anyone reads.
    """

    window_months: int = 12
    default_gross_margin: float = 0.30
    cost_of_capital: float = 0.08
    ecl_rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ECL_RATES))
    satisfaction_scale: tuple[float, float] = (1.0, 5.0)
    discount_rate: float = 0.10
    clv_horizon_months: int = 36
    lapse_months: int = 6
    satisfied_min: float | None = None
    purchase_model: str = "auto"
    max_csv_rows: int = 1_000_000
    max_account_pages: int = 1_000

    @property
    def satisfied_threshold(self) -> float:
        """The score from which a customer counts as satisfied."""
        if self.satisfied_min is not None:
            return self.satisfied_min
        low, high = self.satisfaction_scale
        return float(np.ceil(high - (high - low) / 4.0))


@dataclass(frozen=True)
class Rules:
    """Thresholds of the business rules that flag customers (config table ``[rules]``).

    Attributes
    ----------
    top_share : float
        The "top" group of the 80/20 figures: 0.2 = the top 20% of customers.
    lean_big_top_revenue_share : float
        A customer is "big" when its revenue ranks in this top share of active
        customers (0.10 = top 10%).
    lean_big_max_margin : float
        A big customer is "lean" when its profit is below this share of its
        revenue (0.05 = under 5 cents of profit per unit of revenue).
    bulk_order_multiple : float
        A one-off bulk buyer has exactly one order in its whole history, at
        least this many times the median customer's average order value.
    dependence_share : float
        A customer with at least this share of revenue is a dependence risk.
    big_debtor_overdue_share : float
        A big debtor's overdue receivables are at least this share of its
        revenue in the window (with some over 90 days past due) ...
    big_debtor_min_overdue_share_of_total : float
        ... and at least this share of all overdue receivables.
    cost_to_serve_growth_flag : float
        Cost to serve growing by at least this (0.5 = +50%), faster than
        revenue, over the window before, is flagged.
    cost_to_serve_max_p_value : float
        ... and the visits behind it rose by more than chance explains: the
        one-sided binomial test of this window's service events against the
        window before's (equal rates) below this p-value, or, on at least 5
        visits in each window, the cost per visit rose by ``cost_to_serve_growth_flag``.
    price_pressure_points : float
        Discounts and fees up by at least this share of revenue (0.02 = 2
        points) while the margin falls is price pressure.
    territory_max_outside_share : float
        A business customer buying more than this share outside its region
        disrupts the market.
    churn_max_p_alive : float
        A key or important customer whose probability of still being a
        customer (the purchase model's P(alive)) is below this is at churn risk ...
    churn_silence_multiple : float
        ... and so is one silent for more than this many times its own usual
        gap between purchases (the gap counted at least one month).
    """

    top_share: float = 0.20
    lean_big_top_revenue_share: float = 0.10
    lean_big_max_margin: float = 0.05
    bulk_order_multiple: float = 10.0
    dependence_share: float = 0.10
    big_debtor_overdue_share: float = 0.20
    big_debtor_min_overdue_share_of_total: float = 0.0005
    cost_to_serve_growth_flag: float = 0.5
    cost_to_serve_max_p_value: float = 0.001
    price_pressure_points: float = 0.02
    territory_max_outside_share: float = 0.2
    churn_max_p_alive: float = 0.5
    churn_silence_multiple: float = 3.0


#: Valid range of each rule.
_RULE_BOUNDS = {
    "dependence_share": (0.001, 1.0),
    "big_debtor_overdue_share": (0.0, 10.0),
    "big_debtor_min_overdue_share_of_total": (0.0, 1.0),
    "cost_to_serve_growth_flag": (0.0, 100.0),
    "price_pressure_points": (0.0, 1.0),
    "cost_to_serve_max_p_value": (0.0, 1.0),
    "territory_max_outside_share": (0.0, 1.0),
    "top_share": (0.01, 0.99),
    "lean_big_top_revenue_share": (0.001, 0.5),
    "lean_big_max_margin": (-1.0, 1.0),
    "bulk_order_multiple": (1.0, 1000.0),
    "churn_max_p_alive": (0.0, 1.0),
    "churn_silence_multiple": (1.0, 100.0),
}


#: The five management tiers, best first, and their default policy lines.
TIERS = ("key", "important", "general", "maintenance", "invalid")
DEFAULT_POLICIES = {
    "key": "Dedicated account team; plan with targets; protect the relationship first.",
    "important": "Named account manager; grow share of wallet; priority service.",
    "general": "Standard service; watch margin; renegotiate terms where margin is thin.",
    "maintenance": "Low-cost service; keep and reassess each period; nurture the rising ones.",
    "invalid": "Serve on standard terms at lowest cost; stop discounts and credit; do not chase.",
}


@dataclass(frozen=True)
class TierRules:
    """Thresholds of the tier rules (config table ``[tiers]``); what each means is in
    :mod:`custlab.analysis.tiers`."""

    history_guard_months: int = 6
    potential_weight: float = 0.5
    key_value_share: float = 0.55
    important_value_share: float = 0.82
    general_value_share: float = 0.985
    silent_months: int = 9
    lapse_gap_multiple: float = 3.0
    rising_min_growth: float = 2.0
    rising_min_orders: int = 6
    trend_months: int = 6
    history_periods: int = 4
    policies: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_POLICIES))



@dataclass(frozen=True)
class Config:
    """A whole custlab config: company, sources, settings, rules and tier rules."""

    path: Path
    company: str
    currency: str
    sources: dict[str, Source]
    settings: Settings
    rules: Rules = field(default_factory=Rules)
    tiers: TierRules = field(default_factory=TierRules)

    def published_path(self, path: str | Path) -> str:
        """``path`` as published reports show it: relative to the config's folder when it
        lies inside it, else the file's name alone. Published files (quality, quarantine,
        run.json) never carry the machine's absolute paths."""
        path = Path(path)
        try:
            return path.resolve().relative_to(self.path.parent).as_posix()
        except ValueError:
            return path.name


def _suggest(key: str, allowed: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_keys(where: str, given: dict, allowed: list[str] | tuple[str, ...], file: Path) -> None:
    for key in given:
        if key not in allowed:
            raise ConfigError(
                f"unknown key '{where}{key}'{_suggest(key, allowed)}; allowed: {', '.join(allowed)}",
                file=str(file),
            )


def _typed(value: Any, kind: type | tuple[type, ...], key: str, file: Path) -> Any:
    if isinstance(value, bool) and kind is not bool:
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"key '{key}' must be {names}, got {value!r}", file=str(file))
    return value


def _rate(value: Any, key: str, file: Path, upper: float = 1.0) -> float:
    value = float(_typed(value, (int, float), key, file))
    if not 0.0 <= value <= upper:
        raise ConfigError(f"key '{key}' must be between 0 and {upper:g}, got {value:g}", file=str(file))
    return value


def _parse_source(table: str, raw: dict, base: Path, file: Path) -> Source:
    where = f"sources.{table}."
    allowed = (
        "path", "format", "columns", "derive", "date_format", "delimiter", "sheet", "header", "encoding",
        "decimal_separator", "thousands_separator", *(("purchase_log",) if table == "transactions" else ()),
    )  # fmt: skip
    _check_keys(where, raw, allowed, file)
    if "path" not in raw:
        raise ConfigError(f"key '{where}path' is missing", file=str(file))
    path = Path(_typed(raw["path"], str, where + "path", file))
    if not path.is_absolute():
        resolved = (base / path).resolve()
        if not resolved.is_relative_to(base.resolve()):
            raise ConfigError(
                f"key '{where}path' = {str(path)!r} leads outside the config's folder; write an absolute path "
                "if that file is really meant",
                file=str(file),
            )
        path = base / path
    fmt = raw.get("format")
    if fmt is None:
        name = path.name.lower()
        fmt = next((f for ext, f in _EXTENSION_FORMATS.items() if name.endswith(ext)), None)
        if fmt is None:
            raise ConfigError(
                f"cannot tell the format of '{path.name}'; set '{where}format' to one of {', '.join(FORMATS)}",
                file=str(file),
            )
    elif fmt not in FORMATS:
        raise ConfigError(f"key '{where}format' must be one of {', '.join(FORMATS)}, got {fmt!r}", file=str(file))
    spec = TABLES[table]
    columns = _typed(raw.get("columns", {}), dict, where + "columns", file)
    derive = _typed(raw.get("derive", {}), dict, where + "derive", file)
    for group, mapping in (("columns", columns), ("derive", derive)):
        _check_keys(f"{where}{group}.", mapping, tuple(spec.columns), file)
        for key, value in mapping.items():
            _typed(value, str, f"{where}{group}.{key}", file)
    both = set(columns) & set(derive)
    if both:
        raise ConfigError(f"column '{sorted(both)[0]}' is both mapped and derived in '{where[:-1]}'", file=str(file))
    purchase_log = _typed(raw.get("purchase_log", False), bool, where + "purchase_log", file)
    if purchase_log:
        if "revenue" in columns or "revenue" in derive:
            raise ConfigError(f"'{where}purchase_log' is true but revenue is mapped: a purchase log has no amounts", file=str(file))
        derive = {**derive, "revenue": PURCHASE_LOG_REVENUE}
    date_format = raw.get("date_format")
    if isinstance(date_format, list):
        if not date_format or not all(isinstance(f, str) for f in date_format):
            raise ConfigError(f"key '{where}date_format' must be a format or a list of formats", file=str(file))
        date_format = tuple(date_format)
    elif date_format is not None:
        _typed(date_format, str, where + "date_format", file)
    separators = {}
    for key, default in (("decimal_separator", "."), ("thousands_separator", "")):
        value = _typed(raw.get(key, default), str, where + key, file)
        if value not in (".", ",", "", " ", "'"):
            raise ConfigError(f"key '{where}{key}' must be one of '.', ',', ' ', \"'\" or empty, got {value!r}", file=str(file))
        separators[key] = value
    if separators["decimal_separator"] == separators["thousands_separator"] or not separators["decimal_separator"]:
        raise ConfigError(f"keys '{where}decimal_separator' and 'thousands_separator' must differ", file=str(file))
    return Source(
        table=table,
        path=path.resolve(),
        inside_config_folder=path.resolve().is_relative_to(base.resolve()),
        format=fmt,
        columns=dict(columns),
        derive=dict(derive),
        date_format=date_format,
        encoding=_typed(raw.get("encoding", "utf-8"), str, where + "encoding", file),
        **separators,
        delimiter=raw.get("delimiter") and _typed(raw["delimiter"], str, where + "delimiter", file),
        sheet=raw.get("sheet") and _typed(raw["sheet"], str, where + "sheet", file),
        header=_typed(raw.get("header", True), bool, where + "header", file),
        purchase_log=purchase_log,
    )


def _parse_settings(raw: dict, file: Path) -> Settings:
    defaults = Settings()
    allowed = tuple(Settings.__dataclass_fields__)
    _check_keys("settings.", raw, allowed, file)
    window = _typed(raw.get("window_months", defaults.window_months), int, "settings.window_months", file)
    if not 1 <= window <= 120:
        raise ConfigError(f"key 'settings.window_months' must be 1..120, got {window}", file=str(file))
    rates = dict(defaults.ecl_rates)
    given = _typed(raw.get("ecl_rates", {}), dict, "settings.ecl_rates", file)
    _check_keys("settings.ecl_rates.", given, ECL_BUCKETS, file)
    for bucket, value in given.items():
        rates[bucket] = _rate(value, f"settings.ecl_rates.{bucket}", file)
    scale = raw.get("satisfaction_scale", list(defaults.satisfaction_scale))
    if (
        not isinstance(scale, list)
        or len(scale) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scale)
        or scale[0] >= scale[1]
    ):
        raise ConfigError(
            f"key 'settings.satisfaction_scale' must be [lowest, highest], got {scale!r}", file=str(file)
        )
    horizon = _typed(raw.get("clv_horizon_months", defaults.clv_horizon_months), int, "settings.clv_horizon_months", file)
    lapse = _typed(raw.get("lapse_months", defaults.lapse_months), int, "settings.lapse_months", file)
    if not 1 <= horizon <= 240 or not 1 <= lapse <= 60:
        raise ConfigError("keys 'settings.clv_horizon_months' (1..240) and 'settings.lapse_months' (1..60) out of range", file=str(file))
    satisfied = raw.get("satisfied_min")
    if satisfied is not None:
        satisfied = float(_typed(satisfied, (int, float), "settings.satisfied_min", file))
        if not float(scale[0]) <= satisfied <= float(scale[1]):
            raise ConfigError(f"key 'settings.satisfied_min' must lie on the satisfaction scale {scale}", file=str(file))
    purchase_model = _typed(raw.get("purchase_model", defaults.purchase_model), str, "settings.purchase_model", file)
    if purchase_model not in PURCHASE_MODEL_NAMES:
        raise ConfigError(f"key 'settings.purchase_model' must be one of {', '.join(PURCHASE_MODEL_NAMES)}, got {purchase_model!r}", file=str(file))
    max_csv_rows = _typed(raw.get("max_csv_rows", defaults.max_csv_rows), int, "settings.max_csv_rows", file)
    max_account_pages = _typed(raw.get("max_account_pages", defaults.max_account_pages), int, "settings.max_account_pages", file)
    for key, value in (("max_csv_rows", max_csv_rows), ("max_account_pages", max_account_pages)):
        if value < 0:
            raise ConfigError(f"key 'settings.{key}' must be >= 0, got {value}", file=str(file))
    return Settings(
        purchase_model=purchase_model,
        max_csv_rows=max_csv_rows,
        max_account_pages=max_account_pages,
        discount_rate=_rate(raw.get("discount_rate", defaults.discount_rate), "settings.discount_rate", file),
        clv_horizon_months=horizon,
        lapse_months=lapse,
        satisfied_min=satisfied,
        window_months=window,
        default_gross_margin=_rate(
            raw.get("default_gross_margin", defaults.default_gross_margin), "settings.default_gross_margin", file
        ),
        cost_of_capital=_rate(raw.get("cost_of_capital", defaults.cost_of_capital), "settings.cost_of_capital", file),
        ecl_rates=rates,
        satisfaction_scale=(float(scale[0]), float(scale[1])),
    )


def _parse_rules(raw: dict, file: Path) -> Rules:
    _check_keys("rules.", raw, tuple(_RULE_BOUNDS), file)
    values = {}
    for key, value in raw.items():
        low, high = _RULE_BOUNDS[key]
        number = float(_typed(value, (int, float), f"rules.{key}", file))
        if not low <= number <= high:
            raise ConfigError(f"key 'rules.{key}' must be between {low:g} and {high:g}, got {number:g}", file=str(file))
        values[key] = number
    return Rules(**values)


#: Valid range of each tier rule (see :class:`custlab.analysis.tiers.TierRules`).
_TIER_BOUNDS = {
    "history_guard_months": (int, 1, 60),
    "potential_weight": (float, 0.0, 1.0),
    "key_value_share": (float, 0.01, 0.99),
    "important_value_share": (float, 0.01, 0.999),
    "general_value_share": (float, 0.01, 1.0),
    "silent_months": (int, 1, 60),
    "lapse_gap_multiple": (float, 1.0, 20.0),
    "rising_min_growth": (float, 1.0, 100.0),
    "rising_min_orders": (int, 1, 1000),
    "trend_months": (int, 1, 24),
    "history_periods": (int, 1, 24),
}


def _parse_tiers(raw: dict, file: Path) -> TierRules:
    _check_keys("tiers.", raw, (*_TIER_BOUNDS, "policies"), file)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "policies":
            continue
        kind, low, high = _TIER_BOUNDS[key]
        number = _typed(value, int if kind is int else (int, float), f"tiers.{key}", file)
        if not low <= number <= high:
            raise ConfigError(f"key 'tiers.{key}' must be between {low:g} and {high:g}, got {number:g}", file=str(file))
        values[key] = kind(number)
    rules = TierRules(**values)
    if not rules.key_value_share < rules.important_value_share < rules.general_value_share:
        raise ConfigError("tier shares must rise: key_value_share < important_value_share < general_value_share", file=str(file))
    policies = _typed(raw.get("policies", {}), dict, "tiers.policies", file)
    _check_keys("tiers.policies.", policies, TIERS, file)
    for tier, text in policies.items():
        _typed(text, str, f"tiers.policies.{tier}", file)
    return TierRules(**values, policies={**rules.policies, **policies})


def load_config(path: str | Path) -> Config:
    """Read, check and resolve a custlab config file.

    Parameters
    ----------
    path : str or Path
        The TOML file. Source paths inside it are relative to its folder.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        The file is missing, is not valid TOML, has an unknown key, a value of
        the wrong type, or no transactions source.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError("config file not found", file=str(file))
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not a valid TOML file ({exc})", file=str(file)) from None
    _check_keys("", raw, ("company", "sources", "settings", "rules", "tiers"), file)
    company = _typed(raw.get("company", {}), dict, "company", file)
    _check_keys("company.", company, ("name", "currency"), file)
    sources_raw = _typed(raw.get("sources", {}), dict, "sources", file)
    _check_keys("sources.", sources_raw, tuple(TABLES), file)
    if "transactions" not in sources_raw:
        raise ConfigError("no [sources.transactions] table: transactions are required", file=str(file))
    base = file.resolve().parent
    sources = {
        table: _parse_source(table, _typed(value, dict, f"sources.{table}", file), base, file)
        for table, value in sources_raw.items()
    }
    return Config(
        path=file.resolve(),
        company=_typed(company.get("name", "Our company"), str, "company.name", file),
        currency=_typed(company.get("currency", ""), str, "company.currency", file),
        sources=sources,
        settings=_parse_settings(_typed(raw.get("settings", {}), dict, "settings", file), file),
        rules=_parse_rules(_typed(raw.get("rules", {}), dict, "rules", file), file),
        tiers=_parse_tiers(_typed(raw.get("tiers", {}), dict, "tiers", file), file),
    )
