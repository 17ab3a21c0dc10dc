# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Profitability: drilling into customers and segments
#
# A research notebook for analysts: the same per-customer profit as the periodic report, with room to dig into one customer or one segment. Change the parameters and run all cells. The defaults read the demo company (`make demo` writes it).

# %% tags=["parameters"]
config: str = "../data/demo/custlab.toml"  # the company's custlab.toml
period: str = "2026-10"  # YYYY-MM or YYYY-Qn
customer_id: str = ""  # one customer to drill into, empty means the largest lean big customer
segment: str = "kind"  # a customers.csv column to compare segments by, e.g. kind or region

# %%
import custlab
from custlab.analysis import curves, flags, profit
from custlab.report import plots, tables

plots.use_report_style()
result = custlab.analyse(config, period)
customers = result.customers
currency = result.summary["currency"]

# %% [markdown]
# ## The whale curve and the 80/20 figures

# %%
plots.whale_curve(curves.whale_points(customers), top_share=result.summary["top_share"]);

# %%
tables.profit_concentration(result.summary)

# %% [markdown]
# ## Segments
#
# Profit, margin and the share of loss-making customers per segment. A segment's share of profit can exceed 100% when others lose money.

# %%
tables.profit_by(customers, segment)

# %% [markdown]
# ## One customer's waterfall
#
# Where this customer's revenue goes, term by term.

# %%
customer_id = customer_id or tables.largest_lean_big(customers)
customer_id

# %%
plots.profit_waterfall(profit.customer_waterfall(customers, customer_id), currency=currency);

# %%
customers[customers["customer_id"] == customer_id].T

# %% [markdown]
# ## Lean big customers and how the threshold matters
#
# The lean-big rule flags big customers whose profit is under a share of revenue (`rules.lean_big_max_margin`). The table shows how the list grows as that threshold rises.

# %%
flags.lean_big_sensitivity(customers)

# %%
tables.lean_big_table(customers, limit=50)

# %% [markdown]
# ## One-off bulk buyers

# %%
tables.bulk_one_off_table(customers, limit=50)

# %% [markdown]
# ## Revenue against profit

# %%
plots.revenue_profit_scatter(customers, currency=currency);
