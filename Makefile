# Two commands do everything on a fresh clone:
#   make demo   set up, build the project on the bundled sample data, print a summary
#   make test   set up, check the seeds, lint, build with every dbt test, run pytest
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
DBT       := $(VENV)/bin/dbt
STAMP     := $(VENV)/.installed
export DBT_PROFILES_DIR := $(CURDIR)
# dbt writes its anonymous usage pings nowhere here: there is no network beyond the registries.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
# dbt colours its output only on a terminal: a log file or CI gets no escape codes.
export DBT_USE_COLORS ?= $(shell [ -t 1 ] && echo true || echo false)

.PHONY: help setup demo build check-seeds validate test lint lint-sql lint-py pytest lock clean bench bench-quick setup-engines test-postgres test-spark rebuild-facts

help:
	@echo "make demo   - set up and build the bundled sample, print the summary"
	@echo "make test   - set up, check seeds, lint, dbt build (all data and unit tests), pytest"
	@echo "make build  - gate, dbt build and build report on your logs in AI_FINOPS_RAW_DIR with your config/ (FAIL_ON=warning: strict)"
	@echo "make check-seeds - load and check the price table and config/ in a throwaway warehouse (seconds; before a seed PR)"
	@echo "make validate - landing gate (great-expectations) on AI_FINOPS_RAW_DIR; report in reports/"
	@echo "make test-postgres - build on a throwaway PostgreSQL server, compare every mart total with DuckDB"
	@echo "make test-spark    - build on a local Apache Spark (pyspark), compare every mart total with DuckDB"
	@echo "make rebuild-facts - re-read every landing file into the ledger and parsed lines (refuses if one is gone)"
	@echo "make lock   - re-pin requirements.lock from requirements.in"
	@echo "make bench  - benchmark 1M and 10M requests (about an hour on 2 idle cores); writes BENCHMARKS.md"

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# gate -> build -> what the build found (ai_finops.build_report). FAIL_ON=warning is the strict
# mode (CI): a quarantined line or an unpriced request then fails the target too.
FAIL_ON ?= error
build: setup
	@test -n "$$AI_FINOPS_RAW_DIR" || { echo "make build: set AI_FINOPS_RAW_DIR to your landing folder (make demo builds the bundled sample into warehouse/demo.duckdb)" >&2; exit 2; }
	$(PY) -m ai_finops.validate --severity $(GATE_SEVERITY)
	$(DBT) build --quiet --exclude resource_type:unit_test
	$(PY) -m ai_finops.build_report --fail-on $(FAIL_ON)

# Finance's check before a seed pull request (and CI's first step): load every seed of the
# configuration folder (AI_FINOPS_CONFIG_DIR, default config/) and the price table into a
# throwaway warehouse, with each seed's checks, then the references between seeds. No landing
# data, no models: seconds.
check-seeds: setup
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	echo "check-seeds: seeds/ and $${AI_FINOPS_CONFIG_DIR:-config}/" && \
	AI_FINOPS_DUCKDB_PATH=$$tmp/seeds.duckdb $(DBT) seed --quiet && \
	AI_FINOPS_DUCKDB_PATH=$$tmp/seeds.duckdb $(DBT) run-operation ai_finops.check_seed_references

# The facts of record (landing ledger, parsed lines) survive --full-refresh; re-reading them from
# the landing files is this explicit step, which refuses when a ledgered file is gone.
rebuild-facts: setup
	$(PY) -m ai_finops.rebuild_facts

# pytest runs the suite on both cores (most tests wait on a single-threaded dbt run), a worker
# that runs out of tests taking some of the other's (worksteal), and names its slowest tests.
PYTEST_ARGS ?= -q -n 2 --dist worksteal --durations=15

# The landing gate: GATE_SEVERITY=error makes a critical finding fail the target.
GATE_SEVERITY ?= warn
validate: setup
	$(PY) -m ai_finops.validate --severity $(GATE_SEVERITY)

# The demo is an example company: its configuration (examples/demo_company/config) and its logs
# (data/sample), built into its own warehouse file. Your build (make build) reads your
# configuration (config/) into warehouse/ai_finops.duckdb: demo requests, shared costs and closed
# months cannot end up in your numbers. make test builds the demo into a third file.
DEMO_CONFIG := examples/demo_company/config
DEMO_ENV := AI_FINOPS_RAW_DIR=data/sample AI_FINOPS_CONFIG_DIR=$(DEMO_CONFIG) AI_FINOPS_DUCKDB_PATH=warehouse/demo.duckdb
TEST_ENV := AI_FINOPS_RAW_DIR=data/sample AI_FINOPS_CONFIG_DIR=$(DEMO_CONFIG) AI_FINOPS_DUCKDB_PATH=warehouse/test.duckdb
# The demo's gate runs beside its build (both only read the sample; on the sample the gate only
# reports), so the two cores share the work; its report is printed once both are done.
demo: setup
	@mkdir -p warehouse
	@gate_log=$$(mktemp) && \
	{ $(DEMO_ENV) $(PY) -m ai_finops.validate --severity $(GATE_SEVERITY) >"$$gate_log" 2>&1 & gate=$$!; } && \
	$(DEMO_ENV) $(DBT) build --quiet --exclude resource_type:unit_test; build=$$?; \
	wait $$gate; gate_rc=$$?; cat "$$gate_log"; rm -f "$$gate_log"; \
	test $$build -eq 0 && test $$gate_rc -eq 0
	$(DEMO_ENV) $(PY) -m ai_finops.summary

lint: lint-py lint-sql

lint-py: setup
	$(VENV)/bin/ruff check ai_finops tests/python bench

lint-sql: setup
	$(VENV)/bin/sqlfluff lint models macros tests analyses --processes 2

pytest: setup
	$(PY) -m pytest $(PYTEST_ARGS) tests/python

test: setup check-seeds lint
	AI_FINOPS_CONFIG_DIR=$(DEMO_CONFIG) $(MAKE) --no-print-directory check-seeds
	$(TEST_ENV) $(PY) -m ai_finops.validate --severity $(GATE_SEVERITY)
	$(TEST_ENV) $(DBT) build --quiet --full-refresh
	$(PY) -m pytest $(PYTEST_ARGS) tests/python

# Benchmarks (BENCHMARKS.md): data, warehouses and results under bench/out/ (git-ignored).
# Run on an idle machine: every number is wall-clock time on this machine.
bench: setup
	$(PY) bench/bench.py --sizes 1000000,10000000

# 100k requests, a few minutes; writes bench/out/results/latest.md, not BENCHMARKS.md.
bench-quick: setup
	$(PY) bench/bench.py --sizes 100000 --litellm-sample 10000 --objects 10000 --no-report

# The extra engines: their adapters are installed on demand (not in requirements.lock), then
# scripts/<engine>_test.sh starts the engine, builds the sample on it and compares with DuckDB.
setup-engines: setup
	$(VENV)/bin/uv pip install --quiet --python $(PY) -c requirements.lock -r requirements-postgres.txt -r requirements-spark.txt

test-postgres: setup-engines
	bash scripts/postgres_test.sh

test-spark: setup-engines
	bash scripts/spark_test.sh

lock:
	$(VENV)/bin/uv pip compile --quiet requirements.in -o requirements.lock --python-version 3.11

clean:
	rm -rf target dbt_packages logs warehouse/*.duckdb warehouse/*.wal
