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
# # Retention and lifetime value
#
# For analysts: the customer-value models behind the report's retention section, shown on three data sets.
#
# 1. **CDNOW** (real): the BG/NBD and Gamma-Gamma replication of Fader, Hardie & Lee (2005), with the calibration/holdout check, MBG/NBD and Pareto/NBD on the same holdout, and BG/BB on the donations data.
# 2. **IBM Telco** (real, subscriptions): the shifted-beta-geometric retention model per contract type and what a few points more monthly retention are worth.
# 3. **The demo company**: lifetime value per customer and the retention scenarios of the periodic report.

# %% tags=["parameters"]
data_dir: str = "../data"  # the repository's data folder
config: str = "../data/demo/custlab.toml"  # the company for part 3
period: str = "2026-10"
telco_margin: float = 0.30  # assumed share of monthly charges that is profit (the data have no costs)
discount_rate: float = 0.10  # annual

# %%
import pandas as pd

import custlab
from custlab import clv
from custlab.analysis import contractual
from custlab.sources import datasets
from custlab.report import plots, tables

plots.use_report_style()

# %% [markdown]
# ## 1. CDNOW: BG/NBD and Gamma-Gamma
#
# Calibration weeks 1–39 (to 1997-09-30), holdout weeks 40–78. Same-day purchases are merged; time in weeks counted in days.

# %%
transactions = datasets.cdnow_sample(f"{data_dir}/cdnow/CDNOW_sample.txt")
split = clv.rfm_summary(transactions, "customer_id", "date", "value", observation_end="1998-06-30",
                        calibration_end="1997-09-30", freq="D", freq_multiplier=7)
split.describe()

# %%
bgf = clv.BetaGeoFitter().fit(split["frequency_cal"], split["recency_cal"], split["T_cal"])
pd.DataFrame({"custlab": bgf.params_, "published (FHL 2005)": [0.2426, 4.4136, 0.7929, 2.4259]})

# %%
bgf.log_likelihood_

# %%
holdout = clv.calibration_holdout_table(bgf, split)
holdout.attrs

# %%
plots.holdout_chart(holdout.reset_index(), weeks=39);

# %% [markdown]
# ### Three purchase models on the same holdout
#
# BG/NBD, MBG/NBD (Batislam et al. 2007) and Pareto/NBD (Schmittlein et al. 1987) fitted on the 39 calibration weeks and scored on the 39 holdout weeks, as the report chooses its model. Published estimates: MBG/NBD r, α, a, b = 0.525, 6.183, 0.891, 1.614 (BTYDplus); Pareto/NBD r, α, s, β = 0.553, 10.578, 0.606, 11.669 (Fader, Hardie & Lee 2005). Standard errors come from the observed information matrix.

# %%
comparison, fitted = clv.compare_purchase_models(split)
comparison

# %%
clv.choose_purchase_model(comparison)

# %%
pd.concat({name: model.summary for name, (model, _) in fitted.items()})

# %% [markdown]
# ### Discrete time: BG/BB on the donations data
#
# Repeat donations of the 1995 cohort over six yearly occasions (Fader, Hardie & Shang 2010); published α, β, γ, δ = 1.204, 0.750, 0.657, 2.783.

# %%
donations = pd.read_csv(f"{data_dir}/cdnow/donations.csv")
bgbb = clv.BetaGeoBetaBinomFitter().fit(donations["frequency"], donations["recency"], donations["periods"], weights=donations["weights"])
bgbb.summary

# %% [markdown]
# ### Spend per purchase: Gamma-Gamma

# %%
repeat = split[split["frequency_cal"] > 0]
ggf = clv.GammaGammaFitter().fit(repeat["frequency_cal"], repeat["monetary_value_cal"])
pd.DataFrame({"custlab": ggf.params_, "published": [6.25, 3.74, 15.44]})

# %% [markdown]
# Twelve-month CLV of the CDNOW customers at a 30% margin and 10% a year (weeks: 4.345 per month). No value after the horizon is counted.

# %%
spend = ggf.conditional_expected_average_profit(split["frequency_cal"], split["monetary_value_cal"])
value = clv.customer_lifetime_value(bgf, split["frequency_cal"], split["recency_cal"], split["T_cal"], spend,
                                    margin=0.30, discount_rate=discount_rate, horizon_months=12,
                                    time_units_per_month=4.345)
pd.Series(value).describe()

# %% [markdown]
# ## 2. Telco: contractual retention (sBG)
#
# Retention rises with tenure because the churn-prone leave first. One- and two-year contracts show no spread in churn across customers (a plain geometric model fits).

# %%
telco = datasets.read_telco(f"{data_dir}/telco/Telco-Customer-Churn.csv")
fitters = contractual.fit_by_group(telco, "tenure", "churned", "Contract")
contractual.model_table(fitters)

# %%
contractual.survival_table(fitters).plot(title="Share of a new cohort still subscribed", ylabel="share", xlabel="months");

# %%
contractual.retention_scenarios(fitters, telco[~telco["churned"]], "Contract", "tenure", "MonthlyCharges",
                                telco_margin, discount_rate)

# %% [markdown]
# ## 3. The demo company: lifetime value and retention scenarios

# %%
result = custlab.analyse(config, period)
tables.value_by(result.customers, "kind")

# %%
tables.scenario_table(result.scenarios, result.summary['currency'])

# %%
tables.model_scenario_table(result.summary, result.summary['currency'])

# %%
tables.sentences_html(tables.model_check_sentences(result.summary))

# %%
tables.style_model_comparison(tables.model_comparison_table(result.summary))
