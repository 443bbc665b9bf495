# Backstride — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test system-deps pose-setup lint typecheck pytest bench clean help

help:
	@echo "make run   - install (first time), migrate, load demo content, serve on http://127.0.0.1:$(PORT) with a task worker"
	@echo "make test  - ruff, mypy and the full pytest suite (SQLite, and PostgreSQL when reachable)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.stamp-run: requirements/lock.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null || $(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.stamp-dev: requirements/dev.lock $(VENV)/.stamp-run
	$(BIN)/python -m pip install --quiet -r requirements/dev.lock
	touch $@

# Debian packages the app (WeasyPrint: Pango, HarfBuzz, fonts) and the tests (chromium,
# poppler) need; installed when missing and root, otherwise the exact apt-get line is printed.
system-deps:
	$(PYTHON) scripts/system_deps.py

# The running-form estimator (MediaPipe, numpy < 2) in its own virtualenv, .venv-pose/.
pose-setup:
	$(PYTHON) scripts/pose_setup.py

run: $(VENV)/.stamp-run
	-@$(PYTHON) scripts/system_deps.py --runtime
	-@$(PYTHON) scripts/pose_setup.py --background
	DEBUG=$${DEBUG:-1} PORT=$(PORT) $(BIN)/backstride run

test: system-deps pose-setup $(VENV)/.stamp-dev
	$(BIN)/python scripts/test.py

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.stamp-dev
	$(BIN)/mypy

bench: $(VENV)/.stamp-dev
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) .venv-pose .pytest_cache .mypy_cache .ruff_cache
