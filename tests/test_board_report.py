"""What the board notebooks print of a run: the timed run's lines, the energy, and the
accuracy recorded with the shipped inputs, found for the right file only.

Runs in the board environment (numpy < 2, no torch): ``make test`` lists it in BOARD_TESTS.
"""
import numpy as np
import pytest

from pynq_snn.host.board_report import energy_lines, recorded_accuracy, recorded_line, timed_run
from pynq_snn.host.device import open_device
from pynq_snn.overlay.artifact import Artifact, Layer


def tiny_device():
    """The emulator with a random 16-4 LIF network loaded."""
    rng = np.random.default_rng(0)
    layer = Layer("lif", rng.integers(-7, 8, size=(4, 16)).astype(np.int8), weight_shift=2, frac_bits=4,
                  params={"beta": 230, "threshold": 40})
    device = open_device("emulator")
    device.load(Artifact(n_inputs=16, layers=(layer,), encoding={"kind": "raster", "steps": 10}, meta={}))
    return device


def test_a_timed_run_reports_the_first_run_and_its_median_times():
    device = tiny_device()
    spikes = np.random.default_rng(1).integers(0, 2, size=(10, 6, 16), dtype=np.uint8)
    labels = device.run(spikes).predictions.copy()
    labels[0] = (labels[0] + 1) % 4  # one wrong of six
    run = timed_run(device, spikes, labels, repeats=3)
    assert run.repeats == 3 and run.batch_s > 0 and run.single_s > 0
    assert run.result.accuracy == pytest.approx(5 / 6)
    lines = run.lines()
    assert lines[0] == "backend:         emulator"
    assert lines[1] == "accuracy:        83.33% (5 of 6)"
    assert "(median of 3)" in lines[2] and lines[-1] == "power:           not measured off the board"
    assert [line.split(":")[0] for line in energy_lines(device, spikes)] == ["neuromorphic preset", "45 nm arithmetic"]
    with pytest.raises(ValueError, match="repeats must be at least 1, got 0"):
        timed_run(device, spikes, labels, repeats=0)


def test_the_recorded_accuracy_is_the_shipped_files_own():
    subset = {"test_data": "x_test.npz", "quant_accuracy": 0.8, "test_accuracy": 0.75}
    whole = {"test_data": "x_test.npz", "quant_accuracy": 0.8}  # the whole test split shipped
    assert recorded_accuracy(subset, "some/folder/x_test.npz") == 0.75
    assert recorded_accuracy(whole, "x_test.npz") == 0.8
    assert recorded_accuracy(subset, "other.npz") is None and recorded_accuracy({}, "x_test.npz") is None
    assert recorded_line(subset, "x_test.npz", 0.75).endswith("(75.00%): yes")
    assert recorded_line(subset, "x_test.npz", 0.76).endswith("(75.00%): NO")
    assert recorded_line(subset, "other.npz", 0.75) is None
