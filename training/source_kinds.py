"""What kind of source a span names: official, named person, anonymous, diffuse or none.

Word lists, not a parser: good enough to tell "the Interior Ministry" from "Jen
Psaki", "a senior official who asked not to be named" and "posts on social
media". The kinds answer "who could be held to account for this?":

``official``
    An institution, or a person speaking in a role for one: government, police,
    armed forces, courts, parties, companies, clubs, unions, international
    bodies, news organisations.
``named_person``
    A person named without a role ("Jen Psaki", "Dr Ames", "Smith").
``anonymous``
    One unnamed source: "a source close to the club", "a senior official who
    asked not to be named", "a witness".
``diffuse``
    Many or nobody in particular: social-media posts, "reports", "rumours",
    residents, critics, analysts, and hearsay cues such as "reportedly".
``none``
    Attributed to something that is not a speaker: records, a study, data, footage.
"""

from __future__ import annotations

import re

__all__ = [
    "PRONOUNS",
    "SOURCE_KINDS",
    "classify_source",
    "is_institution",
    "is_person",
    "looks_like_name",
    "names_a_role",
]

SOURCE_KINDS = ("official", "named_person", "anonymous", "diffuse", "none")

PRONOUNS = {"he", "she", "they", "it", "him", "her", "them"}


def _words(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


# People who speak in an institutional role (so "he" can refer back to them).
_PERSON_ROLES = _words(
    "minister president premier chancellor spokesman spokeswoman spokesperson spokespeople spokesmen",
    "official officials secretary ambassador envoy governor mayor senator congressman congresswoman",
    "lawmaker lawmakers legislator legislators mp mps councillor councilor commissioner commander general",
    "colonel captain officer officers chief head director chairman chairwoman chair ceo executive",
    "manager coach prosecutor prosecutors judge attorney diplomat diplomats king queen prince leader",
    "leaders adviser advisor aide aides representative representatives inspector superintendent sheriff",
    "deputy counsel lawyer lawyers president-elect vice-president candidate campaigner pope cardinal",
    "bishop archbishop imam rabbi mullah emir sultan sheikh monarch dean principal rector registrar",
)
# Bodies that speak as institutions ("it said").
_INSTITUTIONS = _words(
    "ministry ministries government governments police army military navy forces force department",
    "agency office council committee commission court courts parliament congress senate assembly",
    "administration cabinet authority authorities embassy consulate regulator regulators company firm",
    "corporation corp inc ltd plc group club union unions party campaign board bank university",
    "institute foundation association federation league organisation organization church service",
    "services bureau directorate kremlin pentagon presidency municipality county newspaper broadcaster",
    "network magazine channel television fc coastguard hospital school operator airline team side",
)
# News organisations, matched as capitalised words ("the Washington Post", not "posts").
_OUTLETS = frozenset(
    "Post Times Journal News Guardian Telegraph Herald Tribune Gazette Reuters AP AFP BBC CNN Xinhua TASS NHK".split()
)
# Nobody in particular, or many people.
_DIFFUSE = _words(
    "posts post social media online internet users user twitter facebook tiktok telegram whatsapp",
    "rumours rumors rumour rumor reports claims videos messages bloggers commentators observers critics",
    "people many some residents witnesses locals fans experts analysts economists scientists researchers",
    "others activists protesters protestors hackers campaigners villagers neighbours neighbors citizens",
    "voters viewers readers supporters opponents doctors nurses parents students teachers workers",
    "traders investors commentators pundits theories theorists speculation unconfirmed unverified",
)
# Not a speaker at all: the claim is sourced to evidence.
_DOCUMENTS = _words(
    "report study survey record records data document documents figures statistics footage analysis",
    "poll polls research evidence findings filing filings audit census review paper papers article memo",
    "emails email transcript transcripts images photos photographs footage tests results",
)
_ANONYMOUS_WORDS = _words("source sources insider insiders unnamed anonymous")
_UNNAMED_SINGULAR = re.compile(r"^(?:a|an|one|another)\s", re.IGNORECASE)
_ANONYMITY = re.compile(
    r"familiar with|close to the|(?:asked|requested|declined|refused) not to be (?:named|identified)"
    r"|declined to be (?:named|identified)|condition of anonymity|speaking anonymously|without being named"
    r"|not authori[sz]ed to (?:speak|comment|discuss)",
    re.IGNORECASE,
)
_NAMED_GROUP = re.compile(r"^[Tt]he\s+(?:[A-Z][\w'’-]*\s+)*[A-Z][\w'’-]*[a-z]s$")
_TITLES = _words("mr mr. mrs mrs. ms ms. dr dr. prof prof. sir dame lord lady st st. jr jr. sr sr.")
_FUNCTION_WORDS = _words(
    "the a an this that these those his her its their our my your of for to in on at by from with and",
    "'s ’s who which whose new former local senior top state foreign interior health defence defense",
)
_TOKEN = re.compile(r"[\w][\w'’.&-]*")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _lower_words(text: str) -> set[str]:
    words = set()
    for token in _tokens(text):
        word = token.lower().rstrip(".")
        words.add(word)
        for suffix in ("'s", "’s", "'", "’"):
            if word.endswith(suffix):
                words.add(word[: -len(suffix)])
    return words


def _name_tokens(text: str, at_sentence_start: bool) -> list[str]:
    """Capitalised tokens that are not known common words: likely parts of a proper name."""
    names = []
    for index, token in enumerate(_tokens(text)):
        word = token.lower().rstrip(".").removesuffix("'s").removesuffix("’s")
        if not token[0].isupper() or word in _TITLES or word in _FUNCTION_WORDS:
            continue
        if word in _PERSON_ROLES or word in _INSTITUTIONS or word in _DIFFUSE or word in _DOCUMENTS:
            continue
        if token in _OUTLETS or _is_acronym(token):
            continue
        if index == 0 and at_sentence_start and token[1:].islower():
            # Capitalised only because it opens the sentence: a name if it stands alone
            # ("Psaki said") or another capitalised word follows ("Jen Psaki"), not in
            # "Unconfirmed reports" or "Hackers".
            following = _tokens(text)[1:2]
            if (following and not following[0][0].isupper()) or re.search(r"(?:ers|ists|ians|ents|ors)$", word):
                continue
        names.append(token)
    return names


def _is_acronym(token: str) -> bool:
    return len(token) >= 2 and token.isupper() and token.isalpha()


def classify_source(span: str, context: str = "", at_sentence_start: bool = False) -> str:
    """The kind of source a span names.

    Parameters
    ----------
    span : str
        The words naming the source, e.g. ``"the Interior Ministry"``.
    context : str
        Words said about the source elsewhere in the sentence (an appositive or
        a "speaking on condition of anonymity" clause).
    at_sentence_start : bool
        The span opens its sentence, so its first word is capitalised anyway.

    Returns
    -------
    str
        One of :data:`SOURCE_KINDS`.
    """
    words = _lower_words(span)
    if words & _ANONYMOUS_WORDS or _ANONYMITY.search(span) or _ANONYMITY.search(context):
        return "anonymous"
    head = _head_words(span)
    if head & _DOCUMENTS and not (words & {"unconfirmed", "media", "press", "news", "online"}):
        return "none"
    tokens = _tokens(span)
    if words & (_PERSON_ROLES | _INSTITUTIONS) or {"state", "media"} <= words:
        return "official"
    if any(_is_acronym(t) or t in _OUTLETS for t in tokens):
        return "official"
    if _NAMED_GROUP.match(span):
        return "official"  # "the Tories", "The Lib Dems", "the Italians": a named party, team or side
    if _name_tokens(span, at_sentence_start):
        return "named_person"
    if words & _DIFFUSE or head & _DOCUMENTS:
        return "diffuse"
    if _UNNAMED_SINGULAR.match(span):
        return "anonymous"  # "a witness", "one resident": a single unnamed speaker
    return "diffuse"


def _head_words(span: str) -> set[str]:
    """Words of the span before its first preposition ("records" in "records from the hospital")."""
    head = re.split(r"\b(?:of|from|by|at|in|on|for|with|who|which|that)\b", span, maxsplit=1, flags=re.IGNORECASE)[0]
    return _lower_words(head)


def is_person(span: str, kind: str, at_sentence_start: bool = False) -> bool:
    """Could "he" or "she" refer to this source?"""
    if kind == "named_person":
        return True
    if kind not in ("official", "anonymous"):
        return False
    head = _head_words(span)
    if head & _PERSON_ROLES:
        return True
    return bool(_name_tokens(span, at_sentence_start)) and not head & _INSTITUTIONS


def is_institution(span: str, kind: str) -> bool:
    """Could "it" refer to this source?"""
    return kind == "official" and not is_person(span, kind) and bool(_head_words(span) & _INSTITUTIONS or
                                                                        any(_is_acronym(t) for t in _tokens(span)))


def names_a_role(span: str) -> bool:
    """The span holds a role or institution word ("the White House press secretary")."""
    return bool(_lower_words(span) & (_PERSON_ROLES | _INSTITUTIONS))


def looks_like_name(span: str) -> bool:
    """Every word is capitalised (allowing name particles): "Jen Psaki", "Dr Ames", "Ali bin Hassan"."""
    tokens = _tokens(span)
    particles = {"de", "van", "von", "bin", "al", "la", "le", "da", "del", "der", "di", "du", "ibn"}
    return 0 < len(tokens) <= 5 and all(t[0].isupper() or t.lower() in particles for t in tokens) and bool(
        _name_tokens(span, at_sentence_start=False)
    )
