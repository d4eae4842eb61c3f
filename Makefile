PYTHON ?= python3
PORT ?= 8501
# Only this machine can reach the app unless HOST says otherwise (e.g. HOST=0.0.0.0 behind a proxy).
HOST ?= 127.0.0.1
VENV := .venv
BIN := $(VENV)/bin
# One stamp per requirements file: each is remade when its file (or the runtime one it includes) changes.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# ruff and mypy run before the tests in `make test`; RUN_CHECKS=0 skips them for a quick local run.
RUN_CHECKS ?= 1
# The tests run in PYTEST_WORKERS processes side by side (pytest-xdist; each has its own databases, served apps and
# browser: tests/conftest.py); PYTEST_WORKERS=0 runs them all in one process. A module whose tests share a set-up of
# their own (a served demo copy, signed-in pages: `pytest.mark.xdist_group`) runs on one worker, which makes that
# set-up once (loadgroup; the other tests are shared out one by one). PYTEST_DIST=worksteal splits every module,
# each worker then making such a set-up for itself. A bare `pytest` runs in one process.
PYTEST_WORKERS ?= 2
PYTEST_DIST ?= loadgroup
PYTEST_ARGS ?=
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) $(PYTEST_ARGS)

.PHONY: run test checks lint typecheck test-unit test-integration test-app test-e2e migrate demo-data clean assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The agencies' pages (ui/agency_site/) serve GOV.UK Frontend's stylesheet from node_modules: `npm ci` installs
# exactly package-lock.json's version (no install scripts run); remade when the lock file changes.
ASSETS := node_modules/.package-lock.json

$(ASSETS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

assets: $(ASSETS)

# Several app processes behind nginx on PORT (WORKERS=N, DATABASE_URL required): scripts/serve_workers.py.
WORKERS ?= 1

# The app migrates at start (as the owner) and then connects as its own role: one start of the embedded server.
run: $(STAMP) $(ASSETS)
ifeq ($(WORKERS),1)
	$(BIN)/python -m ui.server --server.port $(PORT) --server.address $(HOST)
else
	$(BIN)/python scripts/serve_workers.py --workers $(WORKERS) --port $(PORT) --host $(HOST)
endif

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

checks: $(DEV_STAMP)
ifeq ($(RUN_CHECKS),1)
	$(BIN)/ruff check .
	$(BIN)/mypy
else
	@echo "checks: ruff and mypy skipped (RUN_CHECKS=$(RUN_CHECKS)); run them with make lint / make typecheck"
endif

test: checks $(ASSETS)
	$(PYTEST)

test-unit: $(DEV_STAMP)
	$(PYTEST) tests/unit

test-integration: $(DEV_STAMP)
	$(PYTEST) tests/integration

test-app: $(DEV_STAMP)
	$(PYTEST) tests/app

test-e2e: $(DEV_STAMP) $(ASSETS)
	$(PYTEST) tests/e2e

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

demo-data: $(STAMP)
	$(BIN)/python manage.py demo-data

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache node_modules
