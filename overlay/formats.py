"""Integer formats of the SNN core IP: the constants of the arithmetic contract.

``CONTRACT.md`` beside this file states every operation; this module holds only
the numbers it names, so that the emulator, the quantized torch modules and the
exporter agree on widths without sharing any arithmetic code.
"""
from __future__ import annotations

#: Synaptic weights are 4-bit signed, narrow range: integers in [-7, 7].
WEIGHT_BITS = 4
WEIGHT_MAX = 2 ** (WEIGHT_BITS - 1) - 1
WEIGHT_MIN = -WEIGHT_MAX

#: A layer's weight scale is 2**-weight_shift; the shift is stored as this range.
WEIGHT_SHIFT_MIN = -8
WEIGHT_SHIFT_MAX = 15

#: Membrane state v (and, for Izhikevich neurons, the recovery u): 16-bit signed,
#: saturating at both ends.
STATE_BITS = 16
STATE_MAX = 2 ** (STATE_BITS - 1) - 1
STATE_MIN = -(2 ** (STATE_BITS - 1))

#: Fractional bits of the state beyond the weight LSB: state LSB = 2**-(weight_shift + frac_bits).
FRAC_BITS_MAX = 8

#: The sum before saturation (decayed state + shifted input current - reset) is held
#: in a 24-bit signed register; export proves it never overflows.
ACC_BITS = 24
ACC_MAX = 2 ** (ACC_BITS - 1) - 1

#: LIF leak factor beta = beta_int / 2**BETA_BITS, beta_int in [0, 2**BETA_BITS].
BETA_BITS = 8
BETA_ONE = 2 ** BETA_BITS

#: LIF firing threshold, in state LSBs: an integer in [1, STATE_MAX - 1]. A spike needs
#: v > threshold and v saturates at STATE_MAX, so a threshold of STATE_MAX never fires.
THRESHOLD_MIN = 1
THRESHOLD_MAX = STATE_MAX - 1

#: Timesteps per sample: the IP's step counter is 16 bits unsigned.
STEPS_MAX = 2 ** 16 - 1

#: Izhikevich coefficients a1, a2, a3, b1, b2: 16-bit signed with this many fraction
#: bits, so a real coefficient lies in [-8, 8) with a resolution of 2**-12.
COEF_BITS = 16
COEF_FRAC_BITS = 12
COEF_MAX = 2 ** (COEF_BITS - 1) - 1
COEF_MIN = -(2 ** (COEF_BITS - 1))

#: The Izhikevich square shift e + F (the state LSB exponent) must lie in this range.
SQUARE_SHIFT_MAX = 24


def accumulator_bound(fan_in: int, frac_bits: int, threshold: int) -> int:
    """Largest magnitude the pre-saturation sum can reach, in state LSBs.

    |floor(beta*v)| <= 2**(STATE_BITS-1), |I << F| <= WEIGHT_MAX * fan_in * 2**F,
    and the reset subtracts at most ``threshold``; the sum of the three bounds it.
    """
    return 2 ** (STATE_BITS - 1) + WEIGHT_MAX * fan_in * 2 ** frac_bits + threshold
