# Every target creates .venv and installs what it needs, so each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test check bench install clean reliability

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/mcclink demo

check: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: check
	$(BIN)/python -m pytest

# The issue-6 benchmarks: each prints its table and writes bench/results/<name>.json.
bench: $(VENV)/.dev
	no_proxy=localhost,127.0.0.1 $(BIN)/python -m bench

reliability: $(VENV)/.dev
	$(BIN)/python -m tests.reliability

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
