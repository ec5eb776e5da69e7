"""JSON on the request path: orjson where it gives the standard library's result, the standard library otherwise.

Parsing a request body and serialising a response are a fixed cost of every JSON
request; with the standard library they cost several times what orjson does (a
one-sentence ``/v1/classify`` spent more time in ``json`` than in its per-label
metric and request-id work together). orjson is used only where its answer is
the one ``json`` would give; everything else takes the old path, so errors,
messages and edge cases stay exactly as they were:

- :func:`loads`: a body orjson refuses (invalid JSON, UTF-16/32, a BOM, ``NaN``,
  lone surrogates, nesting past orjson's limit) is parsed again by ``json.loads``,
  which then raises (or accepts) as before. Integers past 64 bits, which orjson
  would turn into floats, never reach it: a body with a run of 20 digits (19
  after a minus sign) goes straight to ``json.loads``.
- :class:`FastJSONProvider` (``app.json``): values orjson does not serialise the
  way Flask's provider does (datetimes, dataclasses, ``Decimal``, non-string keys,
  integers past 64 bits, subclasses of the built-in types, anything needing
  ``default``) fall back to Flask's own serialisation; with ``ensure_ascii`` (the
  default), output that is not pure ASCII is redone by ``json`` so non-ASCII
  text keeps its ``\\uXXXX`` escapes. What remains different is spelling only:
  a float with an exponent is written ``1e-6`` rather than ``1e-06``, DEL (U+007F)
  is not escaped, and a NaN or infinity becomes ``null`` (``json`` writes the
  non-JSON tokens ``NaN``/``Infinity``).
"""

from __future__ import annotations

import json
import re
import typing as t

import orjson
from flask.json.provider import DefaultJSONProvider

__all__ = ["loads", "FastJSONProvider"]

# orjson reads an integer outside [-2**63, 2**64) as a float; json keeps it an int.
# Every integer of up to 19 digits, or 18 with a minus sign, is inside that range,
# so a longer run of digits sends the body to json (a false alarm, e.g. digits in a
# string or a long fraction, only costs the slower parse).
_LONG_DIGIT_RUN = re.compile(rb"[0-9]{20}|-[0-9]{19}")

_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def loads(raw: bytes) -> t.Any:
    """``json.loads(raw)``, faster for the bodies orjson reads identically.

    Raises exactly what ``json.loads(raw)`` raises (``ValueError``,
    ``UnicodeDecodeError``, ``RecursionError``).
    """
    if not _LONG_DIGIT_RUN.search(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # json decides: it accepts some of these and words its own errors
    return json.loads(raw)


class _NotPlain(Exception):
    """Raised from orjson's ``default`` hook: the value needs Flask's serialisation."""


def _not_plain(value: t.Any) -> t.NoReturn:
    raise _NotPlain


class FastJSONProvider(DefaultJSONProvider):
    """Flask's default JSON provider, serialising plain data with orjson.

    Same settings (``ensure_ascii``, ``sort_keys``, ``compact``, ``default``,
    ``mimetype``) and the same output for every value, up to the spelling noted in
    the module docstring. ``dumps`` (the string API that other code may call with
    ``json.dumps`` keyword arguments) is Flask's own.
    """

    def response(self, *args: t.Any, **kwargs: t.Any):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented: json's layout
        obj = self._prepare_response_obj(args, kwargs)
        data = self._fast_dumps(obj)
        if data is None:
            return super().response(obj)
        return self._app.response_class(data, mimetype=self.mimetype)

    def _fast_dumps(self, obj: t.Any) -> bytes | None:
        """Compact JSON plus the newline Flask ends a body with, or None when json must do it."""
        options = _ORJSON_OPTIONS | orjson.OPT_APPEND_NEWLINE
        if self.sort_keys:
            options |= orjson.OPT_SORT_KEYS
        try:
            data = orjson.dumps(obj, default=_not_plain, option=options)
        except (orjson.JSONEncodeError, _NotPlain):
            return None
        if self.ensure_ascii and not data.isascii():
            return None
        return data
