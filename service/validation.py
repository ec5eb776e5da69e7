"""Parsing and checking request bodies; every failure names the field at fault."""

from __future__ import annotations

import json

from flask import current_app, request

from .errors import InvalidField, InvalidJSON, UnsupportedMediaType

__all__ = ["json_body", "sentence_list", "text_field", "optional_bool", "json_type"]


def json_body() -> dict:
    """The request body as a JSON object, or a 415/400/422 error saying why not."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"Content-Type must be application/json, got {request.mimetype or 'none'}"
        )
    raw = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        body = json.loads(raw)
    except UnicodeDecodeError:
        raise InvalidJSON("request body is not UTF-8") from None
    except ValueError as exc:
        raise InvalidJSON(f"request body is not valid JSON: {exc}") from None
    except RecursionError:  # the decoder's own stack ran out: far past any sane depth
        raise InvalidJSON("request body is nested too deeply", code="json_too_deep") from None
    max_depth = current_app.config["CLAIMS"]["MAX_JSON_DEPTH"]
    if _nesting_exceeds(body, max_depth):
        raise InvalidJSON(f"request body is nested more than {max_depth} levels deep", code="json_too_deep")
    if not isinstance(body, dict):
        raise InvalidField("body", f"must be a JSON object, got {type(body).__name__}")
    return body


def sentence_list(body: dict, field: str, max_items: int, max_chars: int) -> list[str]:
    """A non-empty list of non-blank strings within the configured limits."""
    if field not in body:
        raise InvalidField(field, "is required")
    value = body[field]
    if not isinstance(value, list):
        raise InvalidField(field, f"must be a list of strings, got {_json_type(value)}")
    if not value:
        raise InvalidField(field, "must not be empty")
    if len(value) > max_items:
        raise InvalidField(field, f"has {len(value)} items; the limit is {max_items}", code="too_many_sentences")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidField(f"{field}[{index}]", f"must be a string, got {_json_type(item)}")
        if not item.strip():
            raise InvalidField(f"{field}[{index}]", "must not be empty or blank")
        if len(item) > max_chars:
            raise InvalidField(
                f"{field}[{index}]", f"is {len(item)} characters; the limit is {max_chars}", code="sentence_too_long"
            )
    return value


def text_field(body: dict, field: str, max_chars: int) -> str:
    """A required string with a non-space character, at most ``max_chars`` long."""
    if field not in body:
        raise InvalidField(field, "is required")
    value = body[field]
    if not isinstance(value, str):
        raise InvalidField(field, f"must be a string, got {_json_type(value)}")
    if not value.strip():
        raise InvalidField(field, "must not be empty or blank")
    if len(value) > max_chars:
        raise InvalidField(field, f"is {len(value)} characters; the limit is {max_chars}", code="text_too_long")
    return value


def optional_bool(body: dict, field: str, default: bool = False) -> bool:
    value = body.get(field, default)
    if not isinstance(value, bool):
        raise InvalidField(field, f"must be true or false, got {_json_type(value)}")
    return value


def _nesting_exceeds(value, limit: int) -> bool:
    """Whether arrays/objects nest deeper than ``limit`` (a top-level object is depth 1).

    Iterative, so a hostile body cannot exhaust the interpreter's stack here.
    """
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def optional_probability(body: dict, field: str, default: float | None = None) -> float | None:
    """A number in [0, 1], or null/absent for ``default``."""
    value = body.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidField(field, f"must be a number from 0 to 1 or null, got {value!r}")
    return float(value)


def _json_type(value) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


#: Public name for other input modules (e.g. feedback_input), so every error names JSON types alike.
json_type = _json_type
