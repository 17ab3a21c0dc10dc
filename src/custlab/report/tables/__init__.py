"""Tables and tiles for the reports: business labels, thousands separators, percentages.

Pure functions build the frames (tested); thin ``*_html``/``style_*`` helpers
render them for the notebook through :mod:`custlab.report.html`, the one path
that escapes every value. One module per report section; everything is
importable from ``custlab.report.tables``.
"""

from custlab.report.tables._format import missing, money, notes_html, percent, sentences_html, style_customer_table, when_available
from custlab.report.tables.summary import kpi_tiles, kpi_tiles_html, by_kind_table, style_by_kind, quality_frame, style_quality, quarantine_summary, quarantine_html
from custlab.report.tables.profitability import style_waterfall, lean_big_table, bulk_one_off_table, profit_concentration, profit_by, largest_lean_big, top_customers_table
from custlab.report.tables.retention import scenario_table, model_scenario_table, model_comparison_table, style_model_comparison, model_check_sentences, scenario_comparison, value_by, satisfied_defectors_table, retention_sentences, style_scenarios, style_value_by, style_retention_by_satisfaction, model_health, model_health_html, equity_explained
from custlab.report.tables.segmentation import style_tier_table, migration_table, style_migration, style_movers, rising_table, tier_history_table, style_tier_history, style_cluster_profile, style_cluster_diagnostics
from custlab.report.tables.decisions import change_sentences, changes_html, actions_table, actions_html, churn_risk_table, churn_risk_note
from custlab.report.tables.risk import risk_glance_table, risk_glance_html, concentration_tiles_html, ageing_table, style_ageing, flagged_accounts, flagged_accounts_html, flagged_totals, style_concentration_history

__all__ = [
    "actions_html",
    "actions_table",
    "change_sentences",
    "changes_html",
    "churn_risk_note",
    "churn_risk_table",
    "style_ageing",
    "style_cluster_diagnostics",
    "style_tier_history",
    "style_scenarios",
    "ageing_table",
    "risk_glance_html",
    "risk_glance_table",
    "equity_explained",
    "model_health",
    "model_health_html",
    "bulk_one_off_table",
    "by_kind_table",
    "concentration_tiles_html",
    "flagged_accounts",
    "flagged_accounts_html",
    "flagged_totals",
    "kpi_tiles",
    "kpi_tiles_html",
    "largest_lean_big",
    "lean_big_table",
    "migration_table",
    "model_scenario_table",
    "model_comparison_table",
    "model_check_sentences",
    "missing",
    "scenario_comparison",
    "when_available",
    "style_model_comparison",
    "money",
    "notes_html",
    "percent",
    "profit_by",
    "profit_concentration",
    "quality_frame",
    "quarantine_html",
    "quarantine_summary",
    "retention_sentences",
    "rising_table",
    "satisfied_defectors_table",
    "scenario_table",
    "sentences_html",
    "style_by_kind",
    "style_cluster_profile",
    "style_concentration_history",
    "style_customer_table",
    "style_migration",
    "style_movers",
    "style_quality",
    "style_retention_by_satisfaction",
    "style_tier_table",
    "style_value_by",
    "style_waterfall",
    "tier_history_table",
    "top_customers_table",
    "value_by",
]
