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
# # Segmentation: tiers, migration and clusters
#
# For analysts: how customers fall into the five management tiers, how they move between periods, and the data-driven clusters with the diagnostics that chose their number. Defaults read the demo company (`make demo`).

# %% tags=["parameters"]
config: str = "../data/demo/custlab.toml"
period: str = "2026-10"
cluster_seed: int = 0

# %%
import custlab
from custlab.analysis import clusters, migration
from custlab.report import plots, tables

plots.use_report_style()
result = custlab.analyse(config, period)
customers = result.customers

# %% [markdown]
# ## Tiers and the two pyramids

# %%
plots.tier_pyramids(migration.tier_summary(customers));

# %%
migration.tier_summary(customers, result.summary["tier_policies"])

# %% [markdown]
# Why customers are where they are (the rule that placed them):

# %%
migration.reason_counts(customers)

# %% [markdown]
# ## Migration since the previous period

# %%
tables.migration_table(result.summary)

# %%
result.movers

# %%
tables.tier_history_table(result.tier_history, "profit")

# %% [markdown]
# ## Rising small customers

# %%
tables.rising_table(customers, limit=50)

# %% [markdown]
# ## Clusters
#
# Diagnostics per number of clusters: silhouette and Calinski-Harabasz (higher is better), Davies-Bouldin (lower), bootstrap stability (adjusted Rand; 0.75 or more is stable).

# %%
labels, profile, segmenter = clusters.segment(customers, random_state=cluster_seed)
segmenter.diagnostics_

# %%
segmenter.k_, segmenter.stability_

# %%
profile

# %%
clusters.tier_mix(customers, labels)
