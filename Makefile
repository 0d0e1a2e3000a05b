# Two commands for a newcomer: `make demo` (set up, then train -> QAT -> export ->
# emulate -> verify on the embedded default data) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup setup-board demo test bench soak clean

$(VENV)/.installed: pyproject.toml
	# Fashion-MNIST's IDX files from Debian, where apt-get is at hand (root, as in CI)
	-command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && { dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null; }; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# the CPU build of torch, pinned: an unpinned torch pulls a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# The board's runtime on its own: the PYNQ image's numpy < 2 and pynq, and no torch.
BOARD_VENV ?= .venv-board
BOARD_TESTS := tests/test_pynq_seam.py tests/test_driver.py tests/test_board.py tests/test_board_path.py tests/test_imports.py \
  tests/test_board_inputs.py tests/test_board_cli.py tests/test_board_report.py

$(BOARD_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BOARD_VENV)
	$(BOARD_VENV)/bin/python -m pip install -q --upgrade pip
	$(BOARD_VENV)/bin/python -m pip install -q 'numpy<2' -e '.[board]' pytest
	$(BOARD_VENV)/bin/python -c "import importlib.util, sys; sys.exit('torch must not be installed' if importlib.util.find_spec('torch') else 0)"
	touch $@

setup-board: $(BOARD_VENV)/.installed

demo: setup
	$(VENV)/bin/pynq-snn demo

test: setup setup-board
	$(PY) -m pytest
	$(BOARD_VENV)/bin/python -m pytest -p no:cacheprovider $(BOARD_TESTS)

bench: setup
	$(PY) bench/spine.py
	$(PY) bench/neurons.py
	$(PY) bench/ip_throughput.py
	$(PY) bench/ip_resources.py
	$(PY) bench/host_overhead.py
	$(PY) bench/sweep.py
	$(PY) bench/sweep.py --case randman-chip

# many more random RTL-vs-emulator cases than CI runs
soak: setup
	$(PY) bench/rtl_soak.py

clean:
	rm -rf runs .pytest_cache .hypothesis
