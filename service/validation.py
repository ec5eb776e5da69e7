"""Parsing and checking request bodies; every failure names the field at fault."""

from __future__ import annotations

from flask import current_app, request

from . import jsonio
from .errors import InvalidField, InvalidJSON, UnsupportedMediaType

__all__ = ["json_body", "sentence_list", "text_field", "optional_bool", "json_type"]


def json_body() -> dict:
    """The request body as a JSON object, or a 415/400/422 error saying why not."""
    current_request = request._get_current_object()  # one context lookup, not one per use
    # The header exactly "application/json" (what clients send) is that mimetype
    # without parsing it; anything else is parsed (parameters, case) by werkzeug.
    if current_request.environ.get("CONTENT_TYPE") != _JSON_MIMETYPE and current_request.mimetype != _JSON_MIMETYPE:
        raise UnsupportedMediaType(
            f"Content-Type must be application/json, got {current_request.mimetype or 'none'}"
        )
    raw = _body_bytes(current_request)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        body = jsonio.loads(raw)  # json.loads's result and errors, through orjson when that gives the same
    except UnicodeDecodeError:
        raise InvalidJSON("request body is not UTF-8") from None
    except ValueError as exc:
        raise InvalidJSON(f"request body is not valid JSON: {exc}") from None
    except RecursionError:  # the decoder's own stack ran out: far past any sane depth
        raise InvalidJSON("request body is nested too deeply", code="json_too_deep") from None
    max_depth = current_app.config["CLAIMS"]["MAX_JSON_DEPTH"]
    # Each array or object opens with a bracket, so a body with no more brackets than
    # the limit (in any encoding json reads; brackets inside strings only add to the
    # count) cannot nest deeper: the walk is needed only past that.
    if raw.count(b"[") + raw.count(b"{") > max_depth and _nesting_exceeds(body, max_depth):
        raise InvalidJSON(f"request body is nested more than {max_depth} levels deep", code="json_too_deep")
    if not isinstance(body, dict):
        raise InvalidField("body", f"must be a JSON object, got {type(body).__name__}")
    return body


_JSON_MIMETYPE = "application/json"


def _body_bytes(current_request) -> bytes:
    """``request.get_data(cache=False)``, reading a plain ``Content-Length`` body directly.

    werkzeug's general path (used for everything else: chunked bodies, servers that
    do not terminate the input, a body something has already started reading) wraps
    the input in a stream that reads it in pieces until end of input. When the
    server marks the input as terminated (``wsgi.input_terminated``: gunicorn does)
    and the request gives its length, the same bytes are the next ``Content-Length``
    bytes of the input; a length past ``MAX_CONTENT_LENGTH`` is left to werkzeug,
    which answers 413 as before.
    """
    environ = current_request.environ
    length = environ.get("CONTENT_LENGTH")
    if (
        not length
        or not (length.isascii() and length.isdigit())
        or "HTTP_TRANSFER_ENCODING" in environ
        or "wsgi.input_terminated" not in environ
        or "stream" in current_request.__dict__  # werkzeug's stream exists: it may have read
        or getattr(current_request, "_cached_data", None) is not None
    ):
        return current_request.get_data(cache=False)
    size = int(length)
    limit = current_request.max_content_length
    if limit is not None and size > limit:
        return current_request.get_data(cache=False)  # raises werkzeug's 413
    stream = environ["wsgi.input"]
    data = stream.read(size)
    while len(data) < size:  # a short read: on to the length or the end of input, as werkzeug's stream reads
        more = stream.read(size - len(data))
        if not more:
            break
        data += more
    return data


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
