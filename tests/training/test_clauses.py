import pytest

from training.clauses import side_clauses
from training.cues import FEATURE_FAMILIES, cue_counts, word_tokens


def side_words(text):
    return [word_tokens(clause) for clause in side_clauses(text, word_tokens(text))]


@pytest.mark.parametrize("text, expected", [
    ("Shares rose 4% amid speculation of a bid.", [["amid", "speculation", "of", "a", "bid"]]),
    ("The keeper, who reportedly asked for a transfer, kept a clean sheet.", [["who", "reportedly", "asked", "for", "a", "transfer"]]),
    ("The band split in May, following months of rumours.", [["following", "months", "of", "rumours"]]),
    ("After rumours spread online, the club confirmed the sale.", [["after", "rumours", "spread", "online"]]),
    ("Police said two men were arrested.", []),  # nothing opens a side clause
    ("Sources say the minister who resigned will return.", []),  # "who" opens one only after a delimiter
])
def test_side_clauses_are_found_by_their_opening_words(text, expected):
    assert side_words(text) == expected


def test_hearsay_in_a_side_clause_is_counted_as_such():
    main = cue_counts("The keeper reportedly asked for a transfer in June.")
    side = cue_counts("The keeper, who reportedly asked for a transfer, signed a new contract.")
    unverified, side_unverified = FEATURE_FAMILIES.index("unverified_flag"), FEATURE_FAMILIES.index("side:unverified_flag")
    assert (main[unverified], main[side_unverified]) == (1, 0)
    assert (side[unverified], side[side_unverified]) == (1, 1)
    # a phrase in the side clause counts there too
    phrase = cue_counts("The novel, which is said to have been rejected nine times, won the prize.")
    assert phrase[side_unverified] == 1
