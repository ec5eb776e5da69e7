"""Reporting frames inside one sentence: the cue ("said", "according to") and its speaker.

Rules, not a parser. A frame is found as

* ``according to X``;
* ``X said``, ``X told reporters``, ``X's spokesman denied``, ``X, who ..., said``,
  ``In a statement, X said`` and the like: a reporting verb with the noun phrase
  before it, skipping auxiliaries, adverbs and comma-enclosed side clauses, and
  refusing passives ("was told") and clauses ("Souness has hinted he thinks");
* ``"...," said X`` and ``..., say the Bucharest side``: the verb right after a
  quotation or a comma, its speaker after it.

Frames whose cue is inside quotation marks belong to what is quoted and are skipped.
:mod:`training.attribution` turns frames into sources across a whole text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .source_kinds import PRONOUNS, classify_source, looks_like_name, names_a_role

__all__ = ["Frame", "SPEAKER_CUES", "find_frames"]


@dataclass(frozen=True)
class Frame:
    """A reporting cue and the words naming its speaker, offsets in the sentence."""

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
    "think thinks suspect suspects ordered hinted"
).split()
# Also nouns ("reports", "claims"): a verb only when "that" follows.
_VERB_IF_THAT = "reports claims states notes posts tweets fears".split()
# Evidence, not speech: a frame only for documents ("records show") or with "that".
_EVIDENCE_VERBS = "show shows showed found find finds indicate indicates indicated".split()
_VERB = re.compile(r"(?<![\w-])(" + "|".join(_REPORTING_VERBS + _VERB_IF_THAT + _EVIDENCE_VERBS) + r")(?![\w-])")
_INVERTED_VERBS = frozenset("said says say added told asked explained wrote noted insisted warned continued replied "
                            "responded stated claimed announced confirmed tweeted declared argued".split())
_INVERTED_VERB = re.compile(r"(?<![\w-])(" + "|".join(_INVERTED_VERBS) + r")\s+")

_ADVERBS = (
    r"has|have|had|will|would|also|later|earlier|previously|repeatedly|again|publicly|privately|separately|then"
    r"|first|initially|subsequently|further|once|already|not|never|did|does|do|reportedly|allegedly|quickly"
    r"|immediately|yesterday|today|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|last\s+(?:week|month|year|night)|(?:this|on)\s+(?:morning|afternoon|evening|week)"
    r"|now|still|just|often|always|even|since|long"
    r"|(?!(?:family|ally|assembly|rally|supply|july|italy|monopoly|reply|only|anomaly)\b)(?-i:[a-z]+ly)"
)
_ADVERB_TAIL = re.compile(r"(?:\s*\b(?:" + _ADVERBS + r")\b)*\s*$", re.IGNORECASE)
_PASSIVE = re.compile(r"\b(?:is|was|are|were|be|been|being|get|gets|got)\s*$", re.IGNORECASE)
# Where a speaker's noun phrase cannot reach back past.
# "and" joins two subjects after a name ("Latin America and the Caribbean said",
# "Gibson and his partner said") but two clauses after a lowercase word ("Shares
# fell and analysts said").
# Where a speaker's noun phrase cannot reach back past.
_PUNCTUATION_BOUNDARY = re.compile(r"[;:()\[\]\"“”—–]|\s-\s")
_CLAUSE_WORD = re.compile(
    r"\b(?:that|but|while|as|after|before|because|when|where|if|although|though|since|until|so|whereas|whether"
    r"|whilst|than|what)\b",
    re.IGNORECASE,
)
_COORDINATED = re.compile(r"\b(?:and|but|or)\s*$", re.IGNORECASE)
_RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
_RELATIVE = re.compile(r"\b(?:who|which|that)\b", re.IGNORECASE)
# Words that make a stretch of text a clause rather than a noun phrase.
_CLAUSE_VERB = re.compile(
    r"\b(?:has|have|had|is|was|were|are|will|would|can|could|should|may|might|did|does|"
    + "|".join(_REPORTING_VERBS) + r")\b",
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
_DETERMINERS = frozenset("the a an this these those its his her their our my your".split())
_NOT_SPEAKERS = frozenset("there this that these those which what who i we you me us one".split())
_INVERTED_NP_STOP = re.compile(
    r"\s(?:in\s+an?|in\s+the|on(?!\s+condition)|at\s+an?|at\s+the|during|adding|before|after|when|while|as|last|yesterday|today"
    r"|earlier|later|to\s+reporters|to\s+journalists)\b",
    re.IGNORECASE,
)
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+", re.IGNORECASE)
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


def _segment_start(prefix: str, start: int, end: int) -> int:
    """Where a noun phrase ending at ``end`` can begin: after the last clause word in ``[start, end)``."""
    cuts = [m.end() for m in _CLAUSE_WORD.finditer(prefix, start, end)]
    cuts += [m.end() for m in _AND_AFTER_LOWERCASE_WORD.finditer(prefix, start, end)]
    return max(cuts, default=start)


def _segment_before(prefix: str, comma: int, floor: int) -> str:
    """The comma-separated stretch of ``prefix`` that ends at ``comma``."""
    before = _comma_before(prefix, comma, floor)
    start = _trim(prefix, before + 1 if before is not None else floor, comma)[0]
    return prefix[start:comma]


def _speaker_before(sentence: str, verb_at: int) -> tuple[int, int, str] | None:
    """The noun phrase that is the subject of the reporting verb at ``verb_at``."""
    prefix = sentence[:verb_at]
    tail = _ADVERB_TAIL.search(prefix)
    np_end = tail.start() if tail else verb_at
    before_verb = prefix[:np_end]
    if _PASSIVE.search(before_verb) or _COORDINATED.search(before_verb):
        return None  # "was told" (heard, not said); "... and said" (the subject is further back)
    floor = max((m.end() for m in _PUNCTUATION_BOUNDARY.finditer(prefix, 0, np_end)), default=0)
    comma = _comma_before(prefix, np_end, floor)
    start, context = (comma + 1 if comma is not None else floor), ""
    if not prefix[start:np_end].strip() and comma is not None:
        # A comma right before the verb closes a side clause ("A senior official, speaking on
        # condition of anonymity, said") or an appositive ("Jen Psaki, the press secretary,
        # said"), or ends a clause whose verb comes first (", say the Bucharest side", which
        # _inverted_frames reads).
        np_end = comma
        comma = _comma_before(prefix, np_end, floor)
        start = comma + 1 if comma is not None else floor
        segment = prefix[start:np_end]
        # Accept a name, or a role after a name ("Smith, the club's manager, said"); not a clause
        # ("The team won easily, say the Bucharest side").
        appositive = looks_like_name(segment) or (
            names_a_role(segment) and comma is not None and looks_like_name(_segment_before(prefix, comma, floor))
        )
        if not _is_modifier(segment) and not (len(segment.split()) <= 8 and appositive):
            return None
    elif prefix[start:np_end].strip().lower() in _RELATIVE_PRONOUNS:
        return None  # "X, who often argued with Y, ...": the verb belongs to a side clause
    else:
        # "He nodded, in what Palestinian officials said": the phrase starts after the clause word.
        cut = _segment_start(prefix, start, np_end)
        if cut > start and prefix[cut:np_end].strip() and not _is_modifier(prefix[cut:np_end]):
            start = cut
    # Side clauses between commas ("Dr Ames, who treated the victims, said"): step over them.
    for _ in range(2):
        if not _is_modifier(prefix[start:np_end]) or comma is None:
            break
        context += prefix[start:np_end]
        np_end = comma
        comma = _comma_before(prefix, np_end, floor)
        start = comma + 1 if comma is not None else floor
    # An appositive pair: "Jen Psaki, the White House press secretary," or "Howard Archer, economist at X,".
    if comma is not None and not _is_modifier(prefix[start:np_end]):
        before = _comma_before(prefix, comma, floor)
        previous_start = before + 1 if before is not None else floor
        previous_start = _trim(prefix, previous_start, comma)[0]  # "But Louise Christian," -> "Louise Christian"
        previous, current = prefix[previous_start:comma], prefix[start:np_end]
        if _first_word(previous) not in _LEADING_FILLER and not _is_modifier(previous) and (
            (looks_like_name(previous) and (names_a_role(current) or current.lstrip()[:1].islower()))
            or (names_a_role(previous) and looks_like_name(current))
        ) and len(current.split()) <= 8:
            start = previous_start
    start = _segment_start(prefix, start, np_end)
    start, end = _trim(prefix, start, np_end)
    if start >= end or _CLAUSE_VERB.search(prefix, start, end) and not _RELATIVE.search(prefix, start, end):
        return None  # "Souness has also hinted he thinks": a clause, not a noun phrase
    return start, end, context


def _acceptable_speaker(text: str) -> bool:
    """Short enough to name someone, not "there"/"which", not ending on "the", no quote marks."""
    words = _TOKEN.findall(text)
    if not 0 < len(words) <= _MAX_SPEAKER_WORDS or any(mark in text for mark in "\"“”"):
        return False
    return words[0].lower() not in _NOT_SPEAKERS and words[-1].lower() not in _DETERMINERS


def find_frames(sentence: str, quoted: Sequence[tuple[int, int]]) -> list[Frame]:
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
            frames.append(Frame(start, end, "according to", match.start()))
    for match in _VERB.finditer(sentence):
        verb = match.group(1)
        that_follows = sentence[match.end() :].lstrip().startswith("that")
        if not outside_quotes(match.start()) or (verb in _VERB_IF_THAT and not that_follows):
            continue
        speaker = _speaker_before(sentence, match.start())
        if speaker is None:
            continue
        start, end, context = speaker
        text = sentence[start:end]
        if text.lower() in PRONOUNS:
            frames.append(Frame(start, end, verb, match.start(), context))
            continue
        if not _acceptable_speaker(text):
            continue
        if verb in _EVIDENCE_VERBS and not that_follows and classify_source(text, context, start == 0) != "none":
            continue  # "Police found a body" narrates an event; "records show" cites evidence
        frames.append(Frame(start, end, verb, match.start(), context))
    frames.extend(_inverted_frames(sentence, outside_quotes))
    return sorted(frames, key=lambda frame: frame.cue_at)


def _inverted_frames(sentence: str, outside_quotes) -> list[Frame]:
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
        if _CLAUSE_VERB.search(text) and not _RELATIVE.search(text):
            continue  # ", said most encampments were caused by ...": a clause follows, not a speaker
        if text.lower() in PRONOUNS or _acceptable_speaker(text):
            frames.append(Frame(start, end, match.group(1), match.start(), context))
    return frames


#: Cues whose speaker a later "he"/"she"/"it" can refer back to (not hearsay, not evidence).
SPEAKER_CUES = frozenset(_REPORTING_VERBS) | frozenset(_VERB_IF_THAT) | {"according to"}
