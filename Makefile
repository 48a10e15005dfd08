# The README's commands. `make site` then `make test` is all a fresh clone needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt tests/requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
PORT   ?= 8000

.PHONY: install install-dev site data serve test test-fast test-browser lint check bench css clean browser deploy init messages

# install: the runtime set (requirements.txt), all a build, check, smoke or deploy needs; the publishing
# workflow caches this virtualenv. install-dev adds the linters and test tools (tests/requirements.txt).
install: $(STAMP)

install-dev: $(DEV_STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m reportsite.render.assets  # the Vega bundle and CSS, made once per installation
	@rm -f $(VENV)/.installed-* && touch $@

$(DEV_STAMP): $(STAMP) tests/requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check -r tests/requirements.txt
	@rm -f $(VENV)/.installed-dev-* && touch $@

data/sales.parquet: | $(STAMP)
	$(BIN)/reportsite sample-data --out data

data: data/sales.parquet

site: $(STAMP) browser data/sales.parquet
	$(BIN)/reportsite build
	@echo ""
	@echo "Site built in _site/. Open _site/index.html in a browser, or run: make serve"
	@echo "(then visit http://127.0.0.1:$(PORT)/index.html)"

serve: $(STAMP) data/sales.parquet
	$(BIN)/reportsite serve --port $(PORT)

check: $(STAMP) data/sales.parquet
	$(BIN)/reportsite check

browser: $(STAMP)
	$(BIN)/python -m reportsite.smoke.browser

# Everything: the linters, then every test (unit, integration with the loopback S3 server, Chromium), on both
# cores: pytest workers each taking a whole test file at a time (module fixtures are built once). One worker keeps
# about 70% of a core busy (it waits on Chromium, the S3 server and subprocesses), so three keep two cores busy.
WORKERS ?= 3
PYTEST := $(BIN)/python -m pytest -q -n $(WORKERS) --dist loadfile
test: lint browser
	$(PYTEST)

# pr.yml's fast set: unit and integration tests without a browser.
test-fast: $(DEV_STAMP)
	$(PYTEST) -m "not browser"

# pr.yml's other half: the tests that drive Chromium.
test-browser: $(DEV_STAMP) browser
	$(PYTEST) -m browser

# The code keeps its own layout (120 columns, aligned continuation lines); ruff check enforces the rules.
lint: $(DEV_STAMP)
	$(BIN)/ruff check scripts tests
	$(BIN)/mypy scripts/reportsite
	$(BIN)/lint-imports

bench: $(DEV_STAMP)
	$(BIN)/python scripts/bench.py

deploy: $(STAMP)
	$(BIN)/reportsite deploy $(if $(DRY_RUN),--dry-run)

# Check the AWS and GitHub set-up from a laptop: make init REPO=OWNER/REPO (values from the environment)
init: $(STAMP)
	$(BIN)/reportsite init $(if $(REPO),--repository $(REPO))

# The message catalogs: extract every marked text, merge it into each language's .po, compile the .mo files
# (scripts/reportsite/values/locales/). New texts arrive untranslated; `make test` fails until every catalog has them.
messages: $(STAMP)
	$(BIN)/python -m reportsite.values.catalog_tool

css: $(STAMP)
	$(BIN)/reportsite build --full

clean:
	rm -rf _site .cache .pytest_cache
