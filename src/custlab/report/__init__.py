"""Stage 4, render: from a saved :class:`custlab.result.PeriodResult` to published HTML.

:mod:`~custlab.report.runner` runs a period (analysis in its own process, the
report notebook with papermill, the export, the publication); tables, plots,
account sheets and the index page format what the notebook shows."""
