"""Who a sentence attributes its claim to, across a whole text.

Within a sentence, :func:`training.frames.find_frames` finds reporting frames
("X said", "according to X", '"...," said X'); without one, a hearsay cue
("reportedly", "is said to", "rumours") makes the source diffuse. Across the
text two more rules apply: a pronoun speaker ("he said") stands for the most
recent speaker before it that fits ("he" a person, "it" an institution), and the
sentences of a quotation that runs over several sentences share the speaker
named where the quotation opens or closes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .frames import SPEAKER_CUES, Frame, find_frames
from .segment import Sentence, split_paragraphs
from .source_kinds import PRONOUNS, classify_source, is_institution, is_person

__all__ = ["Source", "attribute_sentences", "quotation_spans"]


@dataclass(frozen=True)
class Source:
    """The source a sentence's claim is attributed to.

    Attributes
    ----------
    text : str
        The words naming the source, ``original[start:end]``. For a pronoun
        ("he said") this is the earlier mention of the speaker it stands for.
    start, end : int
        Character offsets of ``text`` in the analysed text.
    kind : str
        One of :data:`training.source_kinds.SOURCE_KINDS`.
    cue : str
        The reporting words that make the attribution ("said", "according to").
    via : str
        ``"sentence"`` (named in the sentence itself), ``"pronoun"`` (the sentence
        says "he"/"she"/"it"/"they") or ``"quote"`` (the sentence is part of a
        longer quotation whose speaker is named in another sentence).
    mention : tuple of int, optional
        For ``via="pronoun"``: offsets of the pronoun in this sentence.
    """

    text: str
    start: int
    end: int
    kind: str
    cue: str
    via: str = "sentence"
    mention: tuple[int, int] | None = None

    def as_dict(self) -> dict:
        result = {"text": self.text, "start": self.start, "end": self.end, "kind": self.kind, "cue": self.cue,
                  "via": self.via}
        if self.mention is not None:
            result["mention"] = {"start": self.mention[0], "end": self.mention[1]}
        return result


_HEARSAY = re.compile(
    r"\b(?:reportedly|allegedly|purportedly|supposedly|(?:is|are|was|were|has been|have been)\s+"
    r"(?:said|reported|rumou?red)\s+to|rumou?red\s+to|unconfirmed\s+reports?|word\s+(?:spread|spreads|has\s+spread)"
    r"|rumou?rs?|circulating\s+(?:online|on\s+social\s+media))\b",
    re.IGNORECASE,
)


def quotation_spans(text: str) -> list[tuple[int, int, int]]:
    """Quotations as ``(start, end, group)``, end exclusive, quote marks included.

    Straight quotes alternate open and close; curly quotes say which they are. A
    quotation still open at the end of a paragraph is cut there; when the next
    paragraph opens with a quote mark, as a quotation that runs over paragraphs
    does, both parts get the same ``group``.
    """
    spans: list[tuple[int, int, int]] = []
    group = -1
    left_open = False
    for paragraph_start, paragraph_end in split_paragraphs(text):
        open_at, continues, left_open = None, left_open, False
        for index in range(paragraph_start, paragraph_end):
            mark = text[index]
            if mark not in "\"“”":
                continue
            if open_at is None and mark != "”":
                open_at = index
                if not (continues and index == paragraph_start):
                    group += 1
            elif open_at is not None and mark != "“":
                spans.append((open_at, index + 1, group))
                open_at = None
        if open_at is not None:
            spans.append((open_at, paragraph_end, group))
            left_open = True
    return spans


def _resolve(frame: Frame, sentence: Sentence, earlier: list[Source]) -> Source:
    """A frame as a Source in text offsets; a pronoun becomes the speaker it stands for."""
    start, end = sentence.start + frame.start, sentence.start + frame.end
    text = sentence.text[frame.start : frame.end]
    pronoun = text.lower()
    if pronoun in PRONOUNS:
        if pronoun in ("he", "she", "him", "her"):
            fits = [s for s in earlier if is_person(s.text, s.kind)]
        elif pronoun == "it":
            fits = [s for s in earlier if is_institution(s.text, s.kind)]
        else:
            fits = earlier
        if fits:
            antecedent = fits[-1]
            return Source(antecedent.text, antecedent.start, antecedent.end, antecedent.kind, frame.cue, "pronoun",
                          (start, end))
        # Nobody earlier in the text fits: the text does not say who is speaking.
        return Source(text, start, end, "anonymous", frame.cue)
    kind = classify_source(text, frame.context, at_sentence_start=frame.start == 0)
    return Source(text, start, end, kind, frame.cue)


def _hearsay(sentence: Sentence) -> Source | None:
    match = _HEARSAY.search(sentence.text)
    if match is None:
        return None
    start, end = sentence.start + match.start(), sentence.start + match.end()
    return Source(match.group(0), start, end, "diffuse", re.sub(r"\s+", " ", match.group(0).lower()))


def attribute_sentences(text: str, sentences: Sequence[Sentence]) -> list[Source | None]:
    """The source of every sentence of ``text``, or None where the writer speaks.

    Parameters
    ----------
    text : str
        The whole text the sentences were split from.
    sentences : sequence of Sentence
        As returned by :func:`training.segment.split_sentences` for ``text``.

    Returns
    -------
    list of Source or None
        One per sentence, in order.
    """
    quotations = quotation_spans(text)
    speakers: list[Source] = []  # sources named so far, for pronouns to refer back to
    sources: list[Source | None] = []
    for sentence in sentences:
        quoted = [
            (max(start, sentence.start) - sentence.start, min(end, sentence.end) - sentence.start)
            for start, end, _ in quotations
            if start < sentence.end and end > sentence.start
        ]
        frames = find_frames(sentence.text, quoted)
        source = _resolve(frames[0], sentence, speakers) if frames else _hearsay(sentence)
        if source is not None and source.via == "sentence" and source.cue in SPEAKER_CUES:
            speakers.append(source)
        sources.append(source)
    return _share_within_quotations(sentences, sources, quotations)




def _share_within_quotations(
    sentences: Sequence[Sentence], sources: list[Source | None], quotations: list[tuple[int, int, int]]
) -> list[Source | None]:
    """Give every sentence of a multi-sentence quotation the speaker named in one of them."""
    members: dict[int, list[int]] = {}
    for index, sentence in enumerate(sentences):
        for start, end, group in quotations:
            if start < sentence.end and end > sentence.start:
                members.setdefault(group, [])
                if index not in members[group]:
                    members[group].append(index)
    shared = list(sources)
    for indexes in members.values():
        if len(indexes) < 2:
            continue
        # The speaker is usually named where the quotation closes ('..." she said.'), else where it opens.
        named = [sources[i] for i in reversed(indexes) if sources[i] is not None and sources[i].via != "quote"]
        if not named:
            continue
        speaker = named[0]
        for i in indexes:
            if shared[i] is None:
                shared[i] = Source(speaker.text, speaker.start, speaker.end, speaker.kind, speaker.cue, "quote")
    return shared
