# kefu: `make demo` shows the product on a generated shop, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := demo-shop
DEMO_DB := demo.duckdb

.PHONY: install dev system-deps demo lint test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'

demo: install
	$(BIN)/kefu demo $(DEMO_DIR)
	rm -f $(DEMO_DB)
	$(BIN)/kefu --db $(DEMO_DB) import $(DEMO_DIR)
	$(BIN)/kefu --db $(DEMO_DB) report --grain account_day --period all
	$(BIN)/kefu --db $(DEMO_DB) report --grain shop_day --period week
	$(BIN)/kefu --db $(DEMO_DB) qc run --format csv -o demo-qc.csv
	$(BIN)/kefu --db $(DEMO_DB) html -o demo-report.html

system-deps:
	bash scripts/system-deps.sh

lint: dev
	$(BIN)/ruff check src tests

test: lint system-deps
	$(BIN)/python -m pytest

# Benchmarks (not part of make test): 1M and 10M messages, writes docs/performance.md.
bench: dev system-deps
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(DEMO_DIR) $(DEMO_DB) demo-qc.csv demo-report.html .pytest_cache .hypothesis
