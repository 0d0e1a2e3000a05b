"""Values from untrusted input, shown in error messages at a bounded length.

An artifact's header is a JSON document anyone can write: a string of a megabyte,
a list nested a hundred levels deep, or an integer of 4,000 digits (which ``str``
refuses to print past 4,300 digits). :func:`quote` shows any such value in at most
a few dozen characters, so that every message naming a bad value stays one short
line and formatting it can never fail.

>>> quote("x" * 1000)
"'xxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxxxxxxxx'"
>>> quote(10 ** 5000)
'<an integer of 16610 bits>'
>>> quote([[[[[1]]]]])
'[[[[[...]]]]]'
"""
from __future__ import annotations

import reprlib
from typing import Any

#: Integers wider than this many bits are shown by their width alone.
INT_BITS_SHOWN = 128


class _Quoter(reprlib.Repr):
    """``reprlib.Repr`` with small limits, and wide integers shown by their width."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 4
        self.maxstring = 60
        self.maxother = 60
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 6

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > INT_BITS_SHOWN:
            return f"<an integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)


_QUOTER = _Quoter()


def quote(value: Any) -> str:
    """``repr(value)``, shortened to about 60 characters per item and 4 levels of nesting."""
    return _QUOTER.repr(value)
