"""Checking Perspective API request bodies (``comments:analyze``, ``comments:suggestscore``).

The four claim labels are the attributes, named in upper case (``RUMOR``).
Fields Perspective documents but this service does not use (``context``,
``sessionId``, ``communityId``) are accepted and ignored; unknown fields are
refused, as Perspective's own parser refuses them. Every failure is a
:class:`PerspectiveRequestError` (HTTP 400) naming the field at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from training import LABEL_IDS

from ..validation import json_type
from .perspective_errors import PerspectiveRequestError
from .utf16 import Utf16Offsets

__all__ = [
    "ATTRIBUTES",
    "AnalyzeCommentRequest",
    "RequestedAttribute",
    "SuggestCommentScoreRequest",
    "SuggestedLabel",
    "analyze_comment_request",
    "suggest_comment_score_request",
]

#: Attribute name -> label id: ``{"ATTRIBUTED_FACT": "attributed_fact", ...}``, in label order.
ATTRIBUTES = {label.upper(): label for label in LABEL_IDS}
SCORE_TYPES = ("PROBABILITY", "SCORE_TYPE_UNSPECIFIED")  # unspecified means probability
TEXT_TYPES = ("PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED")
#: Reported when the request names no language: the model reads English only, so nothing is detected.
DEFAULT_LANGUAGES = ("en",)
# An English BCP-47 tag: "en", "en-GB", "en_US" (case as clients send it).
_ENGLISH_TAG = re.compile(r"[eE][nN]([-_][A-Za-z0-9]{1,8})*")
#: A suggested score this high says "the text is this attribute" (the four are exclusive).
SUGGESTION_THRESHOLD = 0.5

_COMMON_FIELDS = ("comment", "context", "languages", "doNotStore", "clientToken", "sessionId", "communityId")
ANALYZE_FIELDS = (*_COMMON_FIELDS, "requestedAttributes", "spanAnnotations", "dropUnsupportedAttributes")
SUGGEST_FIELDS = (*_COMMON_FIELDS, "attributeScores")


@dataclass(frozen=True)
class RequestedAttribute:
    """One entry of ``requestedAttributes``: its name, the label it scores, its ``scoreThreshold``."""

    name: str
    label: str
    threshold: float | None


@dataclass(frozen=True)
class AnalyzeCommentRequest:
    """A checked ``comments:analyze`` request.

    ``attributes`` is empty when the languages are not supported and the client
    asked for unsupported attributes to be dropped; ``languages`` is what the
    response reports.
    """

    text: str
    attributes: tuple[RequestedAttribute, ...]
    languages: tuple[str, ...]
    span_annotations: bool
    do_not_store: bool
    client_token: str | None


@dataclass(frozen=True)
class SuggestedLabel:
    """A text (the comment or one span of it, without surrounding space) and the label suggested for it."""

    text: str
    label: str


@dataclass(frozen=True)
class SuggestCommentScoreRequest:
    """A checked ``comments:suggestscore`` request: the labels to store, unless ``do_not_store``."""

    suggestions: tuple[SuggestedLabel, ...]
    do_not_store: bool
    client_token: str | None


def analyze_comment_request(body: dict, max_text_chars: int) -> AnalyzeCommentRequest:
    """Check a ``comments:analyze`` body.

    Raises
    ------
    PerspectiveRequestError
        Naming the field at fault; ``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE`` for a
        language other than English (unless ``dropUnsupportedAttributes``).
    """
    _refuse_unknown_fields(body, ANALYZE_FIELDS, "")
    text = _comment_text(body, max_text_chars)
    attributes = _requested_attributes(body)
    _check_ignored_fields(body)
    span_annotations = _optional_bool(body, "spanAnnotations")
    drop_unsupported = _optional_bool(body, "dropUnsupportedAttributes")
    languages = _languages(body)
    if not _all_english(languages):
        if not drop_unsupported:
            raise _language_not_supported(attributes[0].name, languages)
        attributes = ()  # every attribute is English-only, so all are dropped
    return AnalyzeCommentRequest(
        text, attributes, languages or DEFAULT_LANGUAGES, span_annotations, _optional_bool(body, "doNotStore"),
        _optional_string(body, "clientToken"),
    )


def suggest_comment_score_request(
    body: dict, max_text_chars: int, max_stored_chars: int
) -> SuggestCommentScoreRequest:
    """Check a ``comments:suggestscore`` body and turn its scores into labels to store.

    A ``summaryScore`` speaks for the whole comment, a span score for
    ``comment.text[begin:end]`` (UTF-16 offsets, as Perspective's). For each of
    those texts, the one attribute scored 0.5 or more is its label. A text
    scored only below 0.5 ("not a rumor") says nothing this store can hold and
    is left out.

    Raises
    ------
    PerspectiveRequestError
        Naming the field at fault: a malformed score, a span outside the
        comment, two attributes scored 0.5 or more for the same text, a text
        over ``max_stored_chars``.
    """
    _refuse_unknown_fields(body, SUGGEST_FIELDS, "")
    text = _comment_text(body, max_text_chars)
    summaries, spans = _attribute_scores(body, Utf16Offsets(text))
    _check_ignored_fields(body)
    languages = _languages(body)
    if not _all_english(languages):
        raise _language_not_supported(next(iter(body["attributeScores"])), languages)
    suggestions = []
    if summaries:
        label = _suggested_label(summaries, "the comment (summaryScore)")
        if label is not None:
            suggestions.append(SuggestedLabel(_stored_text(text, "comment.text", max_stored_chars), label))
    for (start, end), scores in spans.items():
        where = f"the span [{start}, {end}) of comment.text"
        label = _suggested_label(scores, where)
        if label is not None:
            suggestions.append(SuggestedLabel(_stored_text(text[start:end], where, max_stored_chars), label))
    return SuggestCommentScoreRequest(tuple(suggestions), _optional_bool(body, "doNotStore"),
                                      _optional_string(body, "clientToken"))


def _comment_text(body: dict, max_chars: int) -> str:
    comment = body.get("comment")
    if not isinstance(comment, dict):
        raise PerspectiveRequestError(f"comment: is required, an object with 'text', got {json_type(comment)}")
    _refuse_unknown_fields(comment, ("text", "type"), "comment.")
    text_type = comment.get("type")
    if text_type is not None and text_type not in TEXT_TYPES:
        raise PerspectiveRequestError(
            f"comment.type: currently, only 'PLAIN_TEXT' comments are supported, got {text_type!r}"
        )
    text = comment.get("text")
    if not isinstance(text, str):
        raise PerspectiveRequestError(f"comment.text: is required, a string, got {json_type(text)}")
    if not text.strip():
        raise PerspectiveRequestError("comment.text: comment must be non-empty", "COMMENT_EMPTY")
    if len(text) > max_chars:
        raise PerspectiveRequestError(
            f"comment.text: comment text too long: {len(text)} characters; the limit is {max_chars}", "COMMENT_TOO_LONG"
        )
    return text


def _requested_attributes(body: dict) -> tuple[RequestedAttribute, ...]:
    requested = body.get("requestedAttributes")
    if requested is None or requested == {}:
        raise PerspectiveRequestError(
            f"requestedAttributes: missing requested_attributes; name one or more of {', '.join(ATTRIBUTES)}",
            "NO_REQUESTED_ATTRIBUTES",
        )
    if not isinstance(requested, dict):
        raise PerspectiveRequestError(f"requestedAttributes: must be an object, got {json_type(requested)}")
    attributes = []
    for name, parameters in requested.items():
        where = f"requestedAttributes.{name}"
        _check_attribute_name(name, where)
        parameters = {} if parameters is None else parameters
        if not isinstance(parameters, dict):
            raise PerspectiveRequestError(f"{where}: must be an object (may be empty), got {json_type(parameters)}")
        _refuse_unknown_fields(parameters, ("scoreType", "scoreThreshold"), where + ".")
        score_type = parameters.get("scoreType")
        if score_type is not None and score_type not in SCORE_TYPES:
            raise PerspectiveRequestError(
                f"{where}.scoreType: requested score type {score_type!r} is not supported by attribute {name}; "
                "only PROBABILITY is"
            )
        threshold = parameters.get("scoreThreshold")
        if threshold is not None:
            threshold = _probability(threshold, where + ".scoreThreshold")
        attributes.append(RequestedAttribute(name, ATTRIBUTES[name], threshold))
    return tuple(attributes)


def _attribute_scores(body: dict, offsets: Utf16Offsets) -> tuple[dict[str, float], dict[tuple[int, int], dict]]:
    """``({attribute: summary value}, {(start, end) code point span: {attribute: value}})``."""
    given = body.get("attributeScores")
    if not isinstance(given, dict) or not given:
        raise PerspectiveRequestError(
            f"attributeScores: is required, an object naming one or more of {', '.join(ATTRIBUTES)}, "
            f"got {json_type(given) if not isinstance(given, dict) else 'an empty object'}"
        )
    summaries: dict[str, float] = {}
    spans: dict[tuple[int, int], dict[str, float]] = {}
    for name, scores in given.items():
        where = f"attributeScores.{name}"
        _check_attribute_name(name, where)
        if not isinstance(scores, dict) or not (scores.get("summaryScore") is not None or scores.get("spanScores")):
            raise PerspectiveRequestError(f"{where}: must be an object with a summaryScore, spanScores or both")
        _refuse_unknown_fields(scores, ("summaryScore", "spanScores"), where + ".")
        if scores.get("summaryScore") is not None:
            summaries[name] = _score_value(scores["summaryScore"], where + ".summaryScore")
        span_scores = scores.get("spanScores") or []
        if not isinstance(span_scores, list):
            raise PerspectiveRequestError(f"{where}.spanScores: must be a list, got {json_type(span_scores)}")
        for index, span in enumerate(span_scores):
            span_where = f"{where}.spanScores[{index}]"
            if not isinstance(span, dict):
                raise PerspectiveRequestError(f"{span_where}: must be an object, got {json_type(span)}")
            _refuse_unknown_fields(span, ("begin", "end", "score"), span_where + ".")
            key = _span(span, span_where, offsets)
            spans.setdefault(key, {})[name] = _score_value(span.get("score"), span_where + ".score")
    return summaries, dict(sorted(spans.items()))


def _span(span: dict, where: str, offsets: Utf16Offsets) -> tuple[int, int]:
    for field in ("begin", "end"):
        if isinstance(span.get(field), bool) or not isinstance(span.get(field), int):
            raise PerspectiveRequestError(f"{where}.{field}: is required, an integer, got {json_type(span.get(field))}")
    begin, end = span["begin"], span["end"]
    start, stop = offsets.to_index(begin), offsets.to_index(end)
    if start is None or stop is None or begin >= end:
        raise PerspectiveRequestError(
            f"{where}: [{begin}, {end}) is not a span of comment.text, which is {offsets.length} UTF-16 code units "
            "long (begin < end, both on character boundaries)"
        )
    return start, stop


def _score_value(score, where: str) -> float:
    if not isinstance(score, dict):
        raise PerspectiveRequestError(f"{where}: must be an object with a value, got {json_type(score)}")
    _refuse_unknown_fields(score, ("value", "type"), where + ".")
    if score.get("type") is not None and score["type"] not in SCORE_TYPES:
        raise PerspectiveRequestError(f"{where}.type: only PROBABILITY scores are supported, got {score['type']!r}")
    if "value" not in score:
        raise PerspectiveRequestError(f"{where}.value: is required")
    return _probability(score["value"], where + ".value")


def _suggested_label(scores: dict[str, float], where: str) -> str | None:
    chosen = [name for name, value in scores.items() if value >= SUGGESTION_THRESHOLD]
    if len(chosen) > 1:
        raise PerspectiveRequestError(
            f"attributeScores: {where} is scored {SUGGESTION_THRESHOLD} or more as {' and '.join(chosen)}; "
            "the attributes exclude each other, so suggest one"
        )
    return ATTRIBUTES[chosen[0]] if chosen else None


def _stored_text(text: str, where: str, max_chars: int) -> str:
    stripped = text.strip()
    if not stripped:
        raise PerspectiveRequestError(f"attributeScores: {where} is blank")
    if len(stripped) > max_chars:
        raise PerspectiveRequestError(
            f"attributeScores: {where} is {len(stripped)} characters; a suggestion is stored per sentence, at most "
            f"{max_chars} characters: suggest spanScores for the sentences instead"
        )
    if "\x00" in stripped:  # no database text type stores NUL
        raise PerspectiveRequestError(f"attributeScores: {where} contains a NUL character")
    return stripped


def _languages(body: dict) -> tuple[str, ...]:
    languages = body.get("languages")
    if languages is None:
        return ()
    if not isinstance(languages, list):
        raise PerspectiveRequestError(f"languages: must be a list of language codes, got {json_type(languages)}")
    for index, language in enumerate(languages):
        if not isinstance(language, str) or not language.strip():
            raise PerspectiveRequestError(f"languages[{index}]: must be a language code such as 'en', got {language!r}")
    return tuple(languages)


def _all_english(languages: tuple[str, ...]) -> bool:
    return all(_ENGLISH_TAG.fullmatch(language) for language in languages)


def _language_not_supported(attribute: str, languages: tuple[str, ...]) -> PerspectiveRequestError:
    return PerspectiveRequestError(
        f"Attribute {attribute} does not support request languages: {', '.join(languages)} "
        "(this service reads English only: 'en')",
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        {"languageNotSupportedByAttributeError": {"requestedLanguages": list(languages), "attribute": attribute}},
    )


def _check_attribute_name(name: str, where: str) -> None:
    if name not in ATTRIBUTES:
        raise PerspectiveRequestError(
            f"{where}: unknown requested attribute: {name}; this service scores {', '.join(ATTRIBUTES)}"
        )


def _check_ignored_fields(body: dict) -> None:
    """Fields accepted for compatibility and not used: still checked for type."""
    if body.get("context") is not None and not isinstance(body["context"], dict):
        raise PerspectiveRequestError(f"context: must be an object, got {json_type(body['context'])}")
    for field in ("sessionId", "communityId"):
        _optional_string(body, field)


def _optional_bool(body: dict, field: str) -> bool:
    value = body.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise PerspectiveRequestError(f"{field}: must be true or false, got {json_type(value)}")
    return value


def _optional_string(body: dict, field: str) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise PerspectiveRequestError(f"{field}: must be a string, got {json_type(value)}")
    return value


def _probability(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise PerspectiveRequestError(f"{where}: must be a number from 0 to 1, got {value!r}")
    return float(value)


def _refuse_unknown_fields(obj: dict, known: tuple[str, ...], prefix: str) -> None:
    unknown = sorted(set(obj) - set(known))
    if unknown:
        raise PerspectiveRequestError(
            f"{prefix}{unknown[0]}: unknown field; fields here are {', '.join(known)}"
        )
