# Two commands do all set-up on a fresh machine:
#   make demo   runs the demo site on http://127.0.0.1:8000 (SQLite by default)
#   make test   runs the test suite (SQLite; DATABASE_URL=postgres://... for PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: demo test dist typecheck clean system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]" $(if $(PIP_EXTRA),"$(PIP_EXTRA)")
	touch $@

demo: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py runserver $(HOST)

test: $(VENV)/.installed system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# For maintainers and CI: the build, packaging and typing tools (the dev extra).
$(VENV)/.installed-dev: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,dev]" $(if $(PIP_EXTRA),"$(PIP_EXTRA)")
	touch $@

# The wheel and the sdist, built in an isolated environment, checked as PyPI would.
dist: $(VENV)/.installed-dev
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The browser tests drive Debian's chromium, the mutual TLS test Debian's
# nginx, the README recipe's test curl: install them when we can (root with
# apt), else those tests are skipped.
system-packages:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && [ -x /usr/sbin/nginx ] && command -v curl >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium, chromium-driver, nginx and curl for the browser, mutual TLS and recipe tests"; \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver nginx curl >/dev/null; \
	else echo "chromium, chromedriver, nginx or curl missing: the browser, mutual TLS or recipe tests will be skipped"; fi

clean:
	rm -rf $(VENV) demo.sqlite3 .pytest_cache dist build .mypy_cache
