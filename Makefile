# Two commands do all set-up on a fresh machine:
#   make demo   runs the demo site on http://127.0.0.1:8000 (SQLite by default)
#   make test   runs the test suite (SQLite; DATABASE_URL=postgres://... for PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: demo test dist typecheck bench clean system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]" $(if $(PIP_EXTRA),"$(PIP_EXTRA)")
	touch $@

demo: $(VENV)/.installed
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py runserver $(HOST)

test: $(VENV)/.installed system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# For maintainers and CI: the build, packaging and typing tools (the dev extra).
$(VENV)/.installed-dev: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,dev]" $(if $(PIP_EXTRA),"$(PIP_EXTRA)")
	touch $@

# The wheels and sdists of m2m-auth and of the client alone (clients/python),
# built in isolated environments, checked as PyPI would.
dist: $(VENV)/.installed-dev
	rm -rf dist build clients/python/build
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m build --outdir dist clients/python
	$(BIN)/twine check --strict dist/*

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# m2m-auth against its peers on SQLite and PostgreSQL (BENCH_POSTGRES_URL), one table (bench/README.md);
# BENCH_ARGS="--http" adds gunicorn + wrk. Redis is the cache, as in production.
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/10
REDIS_URL ?= $(BENCH_REDIS_URL)
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; } || true
	REDIS_URL=$(REDIS_URL) $(BIN)/python -m bench.table $(BENCH_ARGS)

# The browser tests drive Debian's chromium, the mutual TLS test Debian's
# nginx, the README recipe's test curl, the fault-injection tests their own
# PostgreSQL and redis-server: install them when we can (root with apt), else
# those tests are skipped.
system-packages:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && [ -x /usr/sbin/nginx ] && command -v curl >/dev/null \
		&& command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium, chromium-driver, nginx, curl, postgresql and redis-server for the browser, mutual TLS, recipe and fault tests"; \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver nginx curl postgresql redis-server >/dev/null; \
	else echo "chromium, chromedriver, nginx, curl, PostgreSQL or redis-server missing: the browser, mutual TLS, recipe or fault tests will be skipped"; fi

clean:
	rm -rf $(VENV) demo.sqlite3 .pytest_cache dist build .mypy_cache
