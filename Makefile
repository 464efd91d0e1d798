# Samverkan: `make run` (embedded setup, demo data, web + worker + beat) and `make test`.
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: run setup test lint migrate messages makemessages demo clean help

help:
	@echo "make run   - set up (venv, migrations, translations, demo data) and serve admin + API with worker and beat"
	@echo "make test  - lint, migration check and the whole test suite"

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

run: demo
	@$(PY) manage.py create_coordinator
	@echo "Admin: http://127.0.0.1:$${WEB_PORT:-8000}/admin/  API: http://127.0.0.1:$${WEB_PORT:-8000}/api/v1/  Docs: http://127.0.0.1:$${WEB_PORT:-8000}/api/docs/"
	@echo "Starting web, worker and beat; Ctrl-C stops all three."
	$(VENV)/bin/honcho -f Procfile.dev start

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

test: lint
	$(VENV)/bin/pytest

makemessages: $(STAMP)
	$(PY) manage.py makemessages -l sv -l en --ignore=.venv --ignore=var --ignore=staticfiles
	$(PY) manage.py compile_translations

clean:
	rm -rf var staticfiles
