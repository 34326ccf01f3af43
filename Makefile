# Alliance: every target works on a fresh machine with Python 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Installs are the locked, hash-checked sets in requirements/ (make lock writes them from
# pyproject.toml), so every install is the one that was tested.
LOCK   := requirements

.PHONY: demo test lint bench install install-test lock audit clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)/runtime.txt
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)/runtime.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml $(LOCK)/test.txt
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)/test.txt
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

## lint: ruff, the format check, the import contracts (layers only point down, pure modules
## import no Django: docs/architecture.md), mypy, and the missing-migrations check
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	ALLIANCE_ENV=test $(BIN)/mypy
	ALLIANCE_ENV=test $(BIN)/alliance makemigrations --check --dry-run

## bench: the benchmarks behind docs/performance.md
bench: install-test
	ALLIANCE_ENV=test $(BIN)/python -m bench.run_all

## lock: re-resolve requirements/runtime.txt and requirements/test.txt (with hashes) from
## pyproject.toml; the test set is constrained to the runtime set's versions
lock: $(BIN)/python
	$(BIN)/pip install --quiet 'pip-tools>=7.4'
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --upgrade -o $(LOCK)/runtime.txt pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --upgrade --extra test -c $(LOCK)/runtime.txt -o $(LOCK)/test.txt pyproject.toml

## audit: known vulnerabilities in the locked sets (pip-audit; needs the PyPI JSON API or OSV,
## which this project's CI cannot reach, so it is not part of .ci/run)
audit: $(BIN)/python
	$(BIN)/pip install --quiet 'pip-audit>=2.7'
	$(BIN)/pip-audit --disable-pip --no-deps --strict -r $(LOCK)/runtime.txt
	$(BIN)/pip-audit --disable-pip --no-deps --strict -r $(LOCK)/test.txt

## messages: refresh the translation catalogues from the code, then compile them (docs/translating.md)
LANGS := de es fr
messages: install
	cd alliance && ALLIANCE_ENV=test ../$(BIN)/python ../manage.py makemessages $(LANGS:%=-l %) --no-obsolete --ignore 'static/*'
	cd alliance && ALLIANCE_ENV=test ../$(BIN)/python ../manage.py compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
