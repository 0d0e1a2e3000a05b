"""Board in the loop: the IP on a PYNQ board against the emulated device, result for result.

Runs only on an Ultra96-V2 with the overlay's bitstream; everywhere else every test
here is skipped with the reason.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

from pynq_snn.host.device import on_pynq_board, open_device

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from random_networks import random_case  # noqa: E402


def _board_or_reason():
    if not on_pynq_board():
        return "no PYNQ board attached (pynq not installed or no device found)"
    from pynq_snn.overlay.pynq_overlay import bitstream_path

    try:
        bitstream_path("snn.bit")
    except FileNotFoundError as missing:
        return str(missing)
    return ""


REASON = _board_or_reason()
pytestmark = pytest.mark.skipif(bool(REASON), reason=REASON or "board present")


@pytest.fixture(scope="module")
def board():
    return open_device("board")


@pytest.mark.parametrize("seed", range(50))
def test_board_equals_the_emulator(board, seed):
    artifact, spikes, _ = random_case(seed, board.capacity)
    emulator = open_device("emulator")
    for device in (board, emulator):
        device.load(artifact)
    on_board, emulated = board.run(spikes), emulator.run(spikes)
    assert np.array_equal(on_board.output_spikes, emulated.output_spikes)
    assert np.array_equal(on_board.spike_counts, emulated.spike_counts)
    for got, want in zip(on_board.final_states, emulated.final_states):
        for name in want:
            assert np.array_equal(got[name], want[name])
    assert on_board.cycles == emulated.cycles
