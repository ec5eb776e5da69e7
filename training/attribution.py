"""Who a sentence attributes its claim to: rule-based source spans.

Within one sentence the rules look for a reporting frame and the words naming
its speaker:

* ``according to X`` and hearsay cues ("reportedly", "is said to", "rumours");
* ``X said``, ``X told reporters``, ``X's spokesman denied``, ``X, who ..., said``,
  ``In a statement, X said`` and the like (a reporting verb with the noun phrase
  before it, skipping auxiliaries, adverbs and comma-enclosed side clauses);
* ``"...," said X`` (the verb right after a quotation or a comma).

Frames inside quotation marks belong to what is quoted, not to who quotes it, so
they are ignored. Across a text two more rules apply: a pronoun speaker ("he
said") stands for the most recent speaker before it that fits ("he" a person,
"it" an institution), and the sentences of a quotation that runs over several
sentences share the speaker named where the quotation opens or closes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .segment import Sentence, split_paragraphs
from .source_kinds import (
    PRONOUNS,
    classify_source,
    is_institution,
    is_person,
    looks_like_name,
    names_a_role,
)

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


@dataclass(frozen=True)
class _Frame:
    start: int  # speaker span, offsets in the sentence
    end: int
    cue: str
    cue_at: int
    context: str = ""  # side clauses about the speaker ("who asked not to be named")


_REPORTING_VERBS = (
    "said says say told tells stated claimed claim announced announces denied denies deny added adds insisted "
    "insists warned warns explained explains noted confirmed confirms accused accuses alleged alleges argued "
    "argues asserted admitted admits acknowledged acknowledges reported wrote writes tweeted posted declared "
    "declares vowed vows promised promises described describes dismissed dismisses blamed blames urged urges "
    "revealed disclosed maintained maintains contended responded replied stressed emphasised emphasized "
    "suggested suggest suggests predicted predicts estimated estimates believe believes expect expects fear "
    "fears think thinks suspect suspects ordered"
).split()
# Also nouns ("reports", "claims"): a verb only when "that" follows.
_VERB_IF_THAT = "reports claims states notes posts tweets".split()
# Evidence, not speech: a frame only for documents ("records show") or with "that".
_EVIDENCE_VERBS = "show shows showed found find finds indicate indicates indicated".split()
_VERB = re.compile(r"(?<![\w-])(" + "|".join(_REPORTING_VERBS + _VERB_IF_THAT + _EVIDENCE_VERBS) + r")(?![\w-])")
_INVERTED_VERBS = frozenset("said says say added told asked explained wrote noted insisted warned continued replied "
                            "responded stated claimed announced confirmed tweeted declared argued".split())
_INVERTED_VERB = re.compile(r"(?<![\w-])(" + "|".join(_INVERTED_VERBS) + r")\s+")
_TRAILING_NAME = re.compile(r"(?:[A-Z][\w'’.-]*\s+)*[A-Z][\w'’.-]*\s*$")

_ADVERBS = (
    r"has|have|had|will|would|also|later|earlier|previously|repeatedly|again|publicly|privately|separately|then"
    r"|first|initially|subsequently|further|once|already|not|never|did|does|do|reportedly|allegedly|quickly"
    r"|immediately|yesterday|today|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|last\s+(?:week|month|year|night)|(?:this|on)\s+(?:morning|afternoon|evening|week)"
)
_ADVERB_TAIL = re.compile(r"(?:\s*\b(?:" + _ADVERBS + r")\b)*\s*$", re.IGNORECASE)
_PASSIVE = re.compile(r"\b(?:is|was|are|were|be|been|being|get|gets|got)\s*$", re.IGNORECASE)
# Where a speaker's noun phrase cannot reach back past.
# "and" joins two subjects after a name ("Latin America and the Caribbean said",
# "Gibson and his partner said") but two clauses after a lowercase word ("Shares
# fell and analysts said").
_NP_BOUNDARY = re.compile(
    r"[;:()\[\]\"“”—–]|\s-\s|\b(?:that|but|while|as|after|before|because|when|where|if|although|though|since"
    r"|until|so|whereas|whether|whilst|than|what)\b",
    re.IGNORECASE,
)
_AND_AFTER_LOWERCASE_WORD = re.compile(r"(?<![A-Za-z.'’])[a-z][\w'’-]*\s+and\b")
_MODIFIER_OPENERS = frozenset(
    "who which whose whom where when speaking citing according in on at after before during for with without as "
    "also however though meanwhile despite amid under by from to into over since until".split()
)
_LEADING_FILLER = frozenset(
    "but and so yet also meanwhile however now then later earlier separately still instead moreover "
    "furthermore yesterday today".split()
)
_NOT_SPEAKERS = frozenset("there this that these those which what who i we you me us one".split())
_INVERTED_NP_STOP = re.compile(
    r"\s(?:in\s+an?|in\s+the|on(?!\s+condition)|at\s+an?|at\s+the|during|adding|before|after|when|while|as|last|yesterday|today"
    r"|earlier|later|to\s+reporters|to\s+journalists)\b",
    re.IGNORECASE,
)
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+", re.IGNORECASE)
_HEARSAY = re.compile(
    r"\b(?:reportedly|allegedly|purportedly|supposedly|(?:is|are|was|were|has been|have been)\s+"
    r"(?:said|reported|rumou?red)\s+to|rumou?red\s+to|unconfirmed\s+reports?|word\s+(?:spread|spreads|has\s+spread)"
    r"|rumou?rs?|circulating\s+(?:online|on\s+social\s+media))\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\S+")
_MAX_SPEAKER_WORDS = 14


def _first_word(text: str) -> str:
    match = re.match(r"\s*([\w'’-]+)", text)
    return match.group(1).lower() if match else ""


def _is_modifier(segment: str) -> bool:
    word = _first_word(segment)
    if not word or word.isdigit():  # nothing, or an age ("Mr Smith, 45, said")
        return True
    return word in _MODIFIER_OPENERS or (segment.lstrip()[:1].islower() and word.endswith(("ing", "ed")))


def _trim(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding spaces and punctuation and leading fillers ("But", "Meanwhile")."""
    while True:
        while start < end and (sentence[start].isspace() or sentence[start] in ",.'’"):
            start += 1
        while end > start and (sentence[end - 1].isspace() or sentence[end - 1] in ",."):
            end -= 1
        word = _first_word(sentence[start:end])
        if word in _LEADING_FILLER and start + len(word) < end:
            start += len(word)
            continue
        return start, end


def _comma_before(sentence: str, position: int, floor: int) -> int | None:
    """Offset of the last comma before ``position`` and not before ``floor``."""
    index = sentence.rfind(",", floor, position)
    return index if index >= 0 else None


def _speaker_before(sentence: str, verb_at: int) -> tuple[int, int, str] | None:
    """The noun phrase that is the subject of the reporting verb at ``verb_at``."""
    prefix = sentence[:verb_at]
    tail = _ADVERB_TAIL.search(prefix)
    np_end = tail.start() if tail else verb_at
    if _PASSIVE.search(prefix[:np_end]):
        return None
    boundaries = [m.end() for m in _NP_BOUNDARY.finditer(prefix, 0, np_end)]
    boundaries += [m.end() for m in _AND_AFTER_LOWERCASE_WORD.finditer(prefix, 0, np_end)]
    floor = max(boundaries, default=0)
    comma = _comma_before(prefix, np_end, floor)
    start, context = (comma + 1 if comma is not None else floor), ""
    if not prefix[start:np_end].strip() and comma is not None:
        # A comma right before the verb closes a side clause ("A senior official, speaking on
        # condition of anonymity, said") or ends a clause whose verb comes first (", say the
        # Bucharest side", which _inverted_frames reads).
        np_end = comma
        comma = _comma_before(prefix, np_end, floor)
        start = comma + 1 if comma is not None else floor
        segment = prefix[start:np_end]
        if not _is_modifier(segment) and not (
            len(segment.split()) <= 8 and (looks_like_name(segment) or names_a_role(segment))
        ):
            return None
    # Side clauses between commas ("Dr Ames, who treated the victims, said"): step over them.
    for _ in range(2):
        if not _is_modifier(prefix[start:np_end]) or comma is None:
            break
        context += prefix[start:np_end]
        np_end = comma
        comma = _comma_before(prefix, np_end, floor)
        start = comma + 1 if comma is not None else floor
        if re.match(r"\s*(?:who|whose)\b", context, re.IGNORECASE):
            # A relative clause belongs to the noun right before it ("... joined by Saints boss
            # Harry Redknapp, who believes"): keep only the name that ends the clause before.
            name = _TRAILING_NAME.search(prefix, start, np_end)
            if name is not None and len(prefix[start:np_end].split()) > 6:
                start = name.start()
    # An appositive pair: "Jen Psaki, the White House press secretary," or "The club's manager, Jose Mourinho,".
    if comma is not None and not _is_modifier(prefix[start:np_end]):
        before = _comma_before(prefix, comma, floor)
        previous = prefix[(before + 1 if before is not None else floor) : comma]
        current = prefix[start:np_end]
        if _first_word(previous) not in _LEADING_FILLER and not _is_modifier(previous) and (
            (looks_like_name(previous) and names_a_role(current)) or (names_a_role(previous) and looks_like_name(current))
        ):
            start = before + 1 if before is not None else floor
    start, end = _trim(prefix, start, np_end)
    return (start, end, context) if start < end else None


def _acceptable_speaker(text: str) -> bool:
    words = _TOKEN.findall(text)
    return 0 < len(words) <= _MAX_SPEAKER_WORDS and words[0].lower() not in _NOT_SPEAKERS and not any(
        mark in text for mark in "\"“”"
    )


def _frames(sentence: str, quoted: Sequence[tuple[int, int]]) -> list[_Frame]:
    """Every reporting frame in the sentence whose cue is outside quotation marks, in text order."""

    def outside_quotes(position: int) -> bool:
        return not any(start <= position < end for start, end in quoted)

    frames = []
    for match in _ACCORDING_TO.finditer(sentence):
        if not outside_quotes(match.start()):
            continue
        stop = re.search(r"[,;.!?()\"“”]|\sthat\s", sentence[match.end() :])
        end = match.end() + (stop.start() if stop else len(sentence) - match.end())
        start, end = _trim(sentence, match.end(), end)
        if _acceptable_speaker(sentence[start:end]):
            frames.append(_Frame(start, end, "according to", match.start()))
    for match in _VERB.finditer(sentence):
        verb = match.group(1)
        if not outside_quotes(match.start()):
            continue
        if verb in _VERB_IF_THAT + _EVIDENCE_VERBS and not sentence[match.end() :].lstrip().startswith("that"):
            if verb in _VERB_IF_THAT:
                continue
        speaker = _speaker_before(sentence, match.start())
        if speaker is None:
            continue
        start, end, context = speaker
        text = sentence[start:end]
        if text.lower() in PRONOUNS:
            frames.append(_Frame(start, end, verb, match.start(), context))
            continue
        if not _acceptable_speaker(text):
            continue
        if verb in _EVIDENCE_VERBS and classify_source(text, context, start == 0) != "none" and not sentence[
            match.end() :
        ].lstrip().startswith("that"):
            continue  # "Police found a body" narrates an event; "records show" cites evidence
        frames.append(_Frame(start, end, verb, match.start(), context))
    frames.extend(_inverted_frames(sentence, outside_quotes))
    return sorted(frames, key=lambda frame: frame.cue_at)


def _inverted_frames(sentence: str, outside_quotes) -> list[_Frame]:
    """``"...," said the spokesman`` and ``..., said Jen Psaki, the press secretary.``"""
    frames = []
    for match in _INVERTED_VERB.finditer(sentence):
        before = sentence[: match.start()].rstrip()
        if not before or before[-1] not in ",\"”" or not outside_quotes(match.start()):
            continue
        rest = sentence[match.end() :]
        stop = re.search(r"[,;.!?()\"“”]", rest)
        np_end = stop.start() if stop else len(rest)
        inner_stop = _INVERTED_NP_STOP.search(rest[:np_end])
        if inner_stop:
            np_end = inner_stop.start()
        start, end = _trim(sentence, match.end(), match.end() + np_end)
        after = sentence[end:]
        context = after  # "..., who spoke on condition of anonymity" says what kind of source this is
        if after.startswith(","):
            appositive = after[1:].rstrip(" .!?\"”'")
            if names_a_role(appositive) and len(appositive.split()) <= 10 and not re.search(r"[,;]", appositive):
                end = _trim(sentence, start, end + 1 + len(appositive))[1]
        text = sentence[start:end]
        if text.lower() in PRONOUNS or _acceptable_speaker(text):
            frames.append(_Frame(start, end, match.group(1), match.start(), context))
    return frames


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


def _resolve(frame: _Frame, sentence: Sentence, earlier: list[Source]) -> Source:
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
        frames = _frames(sentence.text, quoted)
        source = _resolve(frames[0], sentence, speakers) if frames else _hearsay(sentence)
        if source is not None and source.via == "sentence" and source.cue in _SPEAKER_CUES:
            speakers.append(source)
        sources.append(source)
    return _share_within_quotations(sentences, sources, quotations)


_SPEAKER_CUES = frozenset(_REPORTING_VERBS) | frozenset(_VERB_IF_THAT) | {"according to"}


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
