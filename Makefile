# HASHTAGS: two commands do all the set-up. `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean install screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## The platform on this machine: the demo workspace (created once, in SQLite), the web service
## and the publishing worker. Prints the URL and the demo sign-ins; Ctrl-C stops both.
DEMO_DB ?= hashtags-demo.sqlite3
DEMO_PASSWORD ?= Cafeterra-Demo-2026
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(STAMP)
	@export HASHTAGS_DATABASE_URL='sqlite:///$(DEMO_DB)'; \
	$(BIN)/hashtags demo --if-absent --password '$(DEMO_PASSWORD)' || exit $$?; \
	$(BIN)/hashtags worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo; echo "HASHTAGS: http://$(HOST):$(PORT)/  (API: /api/v1, docs: /docs)"; \
	echo "Demo password for everyone: $(DEMO_PASSWORD) (if $(DEMO_DB) was made by make run)"; \
	echo "Ctrl-C stops the service and the worker."; echo; \
	$(BIN)/hashtags serve --host $(HOST) --port $(PORT)

## Lint, type-check and run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check src tests training bench scripts
	$(BIN)/ruff format --check src tests training bench scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests training bench scripts
	$(BIN)/mypy

## Throughput and accuracy figures (see docs/benchmarks.md).
bench: $(STAMP)
	$(BIN)/python bench/review_bench.py
	$(BIN)/python bench/pii_bench.py
	$(BIN)/python bench/lexicon_bench.py
	OMP_NUM_THREADS=1 $(BIN)/python bench/models_bench.py
	OMP_NUM_THREADS=1 $(BIN)/python bench/replies_bench.py

## README screenshots of the web app, from the demo workspace (needs /usr/bin/chromium).
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py --out docs/screenshots

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
