VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench notebooks clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/postmortems ingest data/sample-archive --db data/postmortems.duckdb
	$(VENV)/bin/postmortems dashboard --db data/postmortems.duckdb

lint: $(STAMP)
	$(VENV)/bin/ruff check analytics dashboards tests benchmarks
	$(VENV)/bin/ruff format --check analytics dashboards tests benchmarks
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(PY) benchmarks/run.py

notebooks: $(STAMP)
	$(VENV)/bin/postmortems ingest data/sample-archive --db data/postmortems.duckdb
	test -x $(VENV)/bin/jupyter-lab || $(PY) -m pip install -q jupyterlab
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) data/*.duckdb reports
