# Two commands on a fresh machine:  make run  (set up, run the demo, open the dashboard)  and  make test.
# GPU users: make setup CONSTRAINTS=   (no CPU pin: pip takes the CUDA build of torch).
PYTHON ?= python3
VENV ?= .venv
CONSTRAINTS ?= constraints/cpu.txt
BIN = $(VENV)/bin
PIP_CONSTRAINT_FLAG = $(if $(CONSTRAINTS),-c $(CONSTRAINTS),)
# The CPU build of PyTorch: from a local wheel where pip's find-links hold one (this team's machines), else from
# PyTorch's CPU index (its 2.x+cpu builds satisfy the pin and sort above PyPI's CUDA ones). Not with CONSTRAINTS=.
TORCH_FIND_LINKS ?= $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null)
CPU_TORCH_INDEX = $(if $(CONSTRAINTS),$(if $(wildcard $(addsuffix /torch-*+cpu-*.whl,$(TORCH_FIND_LINKS))),,\
  --extra-index-url https://download.pytorch.org/whl/cpu),)

.PHONY: setup run demo dashboard test lint browser java benchmarks

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIP_CONSTRAINT_FLAG) $(CPU_TORCH_INDEX) -e ".[dev]"
	touch $@

demo: setup
	$(BIN)/bizai demo

dashboard: setup
	$(BIN)/bizai dashboard

run: demo dashboard

browser:
	bash scripts/install-browser.sh

java:
	bash scripts/install-java.sh

lint: setup
	$(BIN)/ruff check bizai tests dashboards benchmarks sample_data

test: setup browser java lint
	$(BIN)/python -m pytest

benchmarks: setup
	$(BIN)/python benchmarks/forecast_stallion.py
	$(BIN)/python benchmarks/recsys_ml1m.py
	$(BIN)/python benchmarks/statements.py
