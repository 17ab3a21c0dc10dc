"""Stage 3, analyse: per-customer frames in, figures out; pure pandas and scikit-learn.

:mod:`~custlab.analysis.pipeline` orchestrates one period (validate, aggregate,
the customer files, the summary) and returns a :class:`custlab.result.PeriodResult`.
One module per analysis: profit, curves, flags, tiers, migration, clusters,
loyalty, retention, risk, customer value. Nothing here renders."""
