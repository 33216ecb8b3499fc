# Two commands matter: `make run` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --no-input
PYTEST_ARGS ?=

.PHONY: run test lint format bench notebooks clean chromium

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps re-install only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[dev,mlflow,dask,notebooks]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(VENV)/bin/cartflow run

# The report's browser test needs Chromium: installed with apt where it is missing and apt is
# there (as root, e.g. CI); elsewhere that test skips and says why.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	     >/dev/null) || echo "chromium could not be installed: the browser test will skip"; \
	  else echo "no chromium and no apt as root: the report's browser test will skip"; fi; }

test: $(VENV)/.installed-test chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)
	$(PY) -m pytest benchmarks --benchmark-disable -q -p no:cacheprovider -o testpaths=benchmarks

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Full-size benchmarks against scikit-learn (minutes); see benchmarks/README.md.
bench: $(VENV)/.installed-test
	CARTFLOW_BENCH_FULL=1 $(PY) -m pytest benchmarks --benchmark-only --benchmark-columns=min,median,max,rounds

notebooks: $(VENV)/.installed-test
	$(VENV)/bin/jupyter notebook notebooks/

clean:
	rm -rf $(VENV) artifacts runs mlruns .pytest_cache .hypothesis .benchmarks
	find tree metrics pipeline -name '*.nbi' -delete -o -name '*.nbc' -delete
