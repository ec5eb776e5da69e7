"""Sentence splitting of whole texts: boundaries, offsets, quotes, paragraphs."""

import pytest

from training import split_sentences
from training.segment import split_paragraphs


def texts(text):
    return [s.text for s in split_sentences(text)]


def test_offsets_index_the_original_text():
    text = "  First one.  Second one!\n\n\tThird one?  "
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["First one.", "Second one!", "Third one?"]
    for s in sentences:
        assert text[s.start : s.end] == s.text
    assert [s.paragraph for s in sentences] == [0, 0, 1]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith arrived on Jan. 5 at noon. He left.", ["Mr. Smith arrived on Jan. 5 at noon.", "He left."]),
        ("The U.S. Army said it would leave. Troops stayed.", ["The U.S. Army said it would leave.", "Troops stayed."]),
        ("He lives in the U.S. The weather is nice.", ["He lives in the U.S.", "The weather is nice."]),
        ("Dr. Ames paid $3.50 for 2.5 kg of rice. Prices rose 4.2%.",
         ["Dr. Ames paid $3.50 for 2.5 kg of rice.", "Prices rose 4.2%."]),
        ("The talks ended at 5 p.m. The minister left.", ["The talks ended at 5 p.m.", "The minister left."]),
        ("Is it over? Nobody knows! Wait.", ["Is it over?", "Nobody knows!", "Wait."]),
    ],
)
def test_abbreviations_numbers_and_punctuation(text, expected):
    assert texts(text) == expected


def test_a_question_inside_a_quotation_does_not_end_the_sentence():
    assert texts('"Is it over?" she asked. Nobody knew.') == ['"Is it over?" she asked.', "Nobody knew."]


def test_sentences_inside_a_quotation_are_split_and_keep_their_quote_marks():
    text = '"Cool clock, Ahmed. Want to bring it to the White House?" the president wrote. Then he left.'
    assert texts(text) == ['"Cool clock, Ahmed.', 'Want to bring it to the White House?" the president wrote.',
                           "Then he left."]


def test_a_closing_quote_stays_with_its_sentence():
    text = 'They put the game to bed early." After the match, the coach left.'
    assert texts(text) == ['They put the game to bed early."', "After the match, the coach left."]
    assert texts('He was better."\n\nGroup G starts today.') == ['He was better."', "Group G starts today."]


def test_paragraph_breaks_always_end_a_sentence():
    text = "Headline without a full stop\n\nFirst paragraph goes on\n \n Second paragraph."
    assert texts(text) == ["Headline without a full stop", "First paragraph goes on", "Second paragraph."]
    assert [s.paragraph for s in split_sentences(text)] == [0, 1, 2]


def test_hard_wrapped_lines_are_joined_but_headlines_are_not():
    text = "The minister said the\nroads would reopen on Monday.\nSchools Stay Closed\nParents were told."
    assert texts(text) == [
        "The minister said the\nroads would reopen on Monday.",
        "Schools Stay Closed",
        "Parents were told.",
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n"])
def test_blank_text_has_no_sentences(text):
    assert split_sentences(text) == []
    assert split_paragraphs(text) == []


def test_every_non_space_character_is_in_exactly_one_sentence():
    text = ('Officials said "the bridge is safe. We checked it twice." Critics disagreed...\n\n'
            "Prices rose 3.5% in Jan. and fell in Feb. (see the U.K. data). «Quoted» — done!?\r\n\r\nEnd")
    sentences = split_sentences(text)
    covered = [False] * len(text)
    for previous, current in zip(sentences, sentences[1:]):
        assert previous.end <= current.start
    for s in sentences:
        assert s.text == s.text.strip() and s.text
        for i in range(s.start, s.end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def test_unicode_offsets_are_code_points():
    text = "Le ministère a parlé. 東京で会議があった。 Emoji 🎉 here. Done."
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text
    assert texts(text)[-1] == "Done."


def test_random_texts_keep_every_character_and_valid_source_offsets():
    import random

    from training.attribution import attribute_sentences

    pieces = list('ab XY.,;:!?"“”’()-—\n\t09') + ["said ", "according to ", " he ", "Mr. ", ", said ", "U.S. ",
                                                    "\n\n", "reportedly ", " who "]
    generator = random.Random(7)
    for _ in range(300):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 80)))
        sentences = split_sentences(text)
        covered = {i for s in sentences for i in range(s.start, s.end)}
        assert all(i in covered for i, ch in enumerate(text) if not ch.isspace()), text
        for s in sentences:
            assert text[s.start : s.end] == s.text == s.text.strip() != ""
        for source in attribute_sentences(text, sentences):
            if source is not None:
                assert text[source.start : source.end] == source.text, text
