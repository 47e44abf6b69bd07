# Beacon: `make run` to try it, `make test` to test it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format worker scheduler bench bench-scale install clean audit

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## run: migrate, load demo data, start web + worker + scheduler (+ embedded Valkey)
run: $(STAMP)
	$(BIN)/python -m portal.devserver

## test: the whole suite on SQLite, then on PostgreSQL when it is reachable
test: $(STAMP)
	$(BIN)/python -m tests.matrix

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -q -r portal jobs config.py wsgi.py --severity-level high

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## worker: one more RQ worker (needs REDIS_URL)
worker: $(STAMP)
	BEACON_ENV=$${BEACON_ENV:-development} $(BIN)/flask --app wsgi:app worker

scheduler: $(STAMP)
	BEACON_ENV=$${BEACON_ENV:-development} $(BIN)/flask --app wsgi:app scheduler

## bench: page weight and server-side timings (results go in docs/performance.md)
bench: $(STAMP)
	$(BIN)/python -m bench.page_weight
	$(BIN)/python -m bench.lesson_page

# At scale (minutes; PostgreSQL database beacon_bench when reachable, else SQLite only).
bench-scale: $(STAMP)
	$(BIN)/python -m bench.points_scale
	$(BIN)/python -m bench.league_rollover
	$(BIN)/python -m bench.reminder_sweep
	$(BIN)/python -m bench.tracked_link
	$(BIN)/python -m bench.insights_dashboard
	$(BIN)/python -m bench.generate --people 10000 --keep
	$(BIN)/python -m bench.generate --people 100000 --keep
	$(BIN)/python -m bench.background --people 100000
	$(BIN)/python -m bench.load 10000 100000

## audit: pip-audit --strict over the venv; fails loudly (exit 2) when its database is unreachable
AUDIT_STAMP := $(VENV)/.audit-installed
$(AUDIT_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,audit]'
	touch $(AUDIT_STAMP)

audit: $(AUDIT_STAMP)
	$(BIN)/python -m tests.audit $(AUDIT_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
