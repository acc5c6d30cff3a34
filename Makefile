# mutua: `make run` sets everything up and serves the portal with a worker; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install setup lint typecheck messages e2e unit clean bench prod-check

$(STAMP): requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

setup: install
	mkdir -p var
	$(PY) manage.py compilemessages --ignore=.venv -v 0 2>/dev/null || true
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py demo

run: setup
	@echo "Portale: http://$(HOST):$(PORT)  (Ctrl-C ferma portale e worker)"
	@$(PY) manage.py rundev $(HOST):$(PORT)

# Unit and integration tests on every core (pytest-xdist: one test database per worker), then the browser tests
# one at a time (each starts its own live server and Chromium).
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -q -n $(TEST_WORKERS) mutua bench $(PYTEST_ARGS)
	$(PY) -m pytest -q e2e $(PYTEST_ARGS)

unit: install
	$(PY) -m pytest -q -n $(TEST_WORKERS) mutua bench $(PYTEST_ARGS)

e2e: install
	$(PY) -m pytest -q e2e $(PYTEST_ARGS)

# ruff, then the import contracts (pyproject.toml [tool.importlinter]: the apps form a tree, docs/architecture.md).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy mutua config

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

# Load benchmark on the local PostgreSQL (bench/README.md): 10 000 then 100 000 members, wrk rotating over 1 000 signed-in
# members, first views in process; BENCH_MEMBERS=1000000 for scale. Needs wrk (apt-get install -y wrk).
# A machine without wrk stops at once, on one line, before anything is installed or started (bench/run.py checks too).
ifneq ($(filter bench,$(MAKECMDGOALS)),)
ifeq ($(shell command -v wrk 2>/dev/null),)
$(error bench: wrk is needed for the load phases: apt-get install -y wrk)
endif
endif
bench: install
	$(PY) bench/run.py

# The production configuration (gunicorn, PostgreSQL, Redis, db_worker) started locally and driven once by Chromium:
# sign-in, a claim with an attachment, its receipt. Stops what it started; PASS/FAIL (docs/operations.md).
prod-check: install
	$(PY) -m bench.prodcheck

clean:
	rm -rf $(VENV) staticfiles var/test-media
