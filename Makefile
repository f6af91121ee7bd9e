# Two commands do all set-up on a fresh machine:
#   make demo   installs siteselect into .venv and runs the default scenarios on the embedded layers
#   make test   installs siteselect with its test extras (and, as root, Debian's chromium for the
#               browser tests), checks the code with ruff and mypy and runs the whole test suite;
#               tests/test_wheel.py builds a wheel, installs it into a fresh venv in a temporary
#               folder outside the checkout and runs the README's tour from there (pip needs the
#               package index or its cache, which the install step fills)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= results

.PHONY: demo test lint install browser-deps bench clean qgis-plugin

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/siteselect run --out $(OUT)/electricity-intensive
	$(BIN)/siteselect run layers/scenarios/logistics.yaml --out $(OUT)/logistics

# Real-browser tests need Debian's chromium + chromedriver, site-sheet checks need pdftoppm, and
# the QGIS check needs python3-qgis. Installed here when missing and we are root; otherwise those
# tests skip and say why.
APT_TEST_PACKAGES := chromium chromium-driver poppler-utils libreoffice-writer-nogui
APT_QGIS_PACKAGES := python3-qgis qgis-providers
# PostgreSQL + PostGIS for the PostGIS source and export tests (a throw-away server per test run).
APT_PG_PACKAGES := postgresql postgresql-15-postgis-3
browser-deps:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdftoppm >/dev/null && command -v soffice >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(APT_TEST_PACKAGES) (Debian) for the browser, sheet and offer-draft tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_TEST_PACKAGES) >/dev/null; \
	else echo "chromium/chromedriver/pdftoppm/soffice missing and not root: browser and offer-draft tests will be skipped"; fi
	@if [ -d /usr/lib/python3/dist-packages/qgis ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(APT_QGIS_PACKAGES) (Debian) for the QGIS GeoPackage check"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_QGIS_PACKAGES) >/dev/null \
		  || echo "QGIS not installable: the QGIS check will be skipped"; \
	else echo "python3-qgis missing and not root: the QGIS check will be skipped"; fi
	@if ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(APT_PG_PACKAGES) (Debian) for the PostGIS tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PG_PACKAGES) >/dev/null \
		  || echo "PostGIS not installable: the PostGIS tests will be skipped"; \
	else echo "PostgreSQL/PostGIS missing and not root: the PostGIS tests will be skipped"; fi

# The QGIS Processing provider as a zip for Plugins > Manage and Install Plugins > Install from ZIP.
qgis-plugin:
	rm -rf qgis_plugin/siteselect_processing/__pycache__ && mkdir -p build
	rm -f build/siteselect_processing.zip
	cd qgis_plugin && $(PYTHON) -m zipfile -c ../build/siteselect_processing.zip siteselect_processing
	@echo "build/siteselect_processing.zip"

lint: $(STAMP)
	$(BIN)/ruff check siteselect tests bench layers/build tools
	$(BIN)/mypy siteselect
	$(BIN)/lint-imports
	$(BIN)/python tools/architecture.py

test: $(STAMP) browser-deps lint
	$(BIN)/python -m pytest -q

# Each benchmark prints ratios against a baseline measured in the same run; last line RESULT {json}.
bench: $(STAMP)
	$(BIN)/python bench/overlay.py
	$(BIN)/python bench/reach.py
	$(BIN)/python bench/isochrones.py
	$(BIN)/python bench/osm_import.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/livemap.py
	$(BIN)/python bench/big_layers.py
	$(BIN)/python bench/validity.py
	$(BIN)/python bench/national.py

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
