# Set-up and common jobs. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-slow bench reproduce figures clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

## demo: the Pauli-learning separation at quick scale (a few minutes on 2 cores)
demo: $(VENV)/.installed
	$(BIN)/qmemlearn reproduce pauli-learning --quick

## test: the default test suite (slow tests excluded)
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

## test-slow: only the slow tests
test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m slow

## bench: throughput and ratios against the named baselines, each measured in one run
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_sampling.py
	$(BIN)/python benchmarks/bench_backends.py --quick
	$(BIN)/python benchmarks/bench_google_noise.py
	$(BIN)/python benchmarks/bench_mps.py --part table --repeats 3
	$(BIN)/python benchmarks/bench_dynamics.py --quick
	$(BIN)/python benchmarks/bench_qvm.py --repeats 3

## reproduce: the full-scale committed results and figures (several hours on 2 cores; resumable)
EXPERIMENTS := pauli-learning noise-map dynamics dynamics-deep dynamics-noise purity pca pca-control qvm-willow-pink
reproduce: $(VENV)/.installed
	for e in $(EXPERIMENTS); do $(BIN)/qmemlearn reproduce $$e || exit 1; done

## figures: redraw every committed figure from the committed results (no sampling)
figures: $(VENV)/.installed
	$(BIN)/qmemlearn figures

clean:
	rm -rf $(VENV) .pytest_cache figures/quick results/quick
