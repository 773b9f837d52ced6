# Two commands on a fresh machine: `make report` (reports from the built-in demo data) and
# `make test`. Both create .venv with python3 -m venv + pip when it is missing or stale.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# what `make report` passes on; e.g. make report ARGS="--dataset demo --size small"
ARGS   ?= --dataset demo

.PHONY: help venv report test lint lab bench clean-venv

help:
	@echo "make report   run every notebook on the demo data -> reports/<timestamp>-demo/index.html"
	@echo "make test     lint (ruff) and the test suite (pytest)"
	@echo "make lab      JupyterLab with the project's environment"
	@echo "make bench    benchmarks in bench/ (figures against named peers)"

# Rebuilt when pyproject.toml changes, when .venv is missing, or when its python no longer runs
# (e.g. the system python it was made from was upgraded).
$(STAMP): pyproject.toml
	@if [ -d $(VENV) ] && ! $(BIN)/python -c "import sys" >/dev/null 2>&1; then \
	  echo "Stale $(VENV) (its python does not run): recreating"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)
	@$(BIN)/python -c "import mining" || { rm -f $(STAMP); $(MAKE) $(STAMP); }

report: venv
	$(BIN)/mining report $(ARGS)

test: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .

lab: venv
	$(BIN)/jupyter lab notebooks/

bench: venv
	$(BIN)/python -m pip install --quiet -e ".[bench,spark]"
	@for f in bench/bench_*.py; do [ -e "$$f" ] || continue; echo "== $$f"; $(BIN)/python "$$f" || exit 1; done

clean-venv:
	rm -rf $(VENV)
