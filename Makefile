# The README's two commands: `make demo` (the main job on sample data) and `make test`.
# Each sets up everything it needs on a fresh machine: a virtual environment with the pinned
# dependencies (requirements.lock), the project installed in it, and the dbt manifest.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-quick ui prepare bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

prepare: $(STAMP)
	$(BIN)/rettidig prepare

demo: prepare
	$(BIN)/rettidig demo

# The full suite: the CI gate.
test: prepare
	$(BIN)/python -m pytest

# The inner loop: everything but the tests marked slow (whole pipeline runs, the Dagster UI).
test-quick: prepare
	$(BIN)/python -m pytest -m "not slow"

ui: prepare
	$(BIN)/rettidig ui

bench: prepare
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf var dbt_project/target dbt_project/logs
