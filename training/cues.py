"""Linguistic cue features: the words and frames the labeling guide decides by.

Each cue family is a lexicon of words and phrases (:mod:`training.cue_lexicons`);
:class:`CueFeatures` counts the family's matches in a sentence's tokens, adds a few
frames that depend on capitalisation ("Smith said", "said the minister") and
combinations the guide's decision order depends on (an official actor *with* a
reporting verb). Families group many surface forms into one feature, so a cue the
corpus saw in one wording transfers to the others. Matching is one pass over the
tokens the word features use too (:func:`word_tokens`), with dictionaries keyed
by each word and by each phrase's first word, fast enough for tens of thousands
of sentences a second.
"""

from __future__ import annotations

import hashlib
import itertools
import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .clauses import SIDE_CLAUSE_RULES, side_clauses
from .cue_lexicons import CUE_COMBINATIONS, CUE_FAMILIES, SHAPE_FAMILIES, SIDE_FAMILIES

__all__ = ["CUE_FAMILIES", "CUE_COMBINATIONS", "TOKEN_PATTERN", "CueFeatures", "cue_counts", "cue_matches", "word_tokens"]

_SAY = frozenset({"said", "says", "told", "tells", "added", "stated", "wrote"})
#: The project's word tokens, shared by the word n-grams and the cues: words keep
#: inner apostrophes and hyphens ("don't", "so-called"); a hashtag or handle stays one
#: token so posts keep their markers; "?" is a token of its own.
TOKEN_PATTERN = r"(?u)[#@]?\b\w[\w'’-]*\b|\?"
_TOKEN = re.compile(TOKEN_PATTERN)
# The same tokens for ASCII text (most news copy), matched about a third faster:
# ASCII \w and \b are Unicode's on ASCII input, and "’" cannot occur.
_TOKEN_ASCII = re.compile(r"[#@]?\b\w[\w'-]*\b|\?", re.ASCII)


def word_tokens(text: str) -> list[str]:
    """Lower-cased tokens of ``text``: exactly what a ``TfidfVectorizer`` with
    ``token_pattern=TOKEN_PATTERN`` (and default lower-casing) analyses it into,
    so one tokenisation can feed both the word features and the cues."""
    lowered = text.lower()
    return (_TOKEN_ASCII if lowered.isascii() else _TOKEN).findall(lowered)


def _expand(phrase: str) -> list[tuple[str, ...]]:
    """'{is|are} said to' -> [('is', 'said', 'to'), ('are', 'said', 'to')]."""
    options = [w[1:-1].split("|") if w.startswith("{") else [w] for w in re.findall(r"\{[^}]*\}|\S+", phrase)]
    return [tuple(words) for words in itertools.product(*options)]


def _build_indexes() -> tuple[dict[str, tuple[int, ...]], dict[tuple[str, str], list[tuple[list[str], int]]]]:
    """One-word phrases: word -> family columns (a word can belong to several);
    longer phrases: their first two words -> [(phrase words, family column)]."""
    single: dict[str, tuple[int, ...]] = {}
    multi: dict[tuple[str, str], list[tuple[list[str], int]]] = {}
    for family_id, phrases in enumerate(CUE_FAMILIES.values()):
        for phrase in phrases:
            for words in _expand(phrase):
                if len(words) == 1:
                    single[words[0]] = single.get(words[0], ()) + (family_id,)
                else:
                    multi.setdefault(words[:2], []).append((list(words), family_id))
    return single, multi


_SINGLE, _MULTI = _build_indexes()
_MULTI_BIGRAMS = frozenset(_MULTI)
FEATURE_FAMILIES: tuple[str, ...] = tuple(CUE_FAMILIES) + SHAPE_FAMILIES + tuple(f"side:{f}" for f in SIDE_FAMILIES)
# Lexicon family id -> its side column, for the families counted again in side clauses.
_SIDE_COLUMN = {list(CUE_FAMILIES).index(f): FEATURE_FAMILIES.index(f"side:{f}") for f in SIDE_FAMILIES}
_COLUMN = {name: i for i, name in enumerate(FEATURE_FAMILIES)}
# Columns of each combination's two families, for one vectorised AND per batch.
_PAIR_LEFT = np.array([_COLUMN[a] for a, _ in CUE_COMBINATIONS], dtype=np.intp)
_PAIR_RIGHT = np.array([_COLUMN[b] for _, b in CUE_COMBINATIONS], dtype=np.intp)
_PAIR_LEFT_LIST, _PAIR_RIGHT_LIST = _PAIR_LEFT.tolist(), _PAIR_RIGHT.tolist()
_SUBJECT_SAID, _SAID_SUBJECT = _COLUMN["frame_subject_said"], _COLUMN["frame_said_subject"]
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
# Official bodies known by an acronym that is also a common word once lower-cased
# ("WHO"/"who", "UN"), so matched as written.
_ACRONYM_LIST = ("WHO", "UN", "EU", "IMF", "NATO", "FBI", "CIA", "NHS", "MP", "MPs", "CEO", "FDA", "EPA", "OECD", "ECB", "SEC")
_ACRONYMS = re.compile(rf"\b(?:{'|'.join(_ACRONYM_LIST)})\b")
_ACRONYM_WORDS = frozenset(acronym.lower() for acronym in _ACRONYM_LIST)
_OFFICIAL_ACTOR = list(CUE_FAMILIES).index("official_actor")
_POST_MARKER, _NUMBER, _QUOTATION, _QUESTION = (_COLUMN[name] for name in ("post_marker", "number", "quotation", "question"))
# After a saying verb: "said the minister", "said Smith" (anchored at the verb's end).
_NAME_AFTER = re.compile(r"[^\w#@]+(?:(?i:the|an?)\b|[A-Z])")
_DIGIT_CHARS = frozenset("0123456789")
_WORD_CHARS_EXTRA = "'’-_"
_POST_MARKERS = re.compile(r"[#@]|https?://|BREAKING|UPDATE:|JUST IN")
_URL = re.compile(r"https?://\S+")
_DENIAL = list(CUE_FAMILIES).index("denial_verb")
# "was denied bail", "the appeal was rejected": something done to the subject, an
# event narrated, not a denial voiced by anyone.
_PASSIVE_DENIAL_WORDS = frozenset({"denied", "rejected", "dismissed"})
_BE_FORMS = frozenset({"is", "are", "was", "were", "be", "been", "being"})
_REPORTING = list(CUE_FAMILIES).index("neutral_reporting_verb")
_FIRST_PERSON = list(CUE_FAMILIES).index("first_person")
_US_COUNTRY = re.compile(r"\bUS\b")
# "states" as a noun in names of countries and groups of states, not the reporting verb.
_STATES_NOUN_BEFORE = frozenset({"united", "member", "gulf", "baltic", "arab", "island", "african", "nation", "other"})
_QUOTE_MARKS = re.compile(r'["“”«»]')


#: Bump when the matching rules in :func:`_scan` change in a way the lexicons do not show.
CUE_RULES_VERSION = 4
#: What a fitted :class:`CueFeatures` records, so a model is not served with other cues
#: than it was trained on (the lexicons and rules live in code, not in the pickle).
CUE_FINGERPRINT = hashlib.sha256(repr((
    CUE_RULES_VERSION, CUE_FAMILIES, CUE_COMBINATIONS, SIDE_FAMILIES, SIDE_CLAUSE_RULES, _ACRONYM_LIST,
    sorted(_PASSIVE_DENIAL_WORDS), sorted(_BE_FORMS), sorted(_STATES_NOUN_BEFORE), sorted(_SAY),
)).encode()).hexdigest()[:16]


def _scan(text: str, tokens: list[str] | None = None, matches: dict | None = None) -> list[int]:
    """Counts of every family in :data:`FEATURE_FAMILIES` order.

    ``tokens`` are :func:`word_tokens` of ``text`` when the caller has them already.
    This runs for every sentence the service classifies, so the work is done by
    dictionary lookups and set intersections (in C) and by patterns run only when a
    cheap test says they can match; Python loops touch only the tokens that are cues.
    ``matches``, when given, collects each lexical family's matched words as written.
    """
    if tokens is None:
        tokens = word_tokens(text)
    if "’" in text:  # the lexicons spell apostrophes straight
        text = text.replace("’", "'")
        tokens = [token.replace("’", "'") for token in tokens]
    counts = [0] * len(FEATURE_FAMILIES)
    original = None
    if matches is None:
        for families in filter(None, map(_SINGLE.get, tokens)):
            for family in families:
                counts[family] += 1
    else:
        original = _TOKEN.findall(text)
        if len(original) != len(tokens):  # lower() moved a token boundary (rare Unicode)
            original = None
        for i, token in enumerate(tokens):
            for family in _SINGLE.get(token, ()):
                counts[family] += 1
                matches.setdefault(FEATURE_FAMILIES[family], []).append(original[i] if original else token)
    for bigram in _MULTI_BIGRAMS.intersection(zip(tokens, tokens[1:])):
        first, second = bigram
        i = tokens.index(first)
        while True:
            if tokens[i + 1 : i + 2] == [second]:
                for words, family in _MULTI[bigram]:
                    if len(words) == 2 or tokens[i : i + len(words)] == words:
                        counts[family] += 1
                        if matches is not None:
                            found = original[i : i + len(words)] if original else words
                            matches.setdefault(FEATURE_FAMILIES[family], []).append(" ".join(found))
            try:
                i = tokens.index(first, i + 1)
            except ValueError:
                break
    if not _ACRONYM_WORDS.isdisjoint(tokens):
        for acronym in _ACRONYMS.findall(text):
            counts[_OFFICIAL_ACTOR] += 1
            if matches is not None:
                matches.setdefault("official_actor", []).append(acronym)
    if not _PASSIVE_DENIAL_WORDS.isdisjoint(tokens):
        counts[_DENIAL] = max(0, counts[_DENIAL] - _passive_denials(tokens))
    if "US" in text and "us" in tokens:  # the country, not the pronoun
        counts[_FIRST_PERSON] = max(0, counts[_FIRST_PERSON] - len(_US_COUNTRY.findall(text)))
    if "tates" in text and "states" in tokens:
        counts[_REPORTING] -= sum(1 for i in range(1, len(tokens))
                                  if tokens[i] == "states" and tokens[i - 1] in _STATES_NOUN_BEFORE)
    if any(map(counts.__getitem__, _SIDE_COLUMN)):  # only then can a side clause add anything
        for clause in side_clauses(text, tokens):
            _count_side(word_tokens(clause), counts)
    say_words = _SAY.intersection(tokens)
    if say_words:
        counts[_SUBJECT_SAID], counts[_SAID_SUBJECT] = _say_frames(text, say_words)
    if "#" in text or "@" in text or "://" in text or "BREAKING" in text or "UPDATE:" in text or "JUST IN" in text:
        counts[_POST_MARKER] = len(_POST_MARKERS.findall(text))
    if not _DIGIT_CHARS.isdisjoint(text):  # a link's digits are not figures
        counts[_NUMBER] = len(_DIGITS.findall(_URL.sub(" ", text) if "://" in text else text))
    if '"' in text or "“" in text or "”" in text or "«" in text or "»" in text:
        counts[_QUOTATION] = len(_QUOTE_MARKS.findall(text))
    counts[_QUESTION] = text.count("?")
    return counts


def _count_side(clause_tokens: list[str], counts: list[int]) -> None:
    """Add one side clause's counts of :data:`SIDE_FAMILIES` (its words and phrases)."""
    for i, token in enumerate(clause_tokens):
        for family in _SINGLE.get(token, ()):
            column = _SIDE_COLUMN.get(family)
            if column is not None:
                counts[column] += 1
        for words, family in _MULTI.get(tuple(clause_tokens[i : i + 2]), ()):
            column = _SIDE_COLUMN.get(family)
            if column is not None and clause_tokens[i : i + len(words)] == words:
                counts[column] += 1


def _passive_denials(tokens: list[str]) -> int:
    """Denial words used in the passive ("was denied bail", "the appeal was dismissed")."""
    found = 0
    for i, token in enumerate(tokens):
        if token in _PASSIVE_DENIAL_WORDS and (
            tokens[i - 1 : i] and tokens[i - 1] in _BE_FORMS or tokens[i - 2 : i - 1] and tokens[i - 2] in _BE_FORMS
        ):
            found += 1
    return found


def _say_frames(text: str, say_words) -> tuple[int, int]:
    """("Smith said" frames, "said the minister" / "said Smith" frames) in ``text``.

    Found by ``str.find`` of each saying verb the tokens contain, then a look at the
    word before (capitalised?) and a pattern anchored after: scanning the whole text
    with a pattern costs several times more.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # lower() changed offsets (rare Unicode): no frames
        return 0, 0
    name_before = name_after = 0
    for word in say_words:
        at = lowered.find(word)
        while at != -1:
            end = at + len(word)
            if (at == 0 or not (lowered[at - 1].isalnum() or lowered[at - 1] in _WORD_CHARS_EXTRA)) and (
                end == len(lowered) or not (lowered[end].isalnum() or lowered[end] in _WORD_CHARS_EXTRA)
            ):
                before = text[:at].rstrip()
                cut = max(before.rfind(" "), before.rfind("\n"))
                previous = before[cut + 1 :].lstrip("\"“‘'([«")
                if previous[:1].isupper() and previous[:1].isalpha():
                    name_before += 1
                if _NAME_AFTER.match(text, end):
                    name_after += 1
            at = lowered.find(word, end)
    return name_before, name_after


def cue_counts(text: str) -> list[int]:
    """Matches of each cue family in ``text``, in :data:`FEATURE_FAMILIES` order."""
    return _scan(text)


def cue_matches(text: str) -> dict[str, list[str]]:
    """The matched words of each lexical family present in ``text`` (for tests and explanations)."""
    found: dict[str, list[str]] = {}
    counts = _scan(text, matches=found)
    for name in SHAPE_FAMILIES:
        if counts[_COLUMN[name]]:
            found[name] = [str(counts[_COLUMN[name]])]
    return found


class CueFeatures(TransformerMixin, BaseEstimator):
    """Count cue families in each text and add selected pairwise combinations.

    Parameters
    ----------
    max_count : int, default=3
        Counts are clipped to this value, then scaled to [0, 1]; a sentence with
        five hedges is not five times as speculative as one with one.
    combinations : bool, default=True
        Add one binary feature per pair in ``CUE_COMBINATIONS``.

    Attributes
    ----------
    feature_names_ : ndarray of str
        Names of the output columns.
    cue_fingerprint_ : str
        :data:`CUE_FINGERPRINT` of the code that fitted it (checked at model load).
    n_features_in_ : int
        Columns of a 2-D input (their string forms are joined into one text per
        row); set only when fitted on 2-D input.

    Notes
    -----
    Input is a 1-D sequence of texts, as in a text ``Pipeline``, or a 2-D array
    whose cells are read as text.
    """

    def __init__(self, max_count: int = 3, combinations: bool = True):
        self.max_count = max_count
        self.combinations = combinations

    def _texts(self, X, reset: bool) -> list[str]:
        if isinstance(X, str):
            raise ValueError("CueFeatures expects a sequence of texts, got a single string")
        if sparse.issparse(X):
            validate_data(self, X, accept_sparse=False, reset=reset)  # raises: text cannot be sparse
        if hasattr(X, "__array__"):
            ndim = np.asarray(X, dtype=object).ndim
        else:
            X = list(X)
            ndim = 2 if X and isinstance(X[0], (list, tuple)) else 1
        if ndim == 2:
            array = validate_data(self, X, dtype=None, reset=reset, accept_sparse=False)
            return [" ".join(str(cell) for cell in row) for row in array]
        if hasattr(self, "n_features_in_") and not reset:
            raise ValueError("Expected a 2-D array as in fit; Reshape your data (got 1-D input)")
        texts = list(np.asarray(X, dtype=object).ravel()) if hasattr(X, "__array__") else X
        if not texts:
            raise ValueError("CueFeatures needs at least one text (got 0 samples)")
        bad = next((t for t in texts if not isinstance(t, str)), None)
        if bad is not None:
            raise ValueError(f"CueFeatures expects strings (or a 2-D array), got {type(bad).__name__}")
        return texts

    def fit(self, X, y=None):
        """Check the parameters and the input; record the output column names."""
        if not isinstance(self.max_count, (int, np.integer)) or self.max_count < 1:
            raise ValueError(f"max_count must be a positive integer, got {self.max_count!r}")
        self._texts(X, reset=True)
        self.feature_names_ = np.array(self._current_names(), dtype=object)
        self.cue_fingerprint_ = CUE_FINGERPRINT
        return self

    def _current_names(self) -> list[str]:
        names = list(FEATURE_FAMILIES)
        if self.combinations:
            names += [f"{a}+{b}" for a, b in CUE_COMBINATIONS]
        return names

    def check_columns_match_code(self) -> None:
        """Raise ``ValueError`` if this fitted object's columns are not the ones this code computes.

        A pickled model keeps its fitted column names but runs the installed
        ``transform``; a model fitted before the cue families changed would feed
        its classifier columns it was never trained on.
        """
        check_is_fitted(self, "feature_names_")
        fitted, current = list(self.feature_names_), self._current_names()
        if fitted != current:
            changed = sorted(set(fitted) ^ set(current)) or ["(same names, different order)"]
            raise ValueError(
                f"the model's cue features ({len(fitted)} columns) are not the ones this version of "
                f"training/cues.py computes ({len(current)} columns; differing: {', '.join(changed[:6])}); "
                "the model was trained with an older version of the code: retrain it (`make model`)"
            )
        fingerprint = getattr(self, "cue_fingerprint_", None)
        if fingerprint != CUE_FINGERPRINT:
            raise ValueError(
                f"the model's cue lexicons and rules (fingerprint {fingerprint}) are not the ones this version "
                f"of training/cues.py uses ({CUE_FINGERPRINT}); the model was trained with an older version "
                "of the code: retrain it (`make model`)"
            )

    def transform(self, X):
        """Cue matrix of shape (n_samples, n_features), sparse CSR, values in [0, 1]."""
        check_is_fitted(self, "feature_names_")
        return sparse.csr_matrix(self.dense_features(self._texts(X, reset=False)))

    def dense_features(self, texts: list[str], tokens: list[list[str]] | None = None) -> np.ndarray:
        """The cue matrix as a dense array, for a list of strings (no input checks).

        :meth:`transform` is this plus checks and a sparse copy; the serving path
        (:mod:`training.inference`) calls it directly, as those cost more than the
        cues themselves for one sentence, and passes the texts' :func:`word_tokens`
        when it has them already.
        """
        if tokens is None:
            rows = [_scan(text) for text in texts]
        else:
            rows = [_scan(text, text_tokens) for text, text_tokens in zip(texts, tokens)]
        counts = np.array(rows, dtype=np.float64).reshape(len(texts), -1)
        features = np.minimum(counts, self.max_count) / self.max_count
        if self.combinations:
            present = counts > 0
            pairs = (present[:, _PAIR_LEFT] & present[:, _PAIR_RIGHT]).astype(np.float64)
            features = np.hstack([features, pairs])
        return features

    def sparse_row(self, text: str, tokens: list[str]) -> tuple[list[int], list[float]]:
        """One text's non-zero features as (columns, values), in plain Python.

        The same numbers as a row of :meth:`dense_features`, without numpy's
        per-call cost: for one sentence (a one-sentence request) that cost is most
        of the time.
        """
        counts = _scan(text, tokens)
        cap = self.max_count
        columns = [i for i, count in enumerate(counts) if count]
        values = [min(counts[i], cap) / cap for i in columns]
        if self.combinations:
            width = len(counts)
            for j, (left, right) in enumerate(zip(_PAIR_LEFT_LIST, _PAIR_RIGHT_LIST)):
                if counts[left] and counts[right]:
                    columns.append(width + j)
                    values.append(1.0)
        return columns, values

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "feature_names_")
        return np.asarray([f"cue:{name}" for name in self.feature_names_], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags
