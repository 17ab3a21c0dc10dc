"""The notebooks custlab ships as ``custlab.notebooks``: the report notebook the scheduler
runs (``reports/customer_report.ipynb``) and the research notebooks analysts open.

``custlab notebooks --out DIR`` copies them for editing; nothing here is imported.
"""
