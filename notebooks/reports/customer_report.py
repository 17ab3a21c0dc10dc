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

# %% [markdown] tags=["remove-cell"]
# # Customer report
#
# What each customer contributed to profit over the report window, where margin leaks between revenue and profit, and how much of the company's data could be used.
#
# *Analysts:* change the parameters below and run all cells. Leave `results_dir` empty to compute from `config`; the scheduler (`custlab report`) fills it with results it computed once.

# %% tags=["parameters", "remove-cell"]
config: str = "../../data/cdnow/custlab.toml"  # the company's custlab.toml
period: str = "1998-06"  # YYYY-MM or YYYY-Qn, a string on purpose
results_dir: str = ""  # set by custlab report, empty means compute from config
top_n: int = 20  # rows in the customer lists

# %% tags=["remove-cell"]
import custlab
from custlab.report import charts, plots, tables

plots.use_report_style()
result = custlab.report_data(config=config, period=period, results_dir=results_dir)
summary = result.summary
currency = summary["currency"]
extract = result.extract  # what the report shows of the customers, computed once from all of them
listed = extract.lists_of(top_n)  # the customers the lists below can show

# %% [markdown]
# ## What changed and what to do
#
# The headline figures against the previous period and, where the data reach it, the same period a year earlier, then the actions the figures call for, largest amount at stake first. Each action links to the list of its customers below.

# %%
tables.when_available(summary, "revenue", tables.changes_html, summary)

# %%
tables.when_available(summary, "revenue", tables.actions_html, summary)

# %% [markdown]
# ## Headline figures
#
# Profit here is **customer profit**, not revenue: what is left of each customer's revenue after cost of goods, discounts and rebates, channel fees, the cost of serving the customer, the cost of the credit we give them, and the losses we expect on what they owe us.

# %%
tables.kpi_tiles_html(summary)

# %% [markdown]
# Consumers and business customers side by side:

# %%
tables.when_available(summary, ("revenue", "kind"), tables.style_by_kind, tables.by_kind_table(summary), currency)

# %% [markdown]
# ## Where the profit comes from
#
# The **whale curve** ranks customers from most to least profitable and adds up their profit, as a share of the total. Where some customers lose money it climbs above 100% and falls back: the peak is what the profitable customers earn, the fall what the others give back. The dashed line is the same ranking by revenue, which cannot show losses.

# %%
tables.when_available(summary, "revenue", charts.whale_curve, extract.whale, summary)

# %%
tables.when_available(summary, "revenue", tables.sentences_html, tables.profit_concentration(summary))

# %% [markdown]
# ### Where the margin leaks: from revenue to profit
#
# Each red bar is a cost that stands between revenue and profit; the blue bars are what is left after each group of costs. A large bar for discounts, channel fees, cost to serve or credit is margin given away *after* the sale, which is where "big" customers most often turn out to be lean.

# %%
tables.when_available(summary, "revenue", charts.profit_waterfall, result.waterfall, currency, summary["assumed_gross_margin"])

# %%
tables.when_available(summary, "revenue", tables.style_waterfall, result.waterfall, currency, summary["assumed_gross_margin"])

# %% [markdown]
# ### Big is not the same as valuable
#
# Each dot is a customer. Customers far to the right buy a lot; customers high up make money for us. **Lean big customers** (red) rank among the largest by revenue but keep little or no profit, because discounts, channel fees, service visits or long credit eat their margin. **One-off bulk buyers** (orange) placed one large order and have not come back: they are kept apart from key accounts until they buy again.

# %%
tables.when_available(summary, "revenue", charts.revenue_profit_scatter, extract.scatter, currency, summary)

# %% [markdown]
# **Lean big customers**, largest first, with the cost that eats their margin compared with the other big customers:

# %%
tables.when_available(summary, ("revenue", "margins_differ"), tables.style_customer_table, tables.lean_big_table(listed, top_n), currency, empty="No lean big customer this period.")

# %% [markdown]
# **One-off bulk buyers**, largest order first:

# %%
tables.when_available(summary, "revenue", tables.style_customer_table, tables.bulk_one_off_table(listed, top_n), currency, empty="No one-off bulk buyer this period.")

# %% [markdown]
# ## Who our customers are
#
# Every customer is placed in one of five tiers from its **profit now and its potential** (expected future profit), never from one snapshot: nobody is called invalid on less than six months of history, and new or fast-growing small customers are kept in maintenance. Each tier has its own policy.

# %%
tables.when_available(summary, "revenue", charts.tier_pyramids, extract.tiers)

# %%
tables.when_available(summary, "revenue", tables.style_tier_table, extract.tiers, currency)

# %% [markdown]
# ### Who moved since the previous period
#
# Rows are the tier at the end of the previous period (**new**: not yet a customer then); columns the tier now (**lost**: stopped buying). The diagonal are customers who stayed in their tier.

# %%
tables.when_available(summary, "revenue", tables.style_migration, tables.migration_table(summary))

# %% [markdown]
# The biggest movers up and down, with what changed:

# %%
tables.when_available(summary, "revenue", tables.style_movers, result.movers, currency, summary, listed)

# %% [markdown]
# ### How the tiers have evolved
#
# Customers per tier at the end of each recent period (oldest first):

# %%
tables.when_available(summary, "revenue", tables.style_tier_history, result.tier_history, "customers")

# %% [markdown]
# ### Rising small customers
#
# Do not drop them: small today, growing fast.
#
# Small customers whose recent half-year revenue and orders are at least twice those of the half-year before. Small customers who succeed become big ones.

# %%
tables.when_available(summary, "revenue", tables.style_customer_table, tables.rising_table(listed, top_n), currency, empty="No rising small customer this period.")

# %% [markdown]
# ### Segments nobody defined in advance
#
# Customers grouped by how they actually behave — how recently and how often they buy, how much per order, their margin, what serving them costs and how much credit they use — and named from their profile. How many groups to form was chosen by the data (see the methods appendix).

# %%
tables.when_available(summary, "revenue", tables.style_cluster_profile, result.cluster_profile, currency)

# %% [markdown]
# ## Retention and what it is worth
#
# Loyalty, not satisfaction, drives profit: what matters is whether customers keep buying. This section shows how many do, what today's customers are expected to be worth, what a few points more retention would add, and whether satisfied customers really stay.

# %%
tables.sentences_html(tables.retention_sentences(summary))

# %% [markdown]
# ### Cohorts: who keeps buying
#
# Each row is the group of customers who first bought in that month; each column a month later. Brighter cells mean a larger share of the cohort bought again that month.

# %%
charts.cohort_heatmap(result.cohorts)

# %% [markdown]
# ### How long customers stay
#
# A customer has left when it has not bought for the lapse period (setting `lapse_months`). Curves per kind of customer; the number in brackets is how many customers each curve follows.

# %%
charts.survival_curves(extract.survival_curves())

# %% [markdown]
# ### What customers are expected to be worth
#
# Lifetime value per customer: the expected profit of its future purchases over the horizon, discounted. The purchase model (BG/NBD, MBG/NBD or Pareto/NBD, whichever predicted best; see "Can the model be trusted?") estimates how often each customer will buy and whether it is still "alive"; the spend model (Gamma-Gamma) how much it will spend per purchase; each customer's own profit margin turns spend into profit. The 90% interval of customer equity comes from redrawing both models' parameters within their statistical uncertainty.

# %%
tables.style_value_by(extract.value_by_kind, currency)

# %% [markdown]
# ### What a few points more retention would add
#
# **Arithmetic.** With retention rate r per period (the share of last period's buyers who buy again), discount rate d per period and margin m per customer and period, a customer is worth m × r / (1 + d − r); customer equity is that times the number of customers. The first table uses the observed r, the average profit per active customer as m, and the period of the report window. Note that "+5 points" from 90% retention is not a 5% change: it halves the customers lost.
#
# The second table asks the purchase model the same question: defections are cut by the same proportion, and the lifetime values over the horizon are recomputed customer by customer. The two answers differ in what they count: the multiple every future period at today's margin, the model only the horizon, customer by customer.

# %%
tables.when_available(summary, "revenue", tables.style_scenarios, tables.scenario_table(result.scenarios, currency))

# %%
tables.when_available(summary, "revenue", tables.style_scenarios, tables.model_scenario_table(summary, currency))

# %%
tables.when_available(summary, "revenue", tables.sentences_html, tables.scenario_comparison(summary) + tables.equity_explained(summary))

# %% [markdown]
# ### Can the model be trusted?
#
# Three purchase models are fitted on the data up to six months before the period end (for a very large customer base, on a random sample of its customers, as said below) and asked how many purchases each customer would make in those six months. The one whose predictions miss customers' actual purchases least is chosen; where two are within 1%, the simpler one. The chosen model is then refitted on the whole history to value the customers.
#
# **Model health**: each check against its bar, and what the verdict means for the figures above.

# %%
tables.model_health_html(summary)

# %% [markdown]
# How the chosen model came about:

# %%
tables.sentences_html(tables.model_check_sentences(summary))

# %%
tables.style_model_comparison(tables.model_comparison_table(summary))

# %% [markdown]
# The chosen model's predictions, grouped by how often customers had bought before the six months. Bars of the same height mean the model predicts well.

# %%
charts.holdout_chart(result.holdout, summary)

# %% [markdown]
# ### Satisfied is not loyal
#
# Share of customers still buying, by their latest satisfaction score. If satisfied customers leave about as often as the others, satisfaction scores are not a measure of loyalty.

# %%
tables.when_available(summary, "surveys", tables.style_retention_by_satisfaction, extract.retention_by_satisfaction)

# %% [markdown]
# **Satisfied defectors**: customers who said they were satisfied and then stopped buying, largest lifetime revenue first.

# %%
tables.when_available(summary, "surveys", tables.style_customer_table, tables.satisfied_defectors_table(listed, top_n), currency, empty="No satisfied defector this period.")

# %% [markdown]
# ## Key-account risk
#
# Big customers bring big risks: dependence on a few of them, long credit and bad debt, a rising cost to serve them, and pressure on prices. Managing key accounts is managing the future.

# %% [markdown]
# **Every risk at a glance**: how many customers carry each flag and what it puts at stake (a customer may carry several).

# %%
tables.when_available(summary, "revenue", tables.risk_glance_html, extract.risk_glance, summary)

# %%
tables.when_available(summary, "revenue", tables.concentration_tiles_html, summary)

# %% [markdown]
# How concentrated revenue has been over recent periods (HHI: 10,000 = one customer; effective customers = 10,000 ÷ HHI):

# %%
tables.when_available(summary, "revenue", tables.style_concentration_history, result.concentration_history)

# %% [markdown]
# ### The largest customers

# %%
tables.when_available(summary, "revenue", tables.style_customer_table, tables.top_customers_table(listed, top_n), currency)

# %% [markdown]
# ### Receivables and bad debt
#
# What is owed, how late, and what we expect to lose: open receivables at the period end by days past due, per tier; the expected credit loss applies the loss rate of each bucket.

# %%
tables.when_available(summary, "receivables", tables.style_ageing, extract.ageing, currency)

# %% [markdown]
# ### Cost to serve and margin

# %%
tables.when_available(summary, "service", charts.cost_to_serve_vs_margin, extract.cost_to_serve, extract.counts)

# %% [markdown]
# ### Key and important customers who may have gone
#
# A tier is judged over several periods, so a valuable customer who stopped buying a few months ago keeps it for a while. These key and important customers (now or in the previous period) have either a low probability of still being a customer, by the purchase model, or have been silent for much longer than their own usual gap between purchases. The value at risk is the profit they earned over the window. Call them before the next period.

# %%
tables.when_available(summary, "revenue", tables.style_customer_table, tables.churn_risk_table(listed, top_n), currency, empty="No key or important customer is at churn risk this period.")

# %%
tables.when_available(summary, "revenue", tables.sentences_html, [tables.churn_risk_note(summary)])

# %% [markdown]
# ### Flagged accounts
#
# Key and important customers, lean big customers and those who may have gone, with at least one risk flag: most money at risk first, with the next step each calls for and the reasons. Each links to the customer's one-page account sheet (sheets go to risk-flagged accounts first, up to the configured number).

# %%
tables.when_available(summary, "revenue", tables.flagged_accounts_html, listed, currency=currency, summary=summary, totals=extract.counts)

# %% [markdown]
# ## Assumptions and missing inputs
#
# Where the company's data lacks an input, the report either assumes a value (and says which) or leaves the term out (and says so).

# %%
tables.notes_html(result.notes)

# %% [markdown]
# ## Data quality
#
# Every row read is either accepted or set aside in quarantine with a reason; nothing is dropped silently. Rows read = accepted + quarantined, for every table. The quarantined rows, with file, row number, column and reason, are published beside this report as `quarantine.csv` (as `quarantine.parquet` when there are more than `max_csv_rows`, by default a million).

# %%
tables.style_quality(result.quality)

# %% [markdown]
# Quarantined rows by problem, with the first row and an example value of each:

# %%
tables.quarantine_html(result.quarantine)

# %% [markdown]
# ## Methods
#
# - **Window.** Flows (revenue and every cost) are summed over the trailing window of months ending with the report period; stocks (open receivables and the expected-credit-loss allowance) are taken at the window's end.
# - **Pocket margin** = revenue − cost of goods − discounts and rebates − channel fees. Revenue is gross sales value before discounts; returns and credit notes are negative revenue.
# - **Contribution before credit** = pocket margin − cost to serve (service visits, repairs, support).
# - **Receivables carrying cost** = for each invoice, amount × cost of capital × days open in the window ÷ 365.
# - **Expected credit loss** = open receivables at the window's end, by ageing bucket (current, 1–30, 31–60, 61–90, over 90 days past due), times the loss rate of the bucket (IFRS 9 provision matrix; rates in the config).
# - **Customer profit** = contribution before credit − carrying cost − expected credit loss. Overheads that do not depend on customers are not allocated.
# - **Active customers** are those with any revenue or cost in the window; total profit also counts costs (credit, service) of customers who bought nothing in the window.
# - **Whale curve**: active customers ranked by profit; cumulative profit ÷ total profit. Its peak is the profit of the profitable customers as a share of the total; the loss tail is the peak minus 100%.
# - **Top 20% shares**: revenue (profit) of the 20% of active customers with the highest revenue (profit), as a share of the total (the share is `rules.top_share`).
# - **Lean big customer**: revenue in the top `rules.lean_big_top_revenue_share` of active customers (default 10%) and profit below `rules.lean_big_max_margin` of revenue (default 5%). The cost named is the waterfall term whose share of revenue most exceeds its median among the other big customers.
# - **One-off bulk buyer**: exactly one order in the customer's whole history, worth at least `rules.bulk_order_multiple` (default 10) times the median customer's average order value.
# - **Retention rate**: of the customers who bought in the window before the report window, the share who bought in the report window.
# - **Lifetime value**: a purchase model — BG/NBD (Fader, Hardie & Lee 2005), MBG/NBD (Batislam et al. 2007) or Pareto/NBD (Schmittlein et al. 1987), chosen by the lowest mean absolute error per customer on the last six months when fitted on the data before them (above 500,000 customers, fitted on a seeded sample of 500,000 and scored on all; within 1%, the simpler; setting `purchase_model`) — and Gamma-Gamma spend, fitted by maximum likelihood on each customer's purchase days (same-day purchases merged; time in weeks). CLV = Σ over months of the horizon of expected purchases × expected spend × the customer's profit margin ÷ (1 + monthly discount rate)^month. No value after the horizon is counted; acquisition cost is not subtracted. Settings `clv_horizon_months` and `discount_rate` (annual). The 90% interval of customer equity: the 5th and 95th percentiles over 100 seeded draws of both models' parameters from their estimated covariance (normal on the log scale), each draw valued on a seeded sample of 2,000 customers with quarterly discounting and applied to the whole base as a ratio.
# - **Satisfied defector**: no purchase for `lapse_months` months, and a latest survey score of at least the satisfied threshold (`satisfied_min`, by default the top quarter of the scale).
# - **Tiers** (settings in `[tiers]`): value = half the profit over the window plus half the expected profit per year (lifetime value over its horizon). *Invalid*: at least six months of history, not big, not rising, not a bulk buyer, and either silent for nine months and three of its usual gaps between purchases, or losing money now and expected to. *Key / important / general*: the remaining customers ranked by value, cut where their cumulative share of positive value reaches 55%, 82% and 98.5%. *Maintenance*: the rest, customers with less than six months of history, one-off bulk buyers and rising small customers. Lean big customers are general.
# - **Rising**: revenue and orders of the last six months at least twice those of the six months before, at least six recent orders, and not among the biggest customers.
# - **Clusters**: k-means (mini-batch, fixed seed) on log-scaled recency, frequency, order value, cost-to-serve and credit shares and on margin, all standardised. The number of clusters is chosen by the mean rank of silhouette, Calinski-Harabasz, Davies-Bouldin and bootstrap stability (adjusted Rand index between resampled clusterings; 0.75 or more is stable), not by the elbow. The diagnostics for each number tried are below.
# - **Concentration**: top-N shares of revenue and profit of active customers; HHI = Σ(100 × revenue share)² over customers with positive revenue; effective customers = 10,000 ÷ HHI; a customer with 10% or more of revenue is a dependence risk (`rules.dependence_share`).
# - **Receivables**: DSO = open receivables at the period end ÷ amount invoiced in the window × days in the window. A **big debtor** has overdue receivables of at least 20% of its revenue in the window (`rules.big_debtor_overdue_share`), some of them over 90 days past due, and at least 0.05% of all overdue receivables.
# - **Cost to serve rising**: +50% or more on the window before, faster than revenue and by at least 2 points of revenue. **Price pressure**: discounts and fees up 2 points of revenue or more while the pocket margin fell. **Territory**: a business customer buying over 20% outside its assigned region, where both regions are known.
# The clustering diagnostics for each number of clusters tried:

# %%
tables.when_available(summary, "revenue", tables.style_cluster_diagnostics, result.cluster_diagnostics)
