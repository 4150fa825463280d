# The README's two commands: `make demo` (the main job on sample data) and `make test`.
# Each sets up everything it needs on a fresh machine: a virtual environment with the pinned
# dependencies (requirements.lock), the project installed in it, and the dbt manifest.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-quick test-all test-slow ui prepare bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

prepare: $(STAMP)
	$(BIN)/rettidig prepare

demo: prepare
	$(BIN)/rettidig demo

# The tests, in three tiers (tests/conftest.py says what each holds):
# `make test` (about 5 min): the rules, the loader, the report and one whole pipeline run;
# `make test-quick` (about 1 min): the same without dbt and the pipeline run;
# `make test-all`: everything, incl. the kill test, the UI, DuckLake and incremental runs. CI runs
# `make test` and then the rest (.ci/run), so every test gates a submission.
test: prepare
	$(BIN)/python -m pytest -m "not slow"

test-quick: prepare
	$(BIN)/python -m pytest -m "not dbt and not slow"

test-all: prepare
	$(BIN)/python -m pytest

# The tests `make test` leaves out (CI runs them after it).
test-slow: prepare
	$(BIN)/python -m pytest -m "slow"

ui: prepare
	$(BIN)/rettidig ui

bench: prepare
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf var dbt_project/target dbt_project/logs
