# One entry point for people and CI. `make demo` and `make test` work on a fresh machine:
# they create the virtual environment and install the project first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pywb (the replay tests' wayback and cdx-indexer) in a virtualenv of its own: it pins redis==2.10.6
# and fakeredis<1.0, which the crawler's redis>=5 (distributed crawling) cannot share a venv with.
PYWB   := $(VENV)/tools/pywb

.PHONY: setup demo test lint typecheck browser redis unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The system pip (23.x) cannot resolve lxml[html-clean], which trafilatura needs.
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(PYTHON) -m venv $(PYWB)
	$(PYWB)/bin/python -m pip install --quiet --upgrade pip
	$(PYWB)/bin/python -m pip install --quiet 'pywb>=2.10'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/xxgk demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy crawler pipelines replica bench webui

# Debian's chromium and a CJK font for tests/test_web_browser.py; quick when present, a warning (and
# skipped browser tests) where apt-get cannot run.
browser:
	bash deploy/install-browser.sh

# Debian's redis-server for tests/test_distributed.py (the tests start their own on a free port);
# quick when present, a warning (and skipped tests) where apt-get cannot run, a failure in CI.
redis:
	bash deploy/install-redis.sh

unit: $(STAMP) browser redis
	$(BIN)/pytest -n 2 --dist loadfile -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/crawl_speed.py --pages 2000 --repeat 5

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
