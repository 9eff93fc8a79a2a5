# Junheng — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= junheng.db
APT_PACKAGES := fonts-noto-cjk chromium

.PHONY: run test test-fast lint bench system-deps postgres clean assets

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11+ / Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench,spark]'
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

# Front-end assets (pinned in package.json / package-lock.json) served by the app itself: no CDN.
VENDOR := src/junheng/web/static/vendor
SHARED_DATA ?= ../shared/data
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)/swagger-ui $(VENDOR)/geo
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui/
	-cp $(SHARED_DATA)/county_*_boundary_wgs84.geojson $(VENDOR)/geo/ 2>/dev/null
	touch $@

DEMO_ADMIN ?= admin
DEMO_PASSWORD ?= Junheng-Demo-2025!
run: $(STAMP) system-deps assets
	$(BIN)/junheng demo-data --county 130431 --seed 7 --db $(DEMO_DB)
	$(BIN)/junheng user add $(DEMO_ADMIN) --password '$(DEMO_PASSWORD)' --role admin --reset --db $(DEMO_DB)
	@echo "演示管理员 / demo administrator:  用户名 $(DEMO_ADMIN)  密码 $(DEMO_PASSWORD)  →  http://127.0.0.1:8000"
	$(BIN)/junheng serve --db $(DEMO_DB) --host 127.0.0.1 --port 8000

test: $(STAMP) system-deps postgres assets
	$(BIN)/pytest -n 2 -q

# For developers: SQLite only, without the spark, browser, postgres and slow groups (docs/dev/testing.md);
# the whole suite is `make test` (CI runs that).
test-fast: $(STAMP) assets
	JUNHENG_TEST_PG=off $(BIN)/pytest -n 2 -q -m "not (spark or browser or postgres or slow)"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src/junheng/domain src/junheng/geo src/junheng/store src/junheng/io src/junheng/assess \
	  src/junheng/standards src/junheng/plan src/junheng/synth src/junheng/report src/junheng/registry \
	  src/junheng/care src/junheng/services src/junheng/web src/junheng/commands
	$(BIN)/lint-imports
	$(BIN)/vulture  # dead code: its settings are [tool.vulture] in pyproject.toml

# Benchmarks: each records its figures in docs/benchmarks.md (long: run one at a time on a quiet machine).
bench: $(STAMP)
	$(BIN)/python bench/import_city.py
	$(BIN)/python bench/assess_province.py
	$(BIN)/python bench/layout_county.py --province
	$(BIN)/python bench/layout_pmed.py
	$(BIN)/python bench/teachers_city.py
	$(BIN)/python bench/web_load.py
	$(BIN)/python bench/linkage_quality.py
	$(BIN)/python bench/linkage_scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
