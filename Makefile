# PicHosting: `make run` sets up and serves on http://127.0.0.1:8000; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
ifdef DATABASE_URL
export DATABASE_URL
endif

.PHONY: run test lint install migrate clean-venv image-test

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

install: $(STAMP)

var/secret_key:
	@mkdir -p var
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# The embedded run: SQLite in var/, files in var/media/, gunicorn plus the task worker; Ctrl-C stops both.
run: $(STAMP) var/secret_key
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; \
	export PUBLIC_BASE_URL="$${PUBLIC_BASE_URL-http://$(HOST):$(PORT)}"; \
	export ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),127.0.0.1,localhost}"; \
	set -e; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py collectstatic --noinput --verbosity 0; \
	$(PY) manage.py bootstrap; \
	echo "PicHosting: http://$(HOST):$(PORT)/  (Ctrl-C stops the web server and the task worker)"; \
	MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2} $(PY) manage.py db_worker & worker=$$!; \
	stop() { kill -TERM $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true; }; \
	trap 'stop; exit 0' INT TERM; trap stop EXIT; \
	$(BIN)/gunicorn pichosting.wsgi -c python:pichosting.gunicorn_embedded --bind $(HOST):$(PORT) --workers 2 --threads 4 --timeout 300 \
		--access-logfile - --graceful-timeout 5

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# One pytest worker per core (pytest-xdist); each worker takes whole files, so a file's servers start once.
# PYTEST_ARGS="-n 0" runs everything in one process.
test: lint
	$(BIN)/pytest -n auto --dist loadfile $(PYTEST_ARGS)

# Build the Docker image with podman on a local debootstrap base and boot it against PostgreSQL (deploy/image-test).
image-test:
	deploy/image-test/run.sh

clean-venv:
	rm -rf $(VENV)
