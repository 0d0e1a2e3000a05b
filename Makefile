# Two commands for a newcomer: `make demo` (set up, then train -> QAT -> export ->
# emulate -> verify on the embedded default data) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup demo test bench soak clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# the CPU build of torch, pinned: an unpinned torch pulls a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/pynq-snn demo

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) bench/spine.py
	$(PY) bench/neurons.py
	$(PY) bench/ip_throughput.py
	$(PY) bench/ip_resources.py

# many more random RTL-vs-emulator cases than CI runs
soak: setup
	$(PY) bench/rtl_soak.py

clean:
	rm -rf runs .pytest_cache .hypothesis
