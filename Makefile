# `make demo` and `make test` bootstrap .venv on a fresh machine; re-runs skip the install
# unless a dependency file changed. constraints.txt pins what was reviewed (litellm
# 1.82.7 / 1.82.8 were compromised and are excluded everywhere).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PIP := $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt
export LITELLM_LOCAL_MODEL_COST_MAP := True
export TOKENIZERS_PARALLELISM := false

.PHONY: install test docs demo bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt $(wildcard integrations/*/pyproject.toml)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	# torch 2.13.0 first: a CPU build that lies on this machine's disk (any other pin downloads CUDA)
	$(PIP) torch==2.13.0
	$(PIP) -e '.[torch,minilm,eval,hub,nmodel,docs,dev]' $(foreach d,$(wildcard integrations/*/pyproject.toml),-e '$(dir $(d))[test]')
	touch $(STAMP)

test: docs
	$(PY) -m pytest -q

# The documentation site, built into site/ (gitignored); --strict turns a broken link or API reference into a failure.
docs: $(STAMP)
	$(PY) -m mkdocs build --strict --site-dir site

demo: $(STAMP)
	$(PY) -m routed_llm.demo

# Performance and behaviour figures, each printed from one run (see benchmarks/*.py docstrings).
bench: $(STAMP)
	$(PY) benchmarks/eval_speed.py
	$(PY) benchmarks/default_router_speed.py
	$(PY) benchmarks/langchain_overhead.py --router default
	$(PY) benchmarks/drift_simulation.py
	$(PY) benchmarks/load_simulation.py
	$(PY) benchmarks/generalization.py
	$(PY) benchmarks/first_call.py
	$(PY) benchmarks/fault_matrix.py
	$(PY) benchmarks/policy_books.py

lint: $(STAMP)
	$(PY) -m ruff check src integrations tests benchmarks tools

clean:
	rm -rf $(VENV)
