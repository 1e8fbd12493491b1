# Marblejar: `make run` sets up and starts the app; `make test` sets up and runs every test.
SHELL := /bin/bash
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO ?=
# Test processes side by side (pytest-xdist): a number, or auto for one per CPU.
WORKERS ?= auto

# The first Python 3.12+ on PATH.
FIND_PYTHON = for p in python3.14 python3.13 python3.12 python3 python; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	    echo $$p; exit 0; fi; done; exit 1

.PHONY: run test test-fast lint format demo clean help

help:
	@echo "make run        set up (.venv, install, migrate) and start on http://$(HOST):$(PORT)"
	@echo "make run DEMO=1 the same, with a demo organization to log in to"
	@echo "make test       install test dependencies and run the whole suite, in parallel"
	@echo "                (WORKERS=auto: one test process per CPU; WORKERS=0: all in one, for pdb)"
	@echo "make test-fast  the quick loop: no browser, no slow tests, stop at the first failure"
	@echo "make lint       ruff"

$(VENV)/bin/python:
	@py=$$($(FIND_PYTHON)) || { echo "Marblejar needs Python 3.12 or newer; none was found on PATH." >&2; exit 1; }; \
	  echo "Creating $(VENV) with $$py ($$($$py --version))"; \
	  $$py -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(VENV)/bin/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	$(VENV)/bin/marblejar migrate --no-input -v 0
	@if [ -n "$(DEMO)" ]; then $(VENV)/bin/marblejar demo; fi
	$(VENV)/bin/marblejar serve --host $(HOST) --port $(PORT)

demo: $(VENV)/.installed
	$(VENV)/bin/marblejar migrate --no-input -v 0
	$(VENV)/bin/marblejar demo

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Each worker has its own test database (suffix _gw0, _gw1, ...) and, with
# MARBLEJAR_REDIS_URL, its own Redis database (see conftest.py). pytest's exit
# code 5 (no test ran) fails it like any other.
test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest --create-db -n $(WORKERS) $(PYTEST_ARGS)

# The daily loop: everything but the browser journeys and the slow tests, in
# databases kept between runs (one per worker), stopping at the first failure.
# pytest's exit code 5 (no test ran) fails it too. WORKERS=0 for pdb.
test-fast: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest -x -q -m "not browser and not slow" --reuse-db -n $(WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV)
