# kinetor: the two quick-start commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint clean chromium web-test-deps serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/kinetor demo --out build/demo

# The HTML-report test screenshots the report in headless Chromium (Debian's package);
# install it when absent and we may (root), otherwise that test says why it cannot run.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian chromium for the report screenshot test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed"; \
	  else echo "chromium is absent and cannot be installed here (not root)"; fi; }

# The store tests start a throwaway PostgreSQL server and the browser-app test drives
# headless Chromium through chromedriver (Debian's packages); install them when absent and
# we may (root), otherwise those tests say why they cannot run.
web-test-deps:
	@{ command -v chromedriver >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian postgresql, chromium and chromium-driver for the store and web tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      postgresql chromium chromium-driver >/dev/null) \
	      || echo "postgresql/chromium-driver could not be installed"; \
	  else echo "postgresql or chromium-driver is absent and cannot be installed here (not root)"; fi; }

test: install chromium web-test-deps
	$(PY) -m pytest -q

serve: install
	$(VENV)/bin/kinetor serve

bench: install
	$(PY) benchmarks/run_all.py

lint: install
	$(VENV)/bin/ruff check src tests benchmarks examples

clean:
	rm -rf $(VENV) build .pytest_cache
