# kefu: `make demo` shows the product on a generated shop, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := demo-shop
DEMO_DB := demo.duckdb

.PHONY: install dev system-deps demo lint test bench screenshots readme docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'

# The headline figures on screen; the full tables go to the files named at the end.
SHOP_HEADLINE := inquiry_buyers,reply_rate,conversion_rate,inquiry_sales,total_sales,platform_fast_rate,satisfaction_rate
AGENT_HEADLINE := inquiry_buyers,reply_rate,avg_response_s,conversion_rate,inquiry_sales,qc_score

demo: install
	$(BIN)/kefu demo $(DEMO_DIR)
	rm -f $(DEMO_DB)
	$(BIN)/kefu --db $(DEMO_DB) import $(DEMO_DIR)
	$(BIN)/kefu --db $(DEMO_DB) qc run --format csv -o demo-qc.csv
	$(BIN)/kefu --db $(DEMO_DB) report --grain shop_day --period week --metrics $(SHOP_HEADLINE)
	$(BIN)/kefu --db $(DEMO_DB) report --period all --metrics $(AGENT_HEADLINE)
	$(BIN)/kefu --db $(DEMO_DB) report --format csv -o demo-report.csv
	$(BIN)/kefu --db $(DEMO_DB) export xlsx -o demo-report.xlsx
	$(BIN)/kefu --db $(DEMO_DB) html -o demo-report.html
	@echo "完整报表 / full tables: demo-report.csv（客服日报）demo-report.xlsx（工作簿）demo-report.html（离线报表）demo-qc.csv（质检）"

system-deps:
	bash scripts/system-deps.sh

lint: dev
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/mypy

test: lint system-deps
	$(BIN)/python -m pytest

# Benchmarks (not part of make test): 1M and 10M messages, writes docs/performance.md.
bench: dev system-deps
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,bench]'
	$(BIN)/python -m bench.run

# The README's screenshots (docs/img), taken from the current code on the demo shop.
screenshots: dev system-deps
	$(BIN)/python scripts/screenshots.py docs/img

# The README's example output (every `$ kefu …` block) rerun on the current code, screenshots included.
readme: screenshots
	$(BIN)/python scripts/readme_tour.py README.md docs/*.md

# The generated tables of the README and docs/ (metrics, settings, facts) rewritten from the code.
docs: $(BIN)/python
	$(BIN)/python scripts/generated_docs.py

clean:
	rm -rf $(DEMO_DIR) $(DEMO_DB) demo-qc.csv demo-report.csv demo-report.xlsx demo-report.html .pytest_cache .hypothesis
