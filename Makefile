# Alliance: every target works on a fresh machine with Python 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint bench install install-test clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## demo: install, prepare the SQLite demo database, serve on http://127.0.0.1:8000 with a
## background worker beside the web server (Ctrl+C stops both)
demo: install
	$(BIN)/alliance demo
	$(BIN)/alliance serve

## test: install the test extras and run the whole suite (DATABASE_URL picks PostgreSQL)
test: install-test
	ALLIANCE_ENV=test $(BIN)/pytest $(PYTEST_ARGS)

## lint: ruff, the format check, mypy on the pure modules, and the missing-migrations check
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	ALLIANCE_ENV=test $(BIN)/alliance makemigrations --check --dry-run

## bench: the benchmarks behind docs/performance.md
bench: install-test
	ALLIANCE_ENV=test $(BIN)/python -m bench.run_all

## messages: refresh the translation catalogues from the code, then compile them (docs/translating.md)
LANGS := de es fr
messages: install
	cd alliance && ALLIANCE_ENV=test ../$(BIN)/python ../manage.py makemessages $(LANGS:%=-l %) --no-obsolete --ignore 'static/*'
	cd alliance && ALLIANCE_ENV=test ../$(BIN)/python ../manage.py compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
