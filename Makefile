# The two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PY := .venv/bin/python
export RASA_TELEMETRY_ENABLED := false
export RASA_CACHE_DIRECTORY := $(CURDIR)/var/rasa-cache
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup train run shell test test-fast eval lock clean

setup:
	@bash scripts/setup.sh

train: setup
	@$(PY) -m bot.training

run: setup
	@$(PY) -m bot.run

# Terminal chat; needs the action server, so run it next to `make run`'s one
# or on its own (it starts one in the background).
shell: setup
	@bash scripts/shell.sh

test: setup
	@$(PY) -m pytest

# The edit-test loop: tests/unit (no model, no server, no PostgreSQL, nothing slow:
# tests/conftest.py fails a test there that needs one).
test-fast: setup
	@$(PY) -m pytest -q -n 2 tests/unit

# Benchmarks (print figures): FAQ answers on the held-out questions; eligibility on its
# case table and on the blind table.
eval: setup
	@$(PY) -m bot.rasa.evaluation
	@$(PY) -m bot.eligibility.evaluate

# Production profile on this machine: PostgreSQL, Redis, 2 Rasa + 2 action servers, nginx.
.PHONY: run-prod bench
run-prod: setup
	@$(PY) -m bot.prod

# Benchmark (prints figures, writes var/bench/latest.json); not a test.
bench: setup
	@$(PY) -m bench.run

# Reload the sample CAEs and their upcoming information sessions (dates from now).
.PHONY: sample
sample: setup
	@$(PY) -m bot.booking.sample --reset

# Re-resolve requirements.in in one pip run and rewrite requirements.lock.
lock:
	@bash scripts/lock.sh

clean:
	rm -rf var/models var/rasa-cache .pytest_cache
