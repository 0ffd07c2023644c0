# Kaleno: `make run` starts the API with SQLite, the Google emulator and an outbox worker that
# writes mail to instance/mail/ (shown at /_dev/mail); `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?= -n 2
HOST ?= 127.0.0.1
PORT ?= 5000
EMULATOR_PORT ?= 8765
DEV_CLIENT_ID := kaleno-dev.apps.googleusercontent.com
DEV_CLIENT_SECRET := kaleno-dev-secret
DEV_REDIRECTS := http://$(HOST):$(PORT)/auth/google/callback,http://$(HOST):$(PORT)/auth/google/calendar/callback

.PHONY: install run serve worker test lint typecheck pytest clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p instance
	KALENO_ENV=development FLASK_APP=wsgi $(BIN)/flask db upgrade
	@export KALENO_ENV=development FLASK_APP=wsgi KALENO_GOOGLE_EMULATOR_URL=http://$(HOST):$(EMULATOR_PORT) \
	  KALENO_GOOGLE_CLIENT_ID=$(DEV_CLIENT_ID) KALENO_GOOGLE_CLIENT_SECRET=$(DEV_CLIENT_SECRET) \
	  KALENO_BASE_URL=http://$(HOST):$(PORT) KALENO_MAIL_URL=file://$(CURDIR)/instance/mail; \
	$(BIN)/python -m kaleno.emulator --host $(HOST) --port $(EMULATOR_PORT) \
	  --client "$(DEV_CLIENT_ID):$(DEV_CLIENT_SECRET):$(DEV_REDIRECTS)" & emulator=$$!; \
	$(BIN)/flask kaleno worker & worker=$$!; \
	trap 'kill $$emulator $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Google emulator on http://$(HOST):$(EMULATOR_PORT) — API on http://$(HOST):$(PORT)"; \
	echo "Mail the worker writes (instance/mail/): http://$(HOST):$(PORT)/_dev/mail"; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Production serving with the KALENO_* environment as set (see README, "Production serving"):
# migrations first as their own step (never on worker start), then one outbox worker in the
# background and gunicorn (gunicorn.conf.py) in the foreground; Ctrl-C stops both.
serve: install
	FLASK_APP=wsgi $(BIN)/flask db upgrade
	@FLASK_APP=wsgi $(BIN)/flask kaleno worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# One more outbox worker (run as many as needed, on any host sharing the database).
worker: install
	FLASK_APP=wsgi $(BIN)/flask kaleno worker

# Page translations: extract every marked string, update each language's .po, compile the
# .mo files (committed, so a fresh clone needs no compile step; a test checks they match).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _n:1,2 --no-location --sort-output --omit-header \
	  -o kaleno/translations/messages.pot .
	$(BIN)/pybabel update -i kaleno/translations/messages.pot -d kaleno/translations \
	  --no-fuzzy-matching
	$(BIN)/pybabel compile -d kaleno/translations

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
