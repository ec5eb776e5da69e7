"""Side clauses: the stretches of a sentence that do not carry its point.

The labeling guide decides by the main clause ("Shares rose 4% amid speculation of a
bid" narrates the rise). A bag of cue counts cannot see where a cue stands, so
:func:`side_clauses` finds side clauses by surface signs cheap enough for every
sentence: a comma-, bracket- or dash-delimited stretch that opens with a relative or
adverbial word ("…, which reportedly …,", "…, after rumours that …"), or the rest of a
stretch from "amid", "despite", "following", "which" or "whose" on. The cue features
count some families again inside side clauses, so a model can learn that hearsay
there weighs less than hearsay in the main clause.
"""

from __future__ import annotations

import re

__all__ = ["SIDE_CLAUSE_RULES", "side_clauses"]

#: Words that open a side clause at the start of a delimited stretch.
_OPENS_STRETCH = frozenset({
    "which", "who", "whose", "whom", "while", "whilst", "although", "though", "amid", "amidst", "despite",
    "following", "after",
})
#: Words that open a side clause anywhere: from them to the end of the stretch.
_OPENS_ANYWHERE = frozenset({"amid", "amidst", "despite", "following", "which", "whose"})
_DELIMITERS = frozenset(",;:()[]–—")
#: Everything that decides what a side clause is, for the cue fingerprint.
SIDE_CLAUSE_RULES = (tuple(sorted(_OPENS_STRETCH)), tuple(sorted(_OPENS_ANYWHERE)), tuple(sorted(_DELIMITERS)))
_NEXT_DELIMITER = re.compile(r"[,;:()\[\]–—]")
_WORD_CHARS_EXTRA = "'’-_"


def side_clauses(text: str, tokens: list[str]) -> list[str]:
    """The side clauses of ``text``, lower-cased, opening word included.

    Parameters
    ----------
    text : str
        The sentence.
    tokens : list of str
        Its lower-cased word tokens: the openers are looked up there first, so most
        sentences cost one set intersection.

    Returns
    -------
    list of str
        Empty when nothing opens a side clause.
    """
    openers = _OPENS_STRETCH.intersection(tokens)
    if not openers:
        return []
    lowered = text.lower()
    starts = []
    for word in openers:
        at = lowered.find(word)
        while at != -1:
            end = at + len(word)
            whole_word = (at == 0 or not (lowered[at - 1].isalnum() or lowered[at - 1] in _WORD_CHARS_EXTRA)) and (
                end == len(lowered) or not (lowered[end].isalnum() or lowered[end] in _WORD_CHARS_EXTRA))
            if whole_word:
                before = lowered[:at].rstrip(" \"“‘'")
                if word in _OPENS_ANYWHERE or not before or before[-1] in _DELIMITERS:
                    starts.append(at)
            at = lowered.find(word, end)
    clauses, covered_to = [], -1
    for at in sorted(starts):
        if at < covered_to:  # inside a clause already taken ("despite rumours which …")
            continue
        stop = _NEXT_DELIMITER.search(lowered, at)
        covered_to = stop.start() if stop else len(lowered)
        clauses.append(lowered[at:covered_to])
    return clauses
