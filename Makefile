# mutua: `make run` sets everything up and serves the portal with a worker; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-prerequisites install install-prod lock setup lint typecheck messages e2e unit clean bench bench-registry bench-tax prod-check \
	wheels docker-ready image compose-check bench-ocr

# Development: the runtime and the development lock (tests, lint, types, the checks) in .venv, every file checked
# against its hash. For `make run`, `make test` and the rest of this file.
$(STAMP): requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

# Production without containers: the runtime lock only, in .venv (docs/operations.md). No test or development tool.
install-prod:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock

# Regenerate both locks from requirements.in and requirements-dev.in (uv, from the development lock), keeping every
# pin that still fits; `make lock LOCK_ARGS=--upgrade` (or `--upgrade-package NAME`) moves them. Never edit a lock.
LOCK_ARGS ?=
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 --strip-extras \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock: install
	$(UV_COMPILE) -o requirements.lock requirements.in
	$(UV_COMPILE) -o requirements-dev.lock requirements-dev.in
	$(UV_COMPILE) -o deploy/local-images/s3-requirements.lock deploy/local-images/s3-requirements.in

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
test: install test-prerequisites
	$(PY) -m pytest -q -n $(TEST_WORKERS) mutua bench $(PYTEST_ARGS)
	$(PY) -m pytest -q e2e $(PYTEST_ARGS)

unit: install test-prerequisites
	$(PY) -m pytest -q -n $(TEST_WORKERS) mutua bench $(PYTEST_ARGS)

e2e: install test-prerequisites
	$(PY) -m pytest -q e2e $(PYTEST_ARGS)

# What the tests need besides Python, each missing one named on one line with how to get it (README, first screen).
test-prerequisites:
	@command -v chromium >/dev/null || { echo "make test: the browser tests need Debian's Chromium: apt-get install -y chromium"; exit 1; }
	@(exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null || { echo "make test: Redis must answer on 127.0.0.1:6379: apt-get install -y redis-server, then redis-server --daemonize yes"; exit 1; }
	@command -v tesseract >/dev/null || echo "make test: tesseract is missing (apt-get install -y tesseract-ocr tesseract-ocr-ita): the reading tests will be skipped"
	@if command -v clamd >/dev/null; then deploy/clamd-local.sh >/dev/null; else echo "make test: clamd is missing (apt-get install -y clamav-daemon): the malware-scan tests will be skipped"; fi

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

# The registry import's budget (bench/README.md, Registry import): 10 000 then 100 000 generated members with their
# families, enrollments and 300 000 contributions, imported on the local PostgreSQL; rows/s and peak memory.
bench-registry: install
	$(PY) -m bench.registry

# Reading of expense documents (issue 20): a generated corpus of Italian receipts and invoices read by Tesseract and
# pypdf, per-field accuracy, wrong proposals and seconds per page against the goals (bench/ocr/, bench/README.md).
# Needs tesseract-ocr and tesseract-ocr-ita. BENCH_OCR_COUNT=40 for a quick run.
BENCH_OCR_OUT ?= bench/results/ocr-$(shell date +%Y-%m-%d).md
bench-ocr: install
	@command -v tesseract >/dev/null || { echo "bench-ocr: apt-get install -y tesseract-ocr tesseract-ocr-ita"; exit 1; }
	$(PY) -m bench.ocr.run --out $(BENCH_OCR_OUT)

# The yearly communication to the Agenzia delle Entrate for 100 000 members (BENCH_TAX_SIZES=100000,1000000 for the
# budget's million), timed as the worker prepares it; figures in bench/results/tax-<date>.md (bench/tax.py).
bench-tax: install
	$(PY) -m bench.tax

# The production configuration (gunicorn, PostgreSQL, Redis, db_worker) started locally and driven once by Chromium:
# sign-in, a claim with an attachment, its receipt. Stops what it started; PASS/FAIL (docs/operations.md).
prod-check: install
	$(PY) -m bench.prodcheck

# --- The container image and the compose stack (docs/operations.md) ------------------------------------------------
IMAGE ?= mutua:latest
# Empty: debian:bookworm-slim if it is here or can be pulled, else a bookworm image made from this machine's own
# Debian mirror (deploy/base-image.sh; needs debootstrap), for machines that reach no image registry.
BASE_IMAGE ?=
WHEELS := build/wheels

# The runtime lock's wheels for the image (deploy/wheels.sh: Linux, CPython 3.11, each file checked by its hash).
$(WHEELS)/.complete: requirements.lock deploy/wheels.sh
	PYTHON=$(PYTHON) deploy/wheels.sh requirements.lock $(WHEELS)
	touch $@

wheels: $(WHEELS)/.complete

docker-ready:
	@command -v docker >/dev/null || { echo "make: docker is missing: apt-get install docker.io (docs/operations.md)"; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "make: no Docker engine answers: start it (systemctl start docker, or dockerd &)"; exit 1; }

image: docker-ready wheels
	@base="$(BASE_IMAGE)"; base=$${base:-$$(deploy/base-image.sh)} || exit 1; \
	echo "make image: $(IMAGE) on $$base"; \
	docker build --quiet --network host --build-arg BASE_IMAGE=$$base -t $(IMAGE) . >/dev/null && \
	docker image ls $(IMAGE) --format 'make image: {{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'

# The compose stack (compose.yaml) started on this machine from `make image` and images of PostgreSQL, Redis, an S3
# server and Caddy built from Debian's packages (deploy/local-images/), driven by bench/prodcheck.py's browser
# journey, backed up and restored into a fresh database and bucket, then removed (bench/composecheck.py).
compose-check: install image
	$(PY) -m bench.composecheck

clean:
	rm -rf $(VENV) staticfiles var/test-media build
