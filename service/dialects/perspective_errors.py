"""Errors on Perspective routes, in Google's error shape.

Perspective clients read ``{"error": {"code": <HTTP status>, "message", "status":
"INVALID_ARGUMENT", "details": [...]}}``; several look for the ``errorType`` in
``details`` (``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE`` above all, to skip a
comment rather than retry it). The request id goes into a standard
``google.rpc.RequestInfo`` detail, and stays in the ``X-Request-ID`` header.
"""

from __future__ import annotations

from flask import Response, g, jsonify

from ..errors import ErrorReply, ServiceError

__all__ = ["PerspectiveRequestError", "render_perspective_error", "ERROR_DETAIL_TYPE", "REQUEST_INFO_TYPE"]

ERROR_DETAIL_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
REQUEST_INFO_TYPE = "type.googleapis.com/google.rpc.RequestInfo"

# google.rpc.Code names for the HTTP statuses this service answers with.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class PerspectiveRequestError(ServiceError):
    """A Perspective request the service cannot answer: HTTP 400, with Perspective's ``errorType``.

    Parameters
    ----------
    message : str
        For people; names the field at fault.
    error_type : str
        ``COMMENT_EMPTY``, ``COMMENT_TOO_LONG``, ``NO_REQUESTED_ATTRIBUTES``,
        ``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE`` or ``INVALID_REQUEST`` (anything else).
    detail : dict, optional
        Extra members of the error detail, e.g. ``languageNotSupportedByAttributeError``.
    """

    status, code = 400, "invalid_argument"

    def __init__(self, message: str, error_type: str = "INVALID_REQUEST", detail: dict | None = None):
        super().__init__(message, code=error_type.lower())
        self.error_type = error_type
        self.detail = detail or {}


def render_perspective_error(reply: ErrorReply) -> Response:
    """The reply as Google's error body; a 422 from shared validation becomes the 400 Google would send."""
    status = 400 if reply.status == 422 else reply.status
    details = []
    if isinstance(reply.exception, PerspectiveRequestError):
        details.append({"@type": ERROR_DETAIL_TYPE, "errorType": reply.exception.error_type,
                        **reply.exception.detail})
    request_id = g.get("request_id")
    if request_id:
        details.append({"@type": REQUEST_INFO_TYPE, "requestId": request_id})
    error = {"code": status, "message": reply.message, "status": _STATUS_NAMES.get(status, "UNKNOWN")}
    if details:
        error["details"] = details
    response = jsonify({"error": error})
    response.status_code = status
    response.headers.update(reply.headers)
    return response
