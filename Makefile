# netpath — `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: help demo test bench fuzz lint typecheck golden clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,fast]'
	@touch $(STAMP)

demo: $(STAMP)  ## create .venv, install netpath, trace pod-a -> api.example.com on the default scenario
	$(VENV)/bin/netpath trace pod-a api.example.com

test: $(STAMP)  ## create .venv if needed, install with test extras, run the whole suite
	$(PY) -m pytest

bench: $(STAMP)  ## run the benchmarks (figures, not pass/fail)
	$(PY) bench/run.py

fuzz: $(STAMP)  ## fuzz the contract for long (NETPATH_FUZZ_EXAMPLES per test, default 500; each run bounded to 10 s and 1 GB)
	NETPATH_FUZZ_SUBPROCESS=1 NETPATH_FUZZ_EXAMPLES=$${NETPATH_FUZZ_EXAMPLES:-500} \
	  HYPOTHESIS_PROFILE=dev $(PY) -m pytest tests/fuzz -p no:cacheprovider

golden: $(STAMP)  ## regenerate golden files (review the diff!)
	$(PY) -m tests.golden.regenerate

lint: $(STAMP)  ## ruff on the code, tests and benches; mypy --strict on netpath/ (installs the dev extras)
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ruff check netpath tests bench tools
	$(PY) -m mypy --strict netpath

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis build *.egg-info
