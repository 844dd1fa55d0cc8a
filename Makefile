# kinetor: the two quick-start commands are `make demo` and `make test`.
# CONTRIBUTING.md describes every target; .ci/run is what CI runs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# the packages type-checked by `make typecheck` (configuration: [tool.mypy] in pyproject.toml)
TYPED := src/kinetor/units.py src/kinetor/errors.py src/kinetor/data src/kinetor/nca src/kinetor/pk

.PHONY: install demo test test-fast bench lint format typecheck browser web-test-deps serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/kinetor demo --out build/demo

# Everything (what CI runs), slow tests included, on both cores (pytest-xdist; the serial
# run, `pytest -q`, gives the same results and takes about 1.5 x longer). The files holding
# slow tests run first (conftest.py) and an idle core takes over half of the other's
# remaining tests (worksteal), so the run does not end on one core. The Debian
# packages some tests need are installed first when absent and root (a no-op otherwise).
test: install browser web-test-deps
	$(PY) -m pytest -q -n 2 --dist worksteal

# The inner loop: everything but the tests marked slow, on both cores (pytest-xdist;
# target: under a minute on 2 cores).
test-fast: install
	$(PY) -m pytest -q -m "not slow" -n 2

bench: install
	$(PY) benchmarks/run_all.py

lint: install
	$(VENV)/bin/ruff check src tests benchmarks examples conftest.py
	$(VENV)/bin/ruff format --check src tests benchmarks examples conftest.py

format: install
	$(VENV)/bin/ruff format src tests benchmarks examples conftest.py

typecheck: install
	$(PY) -m mypy $(TYPED)

# The HTML-report screenshot test uses headless Chromium (Debian's package). This step
# installs it when absent and we are root (`make test` and CI call it); without it that test
# skips and says why. As any other user nothing is installed.
browser:
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

serve: install
	$(VENV)/bin/kinetor serve

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache
