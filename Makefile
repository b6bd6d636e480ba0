# eie-lab: two commands set everything up on a machine that has python3 (>= 3.10) and make.
#   make lab   create .venv if needed, install, start JupyterLab on notebooks/
#   make test  create/update .venv, lint, run the whole test suite
#   make slides  executed static reveal.js decks of every lecture in build/slides/ (work offline)
# Overridable: PYTHON, HOST, PORT, TOKEN, ARGS (extra jupyter lab flags), PYTEST_ARGS,
# EXECUTED (make slides: a folder of already-executed notebooks to take outputs from),
# NOTEBOOKS (make slides: only these notebooks or patterns), SLIDES_OUT (default build/slides).

PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8888
TOKEN  ?=
ARGS   ?=
PYTEST_ARGS ?=
EXTRAS ?= test,grading,browser,bench
EXECUTED ?=
NOTEBOOKS ?=
SLIDES_OUT ?= build/slides

# Jupyter refuses to run as root (containers, CI) unless told; add --allow-root only then.
BIN   := $(VENV)/bin
STAMP := $(VENV)/.eie-lab-installed
# JupyterLab's application-level defaults (overrides.json in the venv's app settings folder):
# no "would you like to get news?" toast over the notebook's corner, no update check; a user can
# still switch either on in Settings. With --LabApp.news_url=None nothing is fetched anyway.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

.PHONY: lab test lint bench slides venv clean help

help:
	@echo "make lab    - install (first time) and start JupyterLab on notebooks/"
	@echo "make test   - install/update and run lint + the whole test suite"
	@echo "make bench  - run the speed/quality benchmarks (ratios against baselines)"
	@echo "make slides - executed static reveal.js decks of all lectures in build/slides/ (offline)"
	@echo "make clean  - remove .venv, caches, build/ and test artifacts"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "eie-lab needs Python >= 3.10, found " + sys.version.split()[0] + "\nhelp: run make with PYTHON=/path/to/python3.11")'
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "$(PYTHON) cannot create virtual environments (no ensurepip/venv)"; echo "help: on Debian/Ubuntu run: sudo apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

venv: $(STAMP)

$(LAB_OVERRIDES): $(STAMP) Makefile
	@mkdir -p $(dir $@)
	@printf '%s\n' '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $@

lab: $(STAMP) $(LAB_OVERRIDES)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
		--ServerApp.ip=$(HOST) --ServerApp.port=$(PORT) \
		--LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		$(if $(TOKEN),--IdentityProvider.token=$(TOKEN),) \
		$(if $(filter 0,$(shell id -u)),--allow-root,) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check eie_lab tests benchmarks scripts

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Lecture mode without a kernel: one self-contained HTML deck per notebook at 1280x720 (RISE in
# `make lab` is the live alternative). EXECUTED=DIR reuses executed notebooks instead of running them.
slides: $(STAMP)
	$(BIN)/python scripts/build_slides.py --out "$(SLIDES_OUT)" $(if $(EXECUTED),--executed "$(EXECUTED)",) \
		$(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS),)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache test-artifacts benchmarks/results build
