# hb_eval: make setup | demo | test | bench | docs
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

# both cores (pytest-xdist); a test file runs in one worker, so its module fixtures are built once
test: setup
	$(BIN)/python -m pytest -q -rs -n 2 --dist loadfile

# the documentation site: docs/_build/html/index.html (warnings are errors). The notebooks are
# executed once and cached in docs/_build; `make docs NOTEBOOKS=off` skips them for a quick look.
NOTEBOOKS ?= cache
docs: setup
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[docs]"
	$(BIN)/python -m sphinx -b html -W --keep-going -q -D nb_execution_mode=$(NOTEBOOKS) \
		docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports/out .pytest_cache .hypothesis docs/_build docs/_notebooks

# evaluation.schema.json and docs/configuration.md are generated from hb_eval.config;
# docs/outputs.md, docs/api.md and the references of docs/methods.md from hb_eval.report
generated: setup
	$(BIN)/python -c "from hb_eval.config import write_generated; write_generated('.')"
	$(BIN)/python -c "from hb_eval.report.docs_pages import write_generated_docs; write_generated_docs('.')"
