PYTHON ?= python3
PORT ?= 8501
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-unit test-integration test-app test-e2e migrate demo-data clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate
	$(BIN)/python -m ui.server --server.port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

test-app: $(STAMP)
	$(BIN)/python -m pytest tests/app

test-e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

demo-data: $(STAMP)
	$(BIN)/python manage.py demo-data

clean:
	rm -rf $(VENV)
