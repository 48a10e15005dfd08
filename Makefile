# The README's commands. `make site` then `make test` is all a fresh clone needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
PORT   ?= 8000

.PHONY: install site data serve test test-fast lint check bench css clean browser deploy init messages

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m reportsite.render.assets  # the Vega bundle and CSS, made once per installation
	@rm -f $(VENV)/.installed-* && touch $@

data/sales.parquet: | $(STAMP)
	$(BIN)/reportsite sample-data --out data

data: data/sales.parquet

site: $(STAMP) data/sales.parquet
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

test: $(STAMP) browser
	$(BIN)/ruff check scripts tests
	$(BIN)/mypy scripts/reportsite
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser"

# The code keeps its own layout (120 columns, aligned continuation lines); ruff check enforces the rules.
lint: $(STAMP)
	$(BIN)/ruff check scripts tests
	$(BIN)/mypy scripts/reportsite
	$(BIN)/lint-imports

bench: $(STAMP)
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
