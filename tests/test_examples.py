"""The examples in the public entry points' docstrings run and print what they say.

Every listed entry point must carry an example (``>>>`` lines in its docstring), so a
deleted example fails here as surely as a wrong one. The other examples of the same
modules run too.
"""
import doctest
import importlib
import io

import pytest

#: The public entry points whose docstrings show their use: (module, name; "" for the module).
ENTRY_POINTS = [
    ("pynq_snn.host.device", "open_device"),
    ("pynq_snn.overlay.artifact", "load"),
    ("pynq_snn.overlay.emulator", "emulate"),
    ("pynq_snn.overlay.capacity", "check_fits"),
    ("pynq_snn.quant.export", "to_artifact"),
    ("pynq_snn.quant.onnx_export", "to_onnx"),
    ("pynq_snn.quant.from_snntorch", "from_snntorch"),
    ("pynq_snn.quant.nir_out", "to_nir"),
    ("pynq_snn.quant.nir_in", "from_nir"),
    ("pynq_snn.quant.nir_lif", "lif_node"),
    ("pynq_snn.quant.nir_izhikevich", "izhikevich_node"),
    ("pynq_snn.quant.layer_spec", "network_from_specs"),
    ("pynq_snn.training.neurons.lif", "leaky"),
    ("pynq_snn.training.neurons.izhikevich", "Izhikevich"),
    ("pynq_snn.quant.qlif", "QuantLIF"),
    ("pynq_snn.quant.qizhikevich", "QuantIzhikevich"),
    ("pynq_snn.quant.qcfs", "QcfsNet"),
    ("pynq_snn.quant.convert", "qcfs_to_snn"),
    ("pynq_snn.overlay.neurons", ""),  # the registry's module docstring
]

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.mark.parametrize("module_name, name", ENTRY_POINTS)
def test_the_entry_point_shows_an_example(module_name, name):
    module = importlib.import_module(module_name)
    found = {test.name: test for test in doctest.DocTestFinder().find(module)}
    where = f"{module_name}.{name}" if name else module_name
    test = found.get(where)
    assert test is not None and test.examples, f"{where} has no example in its docstring"


@pytest.mark.parametrize("module_name", sorted({module for module, _ in ENTRY_POINTS}))
def test_the_examples_run(module_name):
    module = importlib.import_module(module_name)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder().find(module):
        runner.run(test, out=report.write)
    assert runner.tries > 0, f"{module_name} has no examples"
    assert runner.failures == 0, report.getvalue()
