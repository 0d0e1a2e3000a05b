"""Argument types shared by the command line's modules: checked integers and the seed range."""
from __future__ import annotations

import argparse
from typing import Callable, Optional

#: The largest seed: torch's and numpy's generators both take any integer in [0, 2**63 - 1].
SEED_MAX = 2 ** 63 - 1


def int_in(low: int, high: Optional[int] = None) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high] (no upper limit if ``high`` is None)."""
    limit = f"in [{low}, {high}]" if high is not None else f">= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer {limit}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be an integer {limit}, got {text!r}")
        return value

    return parse
