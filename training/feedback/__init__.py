"""Moderators' feedback: an append-only store, and its export as training data.

One URL picks the backend (see :func:`open_feedback_store`)::

    sqlite:///PATH           default: a file, no set-up, every process on one host
    postgresql://...         one database shared by every replica
    csv:///DIR               DIR/feedback.csv, appended under a lock file; one host only

The service writes through :class:`FeedbackStore`; ``python -m training
export-feedback`` reads through it. SQLAlchemy is imported only when an SQL
backend is opened.
"""

from .export import EXPORT_COLUMNS, export_feedback, latest_per_text
from .model import (
    AddResult,
    FeedbackEntry,
    FeedbackStoreError,
    FeedbackStoreUnavailable,
    IdempotencyConflict,
    StoredFeedback,
)
from .store import SUPPORTED_URLS, FeedbackStore, open_feedback_store

__all__ = [
    "EXPORT_COLUMNS",
    "SUPPORTED_URLS",
    "AddResult",
    "FeedbackEntry",
    "FeedbackStore",
    "FeedbackStoreError",
    "FeedbackStoreUnavailable",
    "IdempotencyConflict",
    "StoredFeedback",
    "export_feedback",
    "latest_per_text",
    "open_feedback_store",
]
