"""Checking a feedback submission; every failure names the field or header at fault."""

from __future__ import annotations

import re

from flask import request

from training import LABEL_IDS, normalize_label
from training.feedback import FeedbackEntry

from .errors import InvalidField
from .validation import json_type

__all__ = ["FEEDBACK_FIELDS", "feedback_entry", "idempotency_key"]

FEEDBACK_FIELDS = ("text", "label", "predicted_label", "model_version", "note")
MAX_MODEL_VERSION_CHARS = 200
MAX_NOTE_CHARS = 2000
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Visible ASCII, as most clients generate (UUIDs, ULIDs, hashes); the length matches the store's column.
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def feedback_entry(body: dict, max_text_chars: int) -> FeedbackEntry:
    """The submission in ``body`` as a :class:`FeedbackEntry`, or a 422 naming the bad field.

    ``text`` is limited like a sentence to classify; labels are accepted in the
    lenient spellings training accepts ("Official claim") and stored as ids.
    Unknown fields are refused, so a misspelt ``note`` is not silently dropped.
    """
    unknown = sorted(set(body) - set(FEEDBACK_FIELDS))
    if unknown:
        raise InvalidField(unknown[0], f"is not a feedback field; fields are {', '.join(FEEDBACK_FIELDS)}")
    text = _string(body, "text", max_text_chars)
    label = _label(body, "label")
    predicted_label = _label(body, "predicted_label")
    model_version = _string(body, "model_version", MAX_MODEL_VERSION_CHARS)
    note = body.get("note")
    if note is not None:
        note = _string(body, "note", MAX_NOTE_CHARS, allow_blank=True).strip() or None
    return FeedbackEntry(text, label, predicted_label, model_version, note)


def idempotency_key() -> str | None:
    """The request's ``Idempotency-Key`` header, checked; None when not sent."""
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        raise InvalidField(
            f"header {IDEMPOTENCY_HEADER}",
            "must be 1 to 255 visible ASCII characters without spaces (a UUID is a good choice)",
        )
    return value


def _string(body: dict, field: str, max_chars: int, allow_blank: bool = False) -> str:
    if field not in body:
        raise InvalidField(field, "is required")
    value = body[field]
    if not isinstance(value, str):
        raise InvalidField(field, f"must be a string, got {json_type(value)}")
    if not allow_blank and not value.strip():
        raise InvalidField(field, "must not be empty or blank")
    if len(value) > max_chars:
        raise InvalidField(field, f"is {len(value)} characters; the limit is {max_chars}", code="field_too_long")
    if "\x00" in value:  # no database text type stores NUL, and no sentence needs it
        raise InvalidField(field, "must not contain NUL characters")
    return value


def _label(body: dict, field: str) -> str:
    raw = _string(body, field, 64)
    label = normalize_label(raw)
    if label is None:
        raise InvalidField(field, f"unknown label {raw!r}; labels are {', '.join(LABEL_IDS)}", code="unknown_label")
    return label
