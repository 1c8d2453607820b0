# Every target creates .venv and installs what it needs, so each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test check bench install clean reliability

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[all]'
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
	$(BIN)/cfn-lint deploy/template.yaml

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download cannot work offline); installed once, as root or through sudo.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q chromium chromium-driver

test: check $(CHROMIUM)
	$(LOCAL) $(BIN)/python -m pytest

# Loopback traffic (emulator, moto) must never go through a proxy.
LOCAL := no_proxy=localhost,127.0.0.1 NO_PROXY=localhost,127.0.0.1

# The benchmarks: each prints its table and writes bench/results/<name>.json.
bench: $(VENV)/.dev
	$(LOCAL) $(BIN)/python -m bench

# Every fault on both stores, full trials; prints the Reliability table of docs/reliability.md.
reliability: $(VENV)/.dev
	$(LOCAL) $(BIN)/python -m tests.reliability

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
