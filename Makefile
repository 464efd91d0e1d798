# Samverkan: `make run` (embedded setup, demo data, web + worker + beat) and `make test`.
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: run setup test lint migrate messages makemessages demo clean help bench

help:
	@echo "make run   - set up (venv, migrations, translations, demo data) and serve admin + API with worker and beat"
	@echo "make test  - lint, import layers, migration check and the whole test suite"

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

var:
	mkdir -p var

messages: $(STAMP)
	$(PY) manage.py compile_translations

migrate: $(STAMP) var
	$(PY) manage.py migrate --noinput

setup: $(STAMP) var messages migrate
	$(PY) manage.py collectstatic --noinput --verbosity 0

demo: setup
	$(PY) manage.py seed_demo
	$(PY) manage.py scan_risks

# Links in e-mails (answer links, risk reports) point at the server make run starts, unless SITE_URL is set.
run: export SITE_URL ?= http://127.0.0.1:$(or $(WEB_PORT),8000)
run: demo
	@$(PY) manage.py create_coordinator
	@echo "Admin: http://127.0.0.1:$${WEB_PORT:-8000}/admin/  API: http://127.0.0.1:$${WEB_PORT:-8000}/api/v1/  Docs: http://127.0.0.1:$${WEB_PORT:-8000}/api/docs/"
	@echo "Starting web, worker and beat; Ctrl-C stops all three."
	$(VENV)/bin/honcho -f Procfile.dev start

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

test: lint
	$(VENV)/bin/pytest

makemessages: $(STAMP)
	$(PY) manage.py makemessages -l sv -l en --ignore=.venv --ignore=var --ignore=staticfiles
	$(PY) manage.py compile_translations

clean:
	rm -rf var staticfiles

# The benchmarks' database (make bench, bench-web and loadtest): created if missing, and migrated.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/samverkan_bench
define BENCH_DATABASE
$(PY) -c 'import sys, psycopg; from psycopg import sql; from urllib.parse import urlsplit; \
	url = urlsplit(sys.argv[1]); name = url.path.lstrip("/"); \
	conn = psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True); \
	exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone(); \
	exists or conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))); \
	print(("Using" if exists else "Created"), "database", name)' '$(BENCH_DATABASE_URL)'
	DATABASE_URL='$(BENCH_DATABASE_URL)' $(PY) manage.py migrate --noinput --verbosity 0
endef

# The risk-scan benchmark: generates 500 then 5,000 agreements in its own PostgreSQL database
# (created if missing; the command refuses a database whose name lacks "bench") and fails if the
# scan misses its targets.
BENCH_ARGS ?=

bench: $(STAMP)
	$(BENCH_DATABASE)
	DATABASE_URL='$(BENCH_DATABASE_URL)' DEBUG=0 $(PY) manage.py bench_risk_scan $(BENCH_ARGS)

# The page benchmark (README, "Benchmarks"): builds the portfolio at 5,000 then 50,000 agreements in the
# benchmark database (the largest stays there) and prints queries and median ms of every API list, an
# agreement's detail and the admin pages at each size. BENCH_WEB_ARGS="--sizes 500,5000 --json out.json".
BENCH_WEB_ARGS ?=

.PHONY: bench-web
bench-web: $(STAMP)
	$(BENCH_DATABASE)
	DATABASE_URL='$(BENCH_DATABASE_URL)' DEBUG=0 $(PY) manage.py bench_web $(BENCH_WEB_ARGS)

# The load test (README, "Load test"): gunicorn with the production settings on the benchmark database
# (5,000 agreements generated if missing, an open round with answer links), 50 clients for 60 s over the
# main API lists, an agreement's detail and the answer page, then the agreements list against a one-query
# baseline; prints req/s and p50/p95/p99, fails on any error. LOADTEST_ARGS="--duration 20" shortens it.
LOADTEST_ARGS ?=

.PHONY: loadtest
loadtest: $(STAMP)
	$(BENCH_DATABASE)
	DATABASE_URL='$(BENCH_DATABASE_URL)' $(PY) manage.py loadtest $(LOADTEST_ARGS)
