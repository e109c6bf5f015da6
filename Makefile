# The two commands: `make run` (platform with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
# Renders the printable PDFs to images in their tests (poppler-utils).
PDFTOPPM ?= /usr/bin/pdftoppm

export DJANGO_SETTINGS_MODULE ?= civicideas.settings.dev

.PHONY: run test test-pooled cluster-test cluster-test-sentinel install lock lint format messages bench clean-venv

# Installs exactly the versions of requirements-dev.lock (hashes checked),
# then the project itself; `make lock` regenerates the lock files.
$(STAMP): pyproject.toml requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

## Start web, Celery worker and Celery beat with demo data (Ctrl-C stops all).
run: install
	@$(BIN)/python manage.py preflight --admin
	@$(BIN)/python manage.py setup_database
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@mkdir -p var
	$(BIN)/honcho -f Procfile.dev start

## Lint, format check, import layers (pyproject.toml [tool.importlinter]), types (mypy, [tool.mypy]) and the whole test suite against real PostgreSQL and Redis.
test: install $(CHROMIUM) $(PDFTOPPM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	@DJANGO_SETTINGS_MODULE=civicideas.settings.test $(BIN)/python manage.py preflight --admin
	@DJANGO_SETTINGS_MODULE=civicideas.settings.test $(BIN)/python manage.py setup_database
	DJANGO_SETTINGS_MODULE=civicideas.settings.test $(BIN)/pytest

## The tenancy, outbox and concurrency tests again, once through PgBouncer in transaction mode and once through Django's psycopg pool (docs/operations.md, "Connection pooling").
POOLED_TESTS := tests/tenancy tests/notifications/test_outbox.py tests/ideas/test_concurrency.py \
	tests/evaluation/test_concurrency.py tests/sponsors/test_concurrency.py tests/events/test_concurrency.py \
	tests/ops/test_pooling.py
PGBOUNCER_PORT ?= 6439
POOLED_DATABASE ?= civicideas:civicideas@127.0.0.1
test-pooled: install
	@command -v pgbouncer >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null)
	@dir=$$(PGBOUNCER_PORT=$(PGBOUNCER_PORT) deploy/pgbouncer/start-for-tests.sh) && \
	trap 'kill $$(cat '"$$dir"'/pgbouncer.pid) 2>/dev/null; rm -rf '"$$dir" EXIT && \
	DATABASE_URL=postgres://$(POOLED_DATABASE):$(PGBOUNCER_PORT)/civicideas_pooled DATABASE_PGBOUNCER=true \
		DJANGO_SETTINGS_MODULE=civicideas.settings.test $(BIN)/pytest --reuse-db $(POOLED_TESTS)
	DATABASE_URL=postgres://$(POOLED_DATABASE):5432/civicideas_pooled DATABASE_POOL_MAX_SIZE=4 \
		DJANGO_SETTINGS_MODULE=civicideas.settings.test $(BIN)/pytest --create-db $(POOLED_TESTS)

## Two web nodes behind HAProxy, a Celery worker, under load: one node is killed and restarted; no request lost, nothing written twice (docs/operations.md, "Several web nodes").
## Own database (CLUSTER_DATABASE_URL, default civicideas_cluster) and Redis db (CLUSTER_REDIS_URL, default db 12, emptied).
cluster-test: install
	@command -v haproxy >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null)
	$(BIN)/python deploy/cluster/cluster_test.py $(CLUSTER_ARGS)

## The same with Redis behind Sentinel (its own master, replica and three Sentinels on free ports), failed over mid-run.
cluster-test-sentinel: install
	@command -v haproxy >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null)
	$(BIN)/python deploy/cluster/cluster_test.py --sentinel $(CLUSTER_ARGS)

$(PDFTOPPM):
	@command -v apt-get >/dev/null || { echo "Install poppler-utils and set PDFTOPPM=/path/to/pdftoppm."; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null

# Browser tests drive Debian's Chromium (Playwright's own download is not used).
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Chromium and set CHROMIUM=/path/to/chromium."; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

## Seed at scale and measure (docs/performance.md): make bench [SUITE=ideas|signed_in|pages|evaluation|sponsors|notifications|api|statistics]
BENCH_DATABASE_URL ?= postgres://civicideas:civicideas@127.0.0.1:5432/civicideas_bench
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py setup_database
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SETTINGS_MODULE=civicideas.benchmarks.settings \
		$(BIN)/python manage.py bench $(or $(SUITE),ideas) $(BENCH_ARGS)

## Pin every dependency with its hashes after a change to pyproject.toml: requirements.lock (the image) and requirements-dev.lock (make).
LOCK_FLAGS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra dev -o requirements-dev.lock pyproject.toml

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Extract and compile translations (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages -l fr -l nl --ignore '.venv/*' --ignore 'tests/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean-venv:
	rm -rf $(VENV)
