# The two commands of the README: `make book` and `make test`. Each creates .venv when it is
# missing and installs what it needs from pyproject.toml.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book html test chromium lint clean rehearse

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Stamp files: reinstall when pyproject.toml changes. Editable, so the chapters import the
# library of this very commit.
$(VENV)/.book: pyproject.toml | $(PY)
	$(PIP) install -e ".[book,tensorflow]"
	touch $@

# The tests also run the engine on JAX and torch. torch==2.13.0 resolves to a CPU wheel where one
# is on the machine (a plain `torch` would pull the CUDA build, gigabytes).
TORCH ?= torch==2.13.0
$(VENV)/.test: pyproject.toml | $(PY)
	$(PIP) install -e ".[book,tensorflow,jax,test,dev,ray]" "$(TORCH)"
	touch $@ $(VENV)/.book

## make book: execute every chapter (quick profile, CPU, embedded data), then build _build/html
book: $(VENV)/.book
	$(PY) -m skelrnn book --profile quick --output .

## make html: the same as book (kept for habit)
html: book

## Headless Chromium for the site test (Debian package), installed when missing.
chromium:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" != 0 ]; then echo "install Debian's chromium (apt-get install chromium) first" >&2; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi

## make test: lint (library, tests, benchmarks and the chapters' code cells), the library's layers
## (import-linter's contracts in pyproject.toml), unit tests, the
## engine tests again on JAX and torch (with the losses, layers and Keras's gradients against
## backpropagation by hand: gradients and masks are backend code), the book build (smoke profile)
## and the site test; then every chapter again on JAX, on a folder shaped unlike NTU (one camera,
## one subject per split, four classes) exported as CTR-GCN's .npz (no sample names), and on torch
## with data shaped like NTU RGB+D 120 exported as PYSKL's pickle, on its cross-setup protocol; and
## chapter 04 with its runs on a Ray instance (`--executor ray`).
ENGINE_TESTS := tests/test_train.py tests/test_models.py tests/test_sweep.py tests/test_losses.py tests/test_layers.py \
	tests/test_rnn_math.py::test_bptt_matches_finite_differences_and_keras
ODD_FOLDER := _build/one-camera-folder
ODD_NPZ := _build/one-camera-NTU60_CS.npz
NTU120_FOLDER := _build/ntu120-shaped
NTU120_PICKLE := _build/ntu120_3danno.pkl
# JAX in the tests compiles far more than it computes (a smoke run is 2 updates a network), so XLA
# compiles without LLVM's optimisation passes, which shortens the JAX lane. No test compares numbers
# across these settings.
JAX_TESTS := KERAS_BACKEND=jax XLA_FLAGS="--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
# Two lanes side by side (make -j2): most steps keep one core busy at a time (tracing and
# compiling are single-threaded) and CI has two. Lane one: the TensorFlow book, the tests and
# the site test, the torch book. Lane two: the engine tests on JAX and torch, the JAX book, the
# Ray chapter. Steps that read the embedded data wait for the TensorFlow book, which generates it.
test: $(VENV)/.test chromium
	$(PY) -m ruff check lib tests benchmarks
	$(VENV)/bin/lint-imports
	$(MAKE) --no-print-directory -j2 --output-sync=target test-torch-book test-ray-book

.PHONY: test-tf-book test-tf-suite test-torch-book test-jax-engine test-torch-engine test-jax-book test-ray-book
test-tf-book: $(VENV)/.test
	$(PY) -m skelrnn book --profile smoke --output _build/smoke --results-dir _build/smoke/results
test-tf-suite: test-tf-book
	SKELRNN_SITE=_build/smoke/_build/html $(PY) -m pytest tests -p no:cacheprovider
test-torch-book: test-tf-suite
	$(PY) -m skelrnn data synth $(NTU120_FOLDER) --ntu120 --actions 8,9,23,43
	$(PY) -m skelrnn data export --data-dir $(NTU120_FOLDER) --form annotation_pickle --output $(NTU120_PICKLE)
	KERAS_BACKEND=torch $(PY) -m skelrnn book --profile smoke --data-dir $(NTU120_PICKLE) --protocol xset \
	  --output _build/smoke-torch --results-dir _build/smoke-torch/results
test-jax-engine: $(VENV)/.test
	$(JAX_TESTS) $(PY) -m pytest $(ENGINE_TESTS) -p no:cacheprovider
test-torch-engine: test-jax-engine
	KERAS_BACKEND=torch $(PY) -m pytest $(ENGINE_TESTS) -p no:cacheprovider
test-jax-book: test-torch-engine
	$(PY) -m skelrnn data synth $(ODD_FOLDER) --cameras 1 --subjects 1,3,25 --actions 1-4 --max-frames 90
	$(PY) -m skelrnn data export --data-dir $(ODD_FOLDER) --form npz --output $(ODD_NPZ)
	$(JAX_TESTS) $(PY) -m skelrnn book --profile smoke --data-dir $(ODD_NPZ) --output _build/smoke-jax \
	  --results-dir _build/smoke-jax/results
test-ray-book: test-jax-book test-tf-book
	$(PY) -m skelrnn book --profile smoke --chapters 04 --executor ray --ray-address local --output _build/smoke-ray \
	  --results-dir _build/smoke-ray/results

## make rehearse: the full profile rehearsed on TensorFlow, JAX and torch, one after the other: every
## network of every chapter at the thesis's sizes for 3 updates, a resume checked, and the full
## profile's hours per chapter on this machine written to results/full/rehearsal/<backend>.json
## (the reproducing and results pages show them). Not part of `make test`: see the README.
rehearse: $(VENV)/.test
	for backend in tensorflow jax torch; do \
	  KERAS_BACKEND=$$backend $(PY) -m skelrnn book --profile full --rehearse $(REHEARSE_FLAGS) || exit 1; \
	done

lint: $(VENV)/.test
	$(PY) -m ruff check lib tests benchmarks
	$(VENV)/bin/lint-imports
	$(PY) -m ruff format --check lib tests benchmarks

clean:
	rm -rf _build results/smoke results/quick
