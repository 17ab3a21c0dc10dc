"""Stage 2, aggregate: the one step that reads raw transaction rows.

:mod:`~custlab.aggregate.facts` builds the customer x month facts (SQL in
``sql/``) and every per-customer read of them; :mod:`~custlab.aggregate.spark`
runs the same SQL on a Spark cluster."""
