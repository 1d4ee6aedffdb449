# HASHTAGS: two commands do all the set-up. `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Review the demo company's posts against its policy and print the verdicts.
run: $(STAMP)
	$(BIN)/hashtags demo-review

## Lint, type-check and run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

## Throughput and accuracy figures (see docs/benchmarks.md).
bench: $(STAMP)
	$(BIN)/python bench/review_bench.py
	$(BIN)/python bench/pii_bench.py
	$(BIN)/python bench/lexicon_bench.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
