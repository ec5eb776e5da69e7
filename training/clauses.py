"""Side clauses: which of a sentence's tokens sit in a clause that does not carry its point.

The labeling guide decides by the main clause ("Shares rose 4% amid speculation of a
bid" narrates the rise). A bag of cue counts cannot see where a cue stands, so
:func:`side_clause_mask` marks the tokens of side clauses by surface signs cheap
enough for every sentence: a comma- or dash-delimited stretch that opens with a
relative or adverbial word ("…, which reportedly …,", "…, after rumours that …"),
or the rest of a stretch from "amid", "despite" or "following" on. The cue features
count some families again inside side clauses, so a model can learn that hearsay
there weighs less than hearsay in the main clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["side_clause_mask"]

#: Words that open a side clause at the start of a delimited stretch.
_OPENS_STRETCH = frozenset({
    "which", "who", "whose", "whom", "while", "whilst", "although", "though", "amid", "amidst", "despite",
    "following", "after",
})
#: Words that open a side clause anywhere: from them to the end of the stretch.
_OPENS_ANYWHERE = frozenset({"amid", "amidst", "despite", "following", "which", "whose"})
# Commas, semicolons, colons, brackets and dashes delimit stretches (not hyphens in words).
_DELIMITERS = re.compile(r"[,;:()\[\]–—]|\s-\s|--")
# One C-level search says whether any stretch opens with an opener (most sentences: no).
_STRETCH_OPENS = re.compile(
    r"(?:^|[,;:(\[–—]|\s-\s|--)\s*[\"“‘']?(?:" + "|".join(sorted(_OPENS_STRETCH)) + r")\b", re.IGNORECASE
)


def side_clause_mask(text: str, tokens: list[str], tokenize: Callable[[str], list[str]]) -> list[bool] | None:
    """True for each token of ``tokens`` that stands in a side clause.

    Parameters
    ----------
    text : str
        The sentence.
    tokens : list of str
        ``tokenize(text)``, lower-cased.
    tokenize : callable
        The tokeniser that produced ``tokens`` (applied to each stretch).

    Returns
    -------
    list of bool or None
        None when nothing opens a side clause, or when the stretches' tokens do
        not line up with ``tokens`` (then no token is treated as side).
    """
    if _OPENS_ANYWHERE.isdisjoint(tokens) and (_OPENS_STRETCH.isdisjoint(tokens) or not _STRETCH_OPENS.search(text)):
        return None
    mask: list[bool] = []
    for stretch in _DELIMITERS.split(text):
        words = tokenize(stretch)
        if not words:
            continue
        if words[0] in _OPENS_STRETCH:
            mask.extend([True] * len(words))
            continue
        side_from = next((i for i, word in enumerate(words) if word in _OPENS_ANYWHERE and i > 0), len(words))
        mask.extend([False] * side_from + [True] * (len(words) - side_from))
    if len(mask) != len(tokens) or not any(mask):
        return None
    return mask
