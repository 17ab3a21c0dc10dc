"""Infrastructure every stage runs on: the DuckDB session and its staging protocol
(:mod:`custlab.engine.session`), and the SQL dialects custlab's queries are written
in (:mod:`custlab.engine.dialects`). No domain knowledge lives here."""
