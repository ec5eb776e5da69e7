"""One error hierarchy, rendered by one handler as ``{"error": {"code", "message"}}``.

Views raise a :class:`ServiceError`; Werkzeug's HTTP errors (404, 405, 413) and any
unexpected exception are turned into the same shape, so no traceback, file path
or HTML page ever reaches a client.

Routes that speak another API's dialect (Perspective under ``/v1alpha1``, the
Open Inference Protocol under ``/v2``) register an :data:`ErrorRenderer` for
their path prefix with :func:`register_error_dialect`: the same status, code,
message and headers, in that dialect's body. By path, not by blueprint, so a
404 or 405 under the prefix (which matches no view) is shaped alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

__all__ = [
    "ServiceError",
    "InvalidJSON",
    "UnsupportedMediaType",
    "InvalidField",
    "PayloadTooLarge",
    "ModelNotReady",
    "ModelRejected",
    "Unauthorized",
    "Forbidden",
    "IdempotencyKeyReused",
    "FeedbackStoreUnavailable",
    "ErrorReply",
    "ErrorRenderer",
    "register_error_dialect",
    "register_error_handlers",
]

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """An error a client should see: a stable code, a message and an HTTP status."""

    status = 500
    code = "internal_error"
    #: Extra response headers this error needs (e.g. ``WWW-Authenticate`` on a 401).
    headers: dict[str, str] = {}

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class InvalidJSON(ServiceError):
    status, code = 400, "invalid_json"


class UnsupportedMediaType(ServiceError):
    status, code = 415, "unsupported_media_type"


class InvalidField(ServiceError):
    """A field is missing, of the wrong type, or out of its limits; the message names it."""

    status, code = 422, "invalid_field"

    def __init__(self, field: str, problem: str, code: str | None = None):
        super().__init__(f"{field}: {problem}", code=code)
        self.field = field


class PayloadTooLarge(ServiceError):
    status, code = 413, "payload_too_large"


class ModelNotReady(ServiceError):
    status, code = 503, "model_not_loaded"


class ModelRejected(ServiceError):
    """A reload found a model that failed validation; the model already serving keeps serving."""

    status, code = 409, "model_rejected"


class Unauthorized(ServiceError):
    """No usable API key: missing, malformed or unknown."""

    status, code = 401, "unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="claims"'}


class Forbidden(ServiceError):
    """A valid API key that lacks the role the endpoint needs."""

    status, code = 403, "forbidden"


class IdempotencyKeyReused(ServiceError):
    """An ``Idempotency-Key`` sent again with a different body."""

    status, code = 409, "idempotency_key_reused"


class FeedbackStoreUnavailable(ServiceError):
    """The feedback store cannot be reached or opened; nothing was stored."""

    status, code = 503, "feedback_store_unavailable"
    headers = {"Retry-After": "5"}


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 400: "bad_request"}


def error_response(status: int, code: str, message: str):
    body = {"error": {"code": code, "message": message}}
    request_id = g.get("request_id")
    if request_id:
        body["error"]["request_id"] = request_id
    return jsonify(body), status


@dataclass(frozen=True)
class ErrorReply:
    """What the client is told about an error, before a dialect gives it a body."""

    status: int
    code: str
    message: str
    exception: Exception
    headers: dict[str, str] = field(default_factory=dict)


#: Turns an :class:`ErrorReply` into the response (body, status and ``reply.headers``).
ErrorRenderer = Callable[[ErrorReply], Response]
_DIALECTS_KEY = "claims_error_dialects"


def register_error_dialect(app: Flask, path_prefix: str, render: ErrorRenderer) -> None:
    """Render errors on ``path_prefix`` (itself, or anything below it) with ``render``."""
    app.extensions.setdefault(_DIALECTS_KEY, {})[path_prefix.rstrip("/")] = render


def _native_response(reply: ErrorReply) -> Response:
    response, _ = error_response(reply.status, reply.code, reply.message)
    response.status_code = reply.status
    response.headers.update(reply.headers)
    return response


def _render(reply: ErrorReply) -> Response:
    path = request.path
    for prefix, render in current_app.extensions.get(_DIALECTS_KEY, {}).items():
        if path == prefix or path.startswith(prefix + "/"):
            return render(reply)
    return _native_response(reply)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return _render(ErrorReply(exc.status, exc.code, exc.message, exc, dict(exc.headers)))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        code = _HTTP_CODES.get(status, f"http_{status}")
        if status == 413:
            message = f"request body is larger than the limit of {app.config['CLAIMS']['MAX_BODY_BYTES']} bytes"
        elif status == 405:
            message = f"method not allowed; allowed: {', '.join(sorted(exc.valid_methods or []))}"
        elif status == 404:
            message = "no such endpoint; GET /openapi.json lists them all"
        else:
            message = exc.description or exc.name
        headers = {"Allow": ", ".join(sorted(exc.valid_methods))} if status == 405 and exc.valid_methods else {}
        return _render(ErrorReply(status, code, message, exc, headers))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        message = "internal error; the request id identifies it in the logs"
        return _render(ErrorReply(500, "internal_error", message, exc))
