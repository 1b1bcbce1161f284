# hb_eval: make setup | demo | test | bench
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test bench clean docs generated

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: setup
	$(BIN)/hb-eval report --demo --out reports/out/demo

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports/out .pytest_cache .hypothesis

# evaluation.schema.json and docs/configuration.md are generated from hb_eval.config
generated: setup
	$(BIN)/python -c "from hb_eval.config import write_generated; write_generated('.')"
