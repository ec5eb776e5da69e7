"""Offsets in UTF-16 code units, the unit Perspective API's span ``begin``/``end`` use.

Python indexes a string by code point; JavaScript (and Perspective's spans) by
UTF-16 code unit, in which a character outside the Basic Multilingual Plane
(most emoji) counts twice. Converting keeps spans right in a client that slices
``comment.text`` with its own string indices.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

__all__ = ["Utf16Offsets"]


class Utf16Offsets:
    """Converts between code point indices and UTF-16 offsets of one text."""

    def __init__(self, text: str):
        # _units[i] is the UTF-16 offset of code point i; one more entry for the end.
        self._units = list(accumulate((2 if ord(char) > 0xFFFF else 1 for char in text), initial=0))

    @property
    def length(self) -> int:
        """The text's length in UTF-16 code units."""
        return self._units[-1]

    def to_utf16(self, index: int) -> int:
        """The UTF-16 offset of code point ``index`` (0 to ``len(text)``)."""
        return self._units[index]

    def to_index(self, offset: int) -> int | None:
        """The code point index at UTF-16 ``offset``; None when it is out of range or inside a surrogate pair."""
        index = bisect_left(self._units, offset)
        if index >= len(self._units) or self._units[index] != offset:
            return None
        return index
