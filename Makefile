# make setup | demo | test   (idempotent; needs Python 3.11 and Java 17)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PIP_CACHE_DIR ?= $(HOME)/.cache/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test lint browser clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --constraint constraints.txt --editable '.[test]'
	touch $@

demo: setup
	$(BIN)/kappa db up
	$(BIN)/kappa demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's chromium + chromedriver for the dashboard's browser test (a browser that downloads
# its own build cannot work here); installed once, as root or through sudo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    chromium chromium-driver; }

# 2 workers on 2 cores: 10.6 min instead of 14.9 (3 workers: 13.5; the slowest tests first: 13.8)
TEST_WORKERS ?= 2

test: lint browser
	$(BIN)/pytest --numprocesses $(TEST_WORKERS) --durations=15

clean:
	rm -rf target logs lake .kappa/checkpoints
