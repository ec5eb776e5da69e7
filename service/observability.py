"""Per-request bookkeeping: the request id, one access-log line, the request metrics.

Kept cheap on purpose (a regex match, two clock reads, a few counter updates and
one log record): it runs on every request, and the service's throughput target
is measured on one-sentence requests.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Sequence

from flask import Flask, current_app, g, request

from . import metrics
from .model_holder import EXTENSION_KEY as MODEL_EXTENSION_KEY

__all__ = ["REQUEST_ID_HEADER", "init_app", "note_classified"]

REQUEST_ID_HEADER = "X-Request-ID"
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
    g.model_version = model_version
    g.sentence_count = len(sentences)
    if may_log_text and current_app.config["CLAIMS"]["LOG_REQUEST_TEXT"]:
        g.logged_sentences = list(sentences)
    metrics.observe_labels([prediction.label for prediction in predictions], model_version)


def _start_request() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _finish_request(response):
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    route = request.url_rule.rule if request.url_rule is not None else _UNMATCHED_ROUTE
    model_version = g.get("model_version") or _loaded_model_version()
    method = request.method if request.method in _KNOWN_METHODS else "other"
    metrics.observe_request(route, method, response.status_code, seconds, model_version)
    fields = {
        "method": method,
        "route": route,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 3),
        "sentences": g.get("sentence_count"),
        "model_version": model_version,
    }
    if "logged_sentences" in g:
        fields["text"] = g.logged_sentences
    access_log.info("%s %s %d %.1f ms", method, route, response.status_code, seconds * 1000, extra=fields)
    return response


def _loaded_model_version() -> str:
    holder = current_app.extensions.get(MODEL_EXTENSION_KEY)
    classifier = getattr(holder, "classifier", None)
    return classifier.version if classifier is not None else "none"
