# Responder: two commands on a fresh machine.
#   make run   installs, migrates, loads the demo data and starts every process
#   make test  installs and runs the whole suite (ruff and mypy first)
# Everything else here is a step of those two.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
VENV_PY := $(VENV)/bin/python
VENV_BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test lint install lock messages gettext demo clean services system-deps venv

help:
	@echo "make run       install, migrate, load demo data, start web + worker + beat + simulator"
	@echo "make test      install and run the whole suite (PostgreSQL, Redis, Chromium)"
	@echo "make lint      ruff check, ruff format --check, mypy, docker-compose.yml and Dockerfile checks"
	@echo "make install   create $(VENV) and install requirements.lock"
	@echo "make lock      re-pin requirements.lock from pyproject.toml in a fresh venv"
	@echo "make messages  compile translations (locale/*/LC_MESSAGES/*.po)"
	@echo "make demo      migrate and load the demo data only"
	@echo "make clean     remove var/ (demo database, broker), caches and test artifacts"

# --- Python environment -------------------------------------------------------------

# A venv made by a too-old Python (or a broken one) is replaced, not reused.
venv:
	@if [ -x $(VENV_PY) ] && ! $(VENV_PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "$(VENV) is not Python 3.12+; recreating it."; rm -rf $(VENV); fi
	@if [ ! -x $(VENV_PY) ]; then \
	  py="$$(bin/find-python)" || exit 1; \
	  echo "Creating $(VENV) with $$py ($$("$$py" -V 2>&1))"; \
	  "$$py" -m venv $(VENV) || exit 1; \
	fi

$(STAMP): requirements.lock pyproject.toml
	@$(MAKE) --no-print-directory venv
	$(VENV_PY) -m pip install --quiet -r requirements.lock
	$(VENV_PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(VENV_PY) bin/check-lock.py
	@touch $@

install: venv $(STAMP)

lock:
	@rm -rf var/lock-venv
	@py="$$(bin/find-python)" || exit 1; "$$py" -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	@{ echo "# Pinned versions of everything \`make install\` puts in .venv (runtime + dev)."; \
	   echo "# Regenerate with \`make lock\` after changing pyproject.toml dependencies."; \
	   var/lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^pip=='; } > requirements.lock
	@rm -rf var/lock-venv
	@echo "requirements.lock updated ($$(grep -vc '^#' requirements.lock) packages); now run: make install"

# --- translations --------------------------------------------------------------------

# gettext's msgfmt, only once there are catalogues to compile.
gettext:
	@if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1 && ! command -v msgfmt >/dev/null; then \
	  echo "Installing gettext (apt-get) to compile the translations"; \
	  $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y gettext; \
	fi

messages: install gettext
	@locales="$$(ls locale/*/LC_MESSAGES/*.po 2>/dev/null | cut -d/ -f2 | sort -u)"; \
	if [ -z "$$locales" ]; then echo "No translation catalogues in locale/ yet."; exit 0; fi; \
	$(VENV_PY) manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules \
	  $$(for l in $$locales; do printf -- '--locale=%s ' "$$l"; done)

# --- checks and tests ----------------------------------------------------------------

lint: install
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	$(VENV_BIN)/mypy responder workflows
	$(VENV_BIN)/lint-imports
	$(VENV_PY) bin/check-inner-imports.py
	$(VENV_PY) bin/check-deploy.py
	$(VENV_PY) bin/check-size.py
	$(VENV_PY) bin/check-status-writes.py
	$(VENV_PY) bin/check-settings.py

# PostgreSQL and Redis on 127.0.0.1, started if installed but not running.
services:
	@bin/ensure-services

# Debian's Chromium for the browser tests and gettext for compilemessages.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v msgfmt >/dev/null; then \
	  echo "Installing Debian's chromium and gettext (apt-get)"; \
	  $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium gettext; \
	fi

test: services system-deps install messages lint
	bin/run-tests $(PYTEST_ARGS)

# --- the demo ------------------------------------------------------------------------

demo: install
	$(VENV_PY) manage.py migrate --noinput
	$(VENV_PY) manage.py seed_demo $(DEMO_ARGS)
	$(VENV_PY) manage.py seed_campaign_demo

# The demo's questions come from the simulator (real ingestion), not from seed_demo.
run: DEMO_ARGS = --no-cases
run: install messages demo
	@exec $(VENV_PY) bin/run.py

clean:
	rm -rf var test-artifacts .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
