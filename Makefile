# ReplyDesk: `make run` sets up and starts everything, `make test` runs the suite.
# Both install what is missing first: the virtualenv, the Python packages and
# Debian's redis-server (and, for the tests, Debian's chromium and postgresql).

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends

# honcho's processes (gunicorn, rq) and the scripts find the virtualenv's tools first.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export REDIS_URL ?= redis://127.0.0.1:6379/0
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test fuzz lint format install translations compiled-translations redis-package \
	browser-package postgres-package

# scripts/run.py starts a private Redis when none answers at REDIS_URL, migrates, loads the
# demo, runs honcho, and on Ctrl-C stops all it started, its private Redis included.
run: install compiled-translations redis-package
	exec $(BIN)/python scripts/run.py

# The suite runs on TEST_WORKERS processes (pytest-xdist); each starts its own Redis,
# fake Twilio, SMTP sink and PostgreSQL, so they share nothing but the CPU.
TEST_WORKERS ?= 2

test: install compiled-translations redis-package browser-package postgres-package
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The long fuzz run against the real processes (docs/RELIABILITY.md); by hand, not in `make test`.
fuzz: install redis-package
	$(BIN)/python scripts/fuzz_stack.py --api-examples 8000 --webhook-examples 4000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# The web app's German and Dutch (bot/web/language.py): the .po catalogues are the
# source, the .mo files the build; `make translations` adds new texts to the catalogues.
CATALOGUES := $(wildcard bot/translations/*/LC_MESSAGES/messages.po)
compiled-translations: install $(CATALOGUES:.po=.mo)

bot/translations/%/LC_MESSAGES/messages.mo: bot/translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o bot/translations/messages.pot \
	  --no-location --sort-output --project ReplyDesk .
	$(BIN)/pybabel update -i bot/translations/messages.pot -d bot/translations \
	  --no-fuzzy-matching --ignore-obsolete

redis-package:
	@command -v redis-server >/dev/null && command -v redis-cli >/dev/null || \
	  { $(SUDO) apt-get update -q && $(APT_INSTALL) redis-server; }

browser-package:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(APT_INSTALL) chromium; }

# The outbox tests also run on a throwaway PostgreSQL cluster the test run starts.
postgres-package:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q && $(APT_INSTALL) postgresql; }
