"""Corpus quality measures: near-duplicates and coverage.

A near-duplicate is a sentence equal to another once case, punctuation and digits
are ignored and at most one word is swapped (typically a name). Such copies teach
a model nothing new and inflate cross-validation scores.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

__all__ = ["near_duplicate_pairs"]

_WORD = re.compile(r"[^\W\d_]+|\d+")


def _normalized_words(text: str) -> tuple[str, ...]:
    return tuple("0" if w.isdigit() else w for w in _WORD.findall(text.lower()))


def near_duplicate_pairs(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs of texts that are near-duplicates of each other.

    Parameters
    ----------
    texts : sequence of str

    Returns
    -------
    list of (i, j) with i < j
        Texts whose normalised words are equal, or equal but for one position.
    """
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        words = _normalized_words(text)
        buckets[("=",) + words].append(index)
        for position in range(len(words)):  # one masked word per key: a single swap
            buckets[(position,) + words[:position] + ("*",) + words[position + 1 :]].append(index)
    pairs = set()
    for members in buckets.values():
        if len(members) > 1:
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    if members[a] != members[b]:
                        pairs.add((min(members[a], members[b]), max(members[a], members[b])))
    return sorted(pairs)
