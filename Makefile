# make demo  — set up everything and run the demo municipality end to end (report in out/)
# make test  — set up everything, lint and type-check, and run the test suite
# make test-fast — the inner loop: lint, then the tests not marked slow (no Prefect server, no browser)
# make lint  — ruff and mypy (configured in pyproject.toml)
# Set-up: Debian packages (when run as root and missing), a locked virtualenv in .venv via uv.

PYTHON ?= python3
VENV := .venv
UV_TOOLS := .uv-tools
UV := $(UV_TOOLS)/bin/uv
UV_VERSION := 0.13.8
# PyTorch for the optional sentiment model: a CPU wheel kept on the machine, installed as is (its dependencies are
# locked in the torch-runtime group). Without one, the model tests skip; see docs/sentiment-model.md.
TORCH_WHEEL ?= $(firstword $(wildcard /opt/wheels/torch-*+cpu-cp311-cp311-*.whl))
# pango/fonts for WeasyPrint PDFs; Chromium for static charts and browser tests; poppler for PDF checks.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium poppler-utils

export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test test-fast lint setup system-packages bench clean

demo: system-packages setup
	$(VENV)/bin/luisterpost demo

# TEST_WORKERS=2 spreads the test files over two processes (pytest-xdist; a file stays in one, so its module
# fixtures are built once). Not the default yet: with two workers the in-process Prefect flow tests lose their
# ephemeral server (ConnectError on the concurrency slot) and fail.
TEST_WORKERS ?= 0
PYTEST := $(VENV)/bin/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: system-packages setup lint
	$(PYTEST)

test-fast: setup lint
	$(PYTEST) -m "not slow"

lint: setup
	$(VENV)/bin/ruff check luisterpost flows tests bench
	$(VENV)/bin/mypy

bench: setup
	$(VENV)/bin/python bench/bench_import.py
	$(VENV)/bin/python bench/bench_metrics.py
	$(VENV)/bin/python bench/eval_threads.py
	$(VENV)/bin/python bench/bench_report.py

setup: $(VENV)/.installed

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing. Install them with: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

$(UV):
	$(PYTHON) -m venv $(UV_TOOLS)
	$(UV_TOOLS)/bin/pip install -q uv==$(UV_VERSION)

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --extra dev --extra model --extra snscrape $(if $(TORCH_WHEEL),--group torch-runtime) --python $(PYTHON)
	$(if $(TORCH_WHEEL),$(UV) pip install -q --python $(VENV)/bin/python --no-deps --compile-bytecode $(TORCH_WHEEL))
	@# Compiled once here: where PYTHONDONTWRITEBYTECODE is set, every command would otherwise compile what it
	@# imports again (seconds per command).
	$(VENV)/bin/python -m compileall -q -j 0 luisterpost flows >/dev/null
	touch $@

clean:
	rm -rf $(VENV) $(UV_TOOLS) .prefect out data .pytest_cache .mypy_cache .ruff_cache
