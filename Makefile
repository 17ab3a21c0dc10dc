# custlab: the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PERIOD ?= 2026-10
OUT    ?= reports

.PHONY: setup demo demo-business test report-cdnow lab clean bench-clv sync-notebooks

# A local virtual environment with custlab installed in editable mode.
$(BIN)/custlab: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/custlab

# Generate the demo company and publish its report for $(PERIOD).
demo: setup
	$(BIN)/custlab demo --out data/demo
	$(BIN)/custlab report --config data/demo/custlab.toml --period $(PERIOD) --out $(OUT)

# The business demo company (1,500 accounts, every key-account risk planted) and its report.
demo-business: setup
	$(BIN)/custlab demo --profile business --out data/demo-business
	$(BIN)/custlab report --config data/demo-business/custlab.toml --period $(PERIOD) --out $(OUT)/business

# The whole test suite: unit and end-to-end tests, then every notebook with nbval.
test: setup
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env tests notebooks

# The report on the real CDNOW data (transactions only).
report-cdnow: setup
	$(BIN)/custlab report --config data/cdnow/custlab.toml --period 1998-06 --out $(OUT)

# JupyterLab with custlab importable, for analysts.
lab: setup
	$(BIN)/jupyter lab notebooks

# After editing a notebook or its py:percent twin: bring the pair in line, outputs stripped.
sync-notebooks: setup
	$(BIN)/jupytext --sync notebooks/*.ipynb notebooks/reports/*.ipynb
	$(BIN)/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb notebooks/reports/*.ipynb

clean:
	rm -rf $(VENV) data/demo $(OUT)/*/ .pytest_cache

# custlab.clv against lifetimes (installed only in this benchmark's own environment).
BENCH_VENV ?= .venv-bench
bench-clv:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -e . lifetimes
	$(BENCH_VENV)/bin/python benchmarks/clv_vs_lifetimes.py --customers $(or $(CUSTOMERS),1000000)
