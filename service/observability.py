"""Per-request bookkeeping: the request id, one access-log line, the request metrics.

Kept cheap on purpose (a regex match, two clock reads, a few counter updates and
one log record): it runs on every request, and the service's throughput target
is measured on one-sentence requests. For the same reason the hooks resolve
Flask's ``g`` and ``request`` proxies once each (every attribute read through a
proxy is a context-variable lookup) and metric series are cached
(``service/metrics.py``).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Sequence

from flask import Flask, current_app, g, request

from . import metrics
from .model_holder import EXTENSION_KEY as MODEL_EXTENSION_KEY

__all__ = ["REQUEST_ID_HEADER", "init_app", "note_classified"]

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_ENVIRON_KEY = "HTTP_X_REQUEST_ID"
# uuid.UUID(version=4): variant bits 10, version nibble 4.
_UUID4_KEEP = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)
# Printable, no spaces, bounded: an incoming id goes into logs and headers, so one
# that could forge a log line or bloat every record is replaced, not trusted.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")
_UNMATCHED_ROUTE = "<unmatched>"
# A client may send any method token; only these become their own metric label,
# so that made-up methods cannot create unbounded numbers of time series.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

access_log = logging.getLogger("service.access")


def init_app(app: Flask) -> None:
    """Register the hooks; call before any other ``before_request`` so errors raised
    there (401, 403) already carry the request id."""
    app.before_request(_start_request)
    app.after_request(_finish_request)


def note_classified(model_version: str, sentences: Sequence[str], predictions: Sequence,
                    may_log_text: bool = True) -> None:
    """Record what a view classified: for the access log and the per-label counter.

    Views that classify call this once per request, with the predictions as
    returned by ``Classifier.predict`` (anything with a ``label`` attribute).
    ``may_log_text=False`` keeps the text out of the log even when
    ``LOG_REQUEST_TEXT`` is on (a client that asked for it not to be stored).
    """
    request_globals = g._get_current_object()  # one context lookup, not one per attribute
    request_globals.model_version = model_version
    request_globals.sentence_count = len(sentences)
    if may_log_text and current_app.config["CLAIMS"]["LOG_REQUEST_TEXT"]:
        request_globals.logged_sentences = list(sentences)
    metrics.observe_labels([prediction.label for prediction in predictions], model_version)


def _start_request() -> None:
    request_globals = g._get_current_object()
    request_globals.started = time.perf_counter()
    incoming = request.environ.get(_REQUEST_ID_ENVIRON_KEY, "")  # what request.headers.get() reads
    request_globals.request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else _new_request_id()


def _new_request_id() -> str:
    """``uuid.uuid4().hex`` (version and variant bits included) without building a ``UUID``."""
    value = int.from_bytes(os.urandom(16), "big")
    value = (value & _UUID4_KEEP) | _UUID4_SET
    return f"{value:032x}"


def _finish_request(response):
    now = time.perf_counter()
    request_globals = g._get_current_object()  # one context lookup each, not one per attribute
    current_request = request._get_current_object()
    seconds = now - getattr(request_globals, "started", now)
    request_id = getattr(request_globals, "request_id", None) or _new_request_id()
    response.headers[REQUEST_ID_HEADER] = request_id
    url_rule = current_request.url_rule
    route = url_rule.rule if url_rule is not None else _UNMATCHED_ROUTE
    model_version = getattr(request_globals, "model_version", None) or _loaded_model_version()
    method = current_request.method
    if method not in _KNOWN_METHODS:
        method = "other"
    status = response.status_code
    metrics.observe_request(route, method, status, seconds, model_version)
    fields = {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "sentences": getattr(request_globals, "sentence_count", None),
        "model_version": model_version,
    }
    if hasattr(request_globals, "logged_sentences"):
        fields["text"] = request_globals.logged_sentences
    access_log.info("%s %s %d %.1f ms", method, route, status, seconds * 1000, extra=fields)
    return response


def _loaded_model_version() -> str:
    holder = current_app.extensions.get(MODEL_EXTENSION_KEY)
    classifier = getattr(holder, "classifier", None)
    return classifier.version if classifier is not None else "none"
