"""What a moderator's feedback is: the submitted entry, the stored row, the errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from ..labels import LABEL_IDS

__all__ = [
    "FeedbackEntry",
    "StoredFeedback",
    "AddResult",
    "FeedbackStoreError",
    "FeedbackStoreUnavailable",
    "IdempotencyConflict",
    "utc_now",
]


class FeedbackStoreError(RuntimeError):
    """The feedback store cannot be used as configured (bad URL, unreadable file, newer schema)."""


class FeedbackStoreUnavailable(FeedbackStoreError):
    """The store is configured correctly but cannot be reached right now (a retry may work)."""


class IdempotencyConflict(FeedbackStoreError):
    """An idempotency key was reused for feedback that differs from the first submission."""


@dataclass(frozen=True)
class FeedbackEntry:
    """One correction as a moderator submits it.

    Attributes
    ----------
    text : str
        The sentence the model labeled.
    label : str
        The label the moderator says is right (a canonical label id).
    predicted_label : str
        The label the model gave (a canonical label id).
    model_version : str
        Version of the model that made the prediction.
    note : str or None
        Free text from the moderator; None when there is none (never "").
    """

    text: str
    label: str
    predicted_label: str
    model_version: str
    note: str | None = None

    def __post_init__(self):
        # Callers validate user input and name the field at fault; this only guards
        # the store's invariants, so a programming error cannot write a bad row.
        for name in ("label", "predicted_label"):
            if getattr(self, name) not in LABEL_IDS:
                raise ValueError(f"{name} must be one of {', '.join(LABEL_IDS)}, got {getattr(self, name)!r}")
        if not self.text.strip():
            raise ValueError("text must not be blank")
        if not self.model_version.strip():
            raise ValueError("model_version must not be blank")
        if self.note == "":
            raise ValueError("note must be None or non-empty")

    def digest(self) -> str:
        """SHA-256 of the content, to tell a retried submission from a different one."""
        digest = hashlib.sha256()
        for value in (self.text, self.label, self.predicted_label, self.model_version, self.note):
            # A field separator that cannot occur in text keeps ("ab", "c") apart from ("a", "bc").
            digest.update(b"\x00" if value is None else b"\x01" + value.encode("utf-8"))
            digest.update(b"\x1f")
        return digest.hexdigest()


@dataclass(frozen=True)
class StoredFeedback:
    """An entry as the store keeps it, with its server-side id and time.

    Attributes
    ----------
    id : str
        A UUID (version 4) given by the server.
    created : datetime
        When the store accepted the entry, timezone-aware UTC.
    entry : FeedbackEntry
        The submitted content.
    """

    id: str
    created: datetime
    entry: FeedbackEntry

    def as_dict(self) -> dict:
        """JSON-ready view: id, created (ISO 8601, UTC) and the entry's fields."""
        return {
            "id": self.id,
            "created": self.created.isoformat(),
            "text": self.entry.text,
            "label": self.entry.label,
            "predicted_label": self.entry.predicted_label,
            "model_version": self.entry.model_version,
            "note": self.entry.note,
        }


@dataclass(frozen=True)
class AddResult:
    """What :meth:`FeedbackStore.add` did.

    Attributes
    ----------
    feedback : StoredFeedback
        The stored row: the new one, or the one first stored under the same
        idempotency key.
    replayed : bool
        True when nothing was written because the idempotency key had been used
        for the same entry before.
    """

    feedback: StoredFeedback
    replayed: bool


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the only clock the stores use)."""
    return datetime.now(timezone.utc)
