# Two commands do all the set-up: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: run test bench lint install install-test browser clean

run: install
	$(PY) main.py

test: install-test browser lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-test
	$(PY) -m bench

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# Debian's Chromium and its driver for the browser tests; never a browser downloaded by a tool.
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "Installing Debian chromium + chromium-driver for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts bench/results
