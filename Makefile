# Two commands do everything on a fresh clone:
#   make demo   set up, build the project on the bundled sample data, print a summary
#   make test   set up, lint, build with every dbt test, run pytest
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

.PHONY: help setup demo build test lint lint-sql lint-py pytest lock clean

help:
	@echo "make demo   - set up and build the bundled sample, print the summary"
	@echo "make test   - set up, lint, dbt build (all data and unit tests), pytest"
	@echo "make build  - dbt build against AI_FINOPS_RAW_DIR (default: the bundled sample)"
	@echo "make lock   - re-pin requirements.lock from requirements.in"

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

build: setup
	$(DBT) build --quiet

demo: setup
	$(DBT) seed --quiet
	$(DBT) build --quiet --exclude resource_type:unit_test
	$(PY) -m ai_finops.summary

lint: lint-py lint-sql

lint-py: setup
	$(VENV)/bin/ruff check ai_finops tests/python

lint-sql: setup
	$(VENV)/bin/sqlfluff lint models macros tests analyses --processes 2

pytest: setup
	$(PY) -m pytest -q tests/python

test: setup lint
	$(DBT) build --quiet --full-refresh
	$(PY) -m pytest -q tests/python

lock:
	$(VENV)/bin/uv pip compile --quiet requirements.in -o requirements.lock --python-version 3.11

clean:
	rm -rf target dbt_packages logs warehouse/*.duckdb warehouse/*.wal
