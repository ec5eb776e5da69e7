"""The feedback store the service writes moderators' corrections to, opened once per process.

The store is opened (and its schema created) at start-up. If that fails the
service still classifies: ``POST /v1/feedback`` answers 503 and opening is tried
again on a later request, at most every few seconds, so a database that comes up
after the service is picked up without a restart.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app

from training.feedback import (
    AddResult,
    FeedbackEntry,
    FeedbackStore,
    FeedbackStoreError,
    IdempotencyConflict,
    open_feedback_store,
)

from .errors import FeedbackStoreUnavailable, IdempotencyKeyReused

__all__ = ["EXTENSION_KEY", "FeedbackHolder", "record_feedback"]

log = logging.getLogger(__name__)
EXTENSION_KEY = "claims_feedback"
_RETRY_OPEN_SECONDS = 5.0
# Clients never see the store's own message: it may hold a file path or a host name.
_UNAVAILABLE = "feedback could not be stored: the feedback store is unavailable; retry later"


class FeedbackHolder:
    """Opens the store ``url`` names and hands it out; remembers why when it cannot."""

    def __init__(self, url: str):
        self.url = url
        self.store: FeedbackStore | None = None
        self.open_error: str | None = None
        self._lock = threading.Lock()
        self._last_attempt = float("-inf")

    def open(self) -> None:
        self._last_attempt = time.monotonic()
        try:
            self.store = open_feedback_store(self.url)
        except FeedbackStoreError as exc:
            self.open_error = str(exc)
            log.error("feedback store not opened: %s", exc)
            return
        self.open_error = None
        log.info("feedback store %s opened", self.store.url)

    def get(self) -> FeedbackStore:
        if self.store is None:
            with self._lock:  # one thread retries; the others wait for its answer
                if self.store is None and time.monotonic() - self._last_attempt >= _RETRY_OPEN_SECONDS:
                    self.open()
        if self.store is None:
            raise FeedbackStoreUnavailable(_UNAVAILABLE)
        return self.store

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def record_feedback(entry: FeedbackEntry, idempotency_key: str | None) -> AddResult:
    """Store ``entry`` in the running app's store, turning store failures into HTTP errors."""
    store = current_app.extensions[EXTENSION_KEY].get()
    try:
        return store.add(entry, idempotency_key)
    except IdempotencyConflict as exc:
        raise IdempotencyKeyReused(
            f"{exc}; send a new Idempotency-Key for new feedback, the same one only to retry the same body"
        ) from None
    except FeedbackStoreError as exc:
        log.error("feedback not stored in %s: %s", store.url, exc)
        raise FeedbackStoreUnavailable(_UNAVAILABLE) from None
