# Two commands for users: `make demo` (sync the demo store end to end) and `make test`;
# `make airflow` runs a local Airflow with the demo store, for trying the UI and the REST API.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo airflow browser bench test lint format clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml simulator/pyproject.toml devtools/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	@# setuptools warns about every flat-layout editable install; nothing to act on here.
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --no-deps --editable . --editable simulator --editable devtools
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m bigcommerce_sync_dev.demo

# A running Airflow (api-server, scheduler, dag-processor, triggerer) with the demo store; Ctrl-C stops
# it all. EXECUTOR=celery runs the CeleryExecutor: a Redis broker and two workers (docs/celery-and-pools.md).
EXECUTOR ?= local
airflow: $(STAMP)
	$(PY) -m bigcommerce_sync_dev.local_airflow --executor $(EXECUTOR)

# The end-to-end tests drive headless Chromium and run the README's curl example: install them
# from Debian when missing and we are root (as in CI); otherwise the browser test says it skipped.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v curl >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing chromium, chromium-driver and curl from Debian: the end-to-end tests drive the UI and run the README's curl example."; \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver curl; } \
		|| echo "could not install chromium, chromium-driver and curl: the browser test will say it skipped" >&2; \
	else echo "chromium, chromium-driver or curl is missing and cannot be apt-get installed here (not root?)" >&2; fi

# About 25 minutes, estimated (the Celery and 10,000-store parse sections are most of it); figures in bench/results/latest.json. BENCH_ARGS=--profile adds py-spy profiles, --quick small catalogs.
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint browser
	$(PY) -m pytest

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Everything the commands leave behind: the venv, Airflow homes, the Elasticsearch download and
# unpacked copy, test artifacts, and the project's databases on a PostgreSQL that outlives them.
clean:
	@if [ -x $(PY) ]; then $(PY) -m bigcommerce_sync_dev.clean; fi
	rm -rf $(VENV) .airflow .cache artifacts bench/.peer-venv
