"""Stage 1, sources -> validate: the config and the input contract, reading each
source file, and validation into clean tables plus a quarantine.

:mod:`~custlab.sources.config` reads the TOML, :mod:`~custlab.sources.contract`
names the canonical tables, :mod:`~custlab.sources.files` exposes the files to
DuckDB and :mod:`~custlab.sources.validation` checks every row."""
