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

.PHONY: demo test lint install browser-deps bench clean

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
APT_TEST_PACKAGES := chromium chromium-driver poppler-utils
APT_QGIS_PACKAGES := python3-qgis qgis-providers
browser-deps:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdftoppm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(APT_TEST_PACKAGES) (Debian) for the browser and sheet tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_TEST_PACKAGES) >/dev/null; \
	else echo "chromium/chromedriver/pdftoppm missing and not root: browser tests will be skipped"; fi
	@if [ -d /usr/lib/python3/dist-packages/qgis ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(APT_QGIS_PACKAGES) (Debian) for the QGIS GeoPackage check"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_QGIS_PACKAGES) >/dev/null \
		  || echo "QGIS not installable: the QGIS check will be skipped"; \
	else echo "python3-qgis missing and not root: the QGIS check will be skipped"; fi

lint: $(STAMP)
	$(BIN)/ruff check siteselect tests bench layers/build
	$(BIN)/mypy siteselect

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

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
