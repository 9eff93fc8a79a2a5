# Junheng — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= junheng.db
APT_PACKAGES := fonts-noto-cjk

.PHONY: run test lint bench system-deps postgres clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11+ / Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# Debian packages: a CJK font for charts in reports.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The PostgreSQL server the backend tests use (127.0.0.1:5432, user postgres); started if it is down.
postgres:
	@pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || \
	  { pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start && sleep 2; } || \
	  echo "warning: could not start PostgreSQL"

run: $(STAMP) system-deps
	$(BIN)/junheng demo-data --county 130431 --seed 7 --db $(DEMO_DB)

test: $(STAMP) system-deps postgres
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src/junheng/domain src/junheng/geo src/junheng/store src/junheng/io

bench: $(STAMP)
	$(BIN)/python bench/import_city.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
