"""Process-wide logging: one JSON object per line, each stamped with the request id.

JSON lines are what log shippers parse without guessing; ``LOG_FORMAT=text`` keeps
a human-readable line for local debugging. The request id is added by a filter so
that every record logged while a request is handled (not only the access line)
can be joined to that request.
"""

from __future__ import annotations

import logging
import sys

from flask import g, has_request_context
from pythonjsonlogger.json import JsonFormatter

__all__ = ["configure_logging", "RequestIdFilter"]

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
_JSON_FIELDS = ("asctime", "levelname", "name", "message")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's, or None outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(level: str, log_format: str) -> None:
    """Send the root logger's records to stderr as JSON (or text) lines.

    Idempotent: the app factory runs once per worker and many times in tests, and
    must not stack a second handler on top of the first.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_claims_handler", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._claims_handler = True  # marks the handler this function owns
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                list(_JSON_FIELDS),
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
