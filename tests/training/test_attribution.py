"""Who-said-it: source spans, their kinds, pronouns and quotations across sentences."""

import pytest

from training import split_sentences
from training.attribution import attribute_sentences, quotation_spans
from training.source_kinds import SOURCE_KINDS, classify_source


def sources_of(text):
    sentences = split_sentences(text)
    return sentences, attribute_sentences(text, sentences)


def source_of(sentence):
    _, sources = sources_of(sentence)
    assert len(sources) == 1
    return sources[0]


@pytest.mark.parametrize(
    "sentence, span, kind",
    [
        # according to X
        ("According to the Interior Ministry, 41 people were treated overnight.", "the Interior Ministry", "official"),
        ("41 people were treated overnight, according to police.", "police", "official"),
        ("According to posts on social media, the army has switched sides.", "posts on social media", "diffuse"),
        ("The bridge is closed, according to Jen Psaki.", "Jen Psaki", "named_person"),
        # X said / X told reporters / X denied ...
        ("Jen Psaki said the talks would continue.", "Jen Psaki", "named_person"),
        ("Police told reporters that two men were arrested.", "Police", "official"),
        ("Smith told reporters he had seen the crash.", "Smith", "named_person"),
        ("The interior minister accused foreign agents of organising the unrest.", "The interior minister", "official"),
        ("Officials denied rumours that the president had fled.", "Officials", "official"),
        ("The spokesman dismissed the reports as fabrications.", "The spokesman", "official"),
        ("Interior Minister Ahmed Ali said on Tuesday that the curfew would end.", "Interior Minister Ahmed Ali",
         "official"),
        ("The company has repeatedly said that profits rose.", "The company", "official"),
        ("Residents said the water had turned brown.", "Residents", "diffuse"),
        ("Economists expect the central bank to raise rates again in March.", "Economists", "diffuse"),
        ("Posts shared thousands of times claim the army has switched sides.", "Posts shared thousands of times",
         "diffuse"),
        ("Unconfirmed reports suggest the governor has left the capital.", "Unconfirmed reports", "diffuse"),
        ("Reuters reported that the deal had collapsed.", "Reuters", "official"),
        ("The Washington Post reported that the deal was off.", "The Washington Post", "official"),
        ("NASA said the launch would go ahead.", "NASA", "official"),
        # X's spokesman / a spokesman for X
        ("The ministry's spokesman denied the reports.", "The ministry's spokesman", "official"),
        ("A spokesman for the Interior Ministry said the curfew would end.",
         "A spokesman for the Interior Ministry", "official"),
        # quote, then X said / said X
        ('"We will not negotiate with criminals," the president said.', "the president", "official"),
        ('"We will not negotiate," said the spokesman for the ministry.', "the spokesman for the ministry",
         "official"),
        ('"We will not negotiate," said Jen Psaki, the White House press secretary.',
         "Jen Psaki, the White House press secretary", "official"),
        ('"It was terrible," a witness told the BBC.', "a witness", "anonymous"),
        # in a statement, X ...
        ("In a statement, the Interior Ministry said the curfew would be lifted.", "the Interior Ministry", "official"),
        ("The ministry, in a statement, denied the reports.", "The ministry", "official"),
        ("The company said in a statement that profits rose.", "The company", "official"),
        # side clauses and appositives
        ("Dr Ames, who treated the victims, said three had burns.", "Dr Ames", "named_person"),
        ("Mr. Smith, 45, told reporters he had seen the crash.", "Mr. Smith", "named_person"),
        ("Jen Psaki, the White House press secretary, said the meeting went well.",
         "Jen Psaki, the White House press secretary", "official"),
        ("The club's manager, Jose Mourinho, said the team was tired.", "The club's manager, Jose Mourinho",
         "official"),
        ("Meanwhile, police said the road was closed.", "police", "official"),
        ("Shares fell and analysts said the outlook was poor.", "analysts", "diffuse"),
        ("He nodded, in what Palestinian officials said was a compromise.", "Palestinian officials", "official"),
        ("The Economic Commission for Latin America and the Caribbean said the region grew.",
         "The Economic Commission for Latin America and the Caribbean", "official"),
        ("Howard Archer, economist at Global Insight said rates would stay.",
         "Howard Archer, economist at Global Insight", "named_person"),
        ("Despite losing on Sunday, the Italians said they had improved.", "the Italians", "official"),
        ("Bank of England governor Mervyn King has recently warned against haste.",
         "Bank of England governor Mervyn King", "official"),
        ("The team won easily, say the Bucharest side.", "the Bucharest side", "official"),
        # anonymous sources
        ("A senior official who asked not to be named said the talks had collapsed.",
         "A senior official who asked not to be named", "anonymous"),
        ("A senior official, speaking on condition of anonymity, said the talks had collapsed.",
         "A senior official", "anonymous"),
        ("A source close to the club said the deal was done.", "A source close to the club", "anonymous"),
        ("People familiar with the matter said the deal was done.", "People familiar with the matter", "anonymous"),
        ('"The deal is done," said an official who spoke on condition of anonymity.',
         "an official who spoke on condition of anonymity", "anonymous"),
        ('"The deal is done," said a diplomat, who asked not to be named.', "a diplomat", "anonymous"),
        # hearsay without a named source, and evidence that is not a speaker
        ("The governor is said to have fled the capital.", "is said to", "diffuse"),
        ("The governor has reportedly fled the capital.", "reportedly", "diffuse"),
        ("Hospital records show 41 people were treated for injuries overnight.", "Hospital records", "none"),
        ("A study found that the drug halved deaths.", "A study", "none"),
    ],
)
def test_source_span_and_kind(sentence, span, kind):
    source = source_of(sentence)
    assert source is not None, sentence
    assert (source.text, source.kind, source.via) == (span, kind, "sentence")
    assert sentence[source.start : source.end] == span


@pytest.mark.parametrize(
    "sentence",
    [
        "Protests have spread to at least eight cities since Tuesday.",
        "Police found a body near the river.",  # an event police took part in, not their claim
        "She was told to leave.",  # passive: the subject heard, did not say
        "The unrest could push fuel prices higher across the region.",
        '"Police said nothing about it."',  # the frame is inside the quotation; its speaker is not named
        "The estimated total costs of the trial are high.",  # "estimated" describes; nobody estimates
        "Harry Potter was the largest pre-ordered book.",
        "Prutton will be joined by Harry Redknapp, who believes the hearing will be fair.",  # side clause
        "David Klein, who often argued with the ministry, steps down on Monday.",
        "Interest rates rose as house prices and consumer data sparked inflation fears.",
    ],
)
def test_sentences_in_the_writers_own_voice_have_no_source(sentence):
    assert source_of(sentence) is None


def test_a_pronoun_stands_for_the_most_recent_speaker_that_fits():
    text = ("Jen Psaki spoke on Monday. Psaki said the talks went well. She added that more were planned.\n\n"
            "The Interior Ministry said the curfew would end. It said roads would reopen. "
            "The minister said the army would stay. He told reporters nobody was hurt.")
    sentences, sources = sources_of(text)
    assert sources[0] is None
    she, it, he = sources[2], sources[4], sources[6]
    assert (she.text, she.kind, she.via) == ("Psaki", "named_person", "pronoun")
    assert text[she.mention[0] : she.mention[1]] == "She"
    assert she.start == text.index("Psaki said")  # points at the earlier mention
    assert (it.text, it.kind, it.via) == ("The Interior Ministry", "official", "pronoun")
    assert (he.text, he.via) == ("The minister", "pronoun")  # a person, not the ministry


def test_a_pronoun_with_no_earlier_speaker_is_an_unnamed_source():
    source = source_of("He said the bridge was unsafe.")
    assert (source.text, source.kind, source.via) == ("He", "anonymous", "sentence")


def test_pronoun_carry_stays_within_one_text():
    first_sentences, first = sources_of("Jen Psaki said the talks went well.")
    _, second = sources_of("She added that more were planned.")
    assert first[0].kind == "named_person" and second[0].via == "sentence"


def test_sentences_of_one_quotation_share_its_speaker():
    text = ('"We are ready. The roads are clear. Nobody was hurt," the minister said. Schools reopen today.')
    sentences, sources = sources_of(text)
    assert len(sentences) == 4
    assert [s.via if s else None for s in sources] == ["quote", "quote", "sentence", None]
    assert {s.text for s in sources[:3]} == {"the minister"}


def test_a_quotation_over_paragraphs_shares_the_speaker_named_where_it_opens():
    text = 'Jen Psaki said: "The talks went well.\n\n"We expect more next week." Officials denied it.'
    sentences, sources = sources_of(text)
    assert [s.text for s in sentences] == ['Jen Psaki said: "The talks went well.', '"We expect more next week."',
                                           "Officials denied it."]
    assert sources[1].text == "Jen Psaki" and sources[1].via == "quote"
    assert sources[2].text == "Officials"


def test_quotation_spans_pair_straight_and_curly_quotes():
    text = 'He said “yes” and "no". "Open\n\n"Continued" end'
    spans = quotation_spans(text)
    assert [text[s:e] for s, e, _ in spans] == ["“yes”", '"no"', '"Open', '"Continued"']
    groups = [g for _, _, g in spans]
    assert groups[0] != groups[1] != groups[2] and groups[2] == groups[3]


def test_every_kind_is_reachable():
    examples = {"official": "the Interior Ministry", "named_person": "Jen Psaki", "diffuse": "posts on social media",
                "anonymous": "a senior official who asked not to be named", "none": "hospital records"}
    assert set(examples) == set(SOURCE_KINDS)
    for kind, span in examples.items():
        assert classify_source(span) == kind
