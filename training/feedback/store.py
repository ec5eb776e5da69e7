"""The :class:`FeedbackStore` interface and the URL that picks a backend."""

from __future__ import annotations

import abc
from collections.abc import Iterator

from .model import AddResult, FeedbackEntry, FeedbackStoreError, StoredFeedback

__all__ = ["FeedbackStore", "open_feedback_store", "SUPPORTED_URLS"]

SUPPORTED_URLS = "sqlite:///PATH, postgresql://USER:PASSWORD@HOST:PORT/DB or csv:///DIR"


class FeedbackStore(abc.ABC):
    """Append-only storage of moderators' feedback.

    Every backend gives each entry a server-side UUID and UTC time, keeps entries
    exactly once per idempotency key, and lists them oldest first. A store is
    safe to share between threads; backends say how far they are safe across
    processes and hosts.

    Attributes
    ----------
    url : str
        The store's URL with any password masked, for logs and messages.
    """

    url: str

    @abc.abstractmethod
    def add(self, entry: FeedbackEntry, idempotency_key: str | None = None) -> AddResult:
        """Append ``entry`` durably (written and synced before returning).

        Parameters
        ----------
        entry : FeedbackEntry
            The validated submission.
        idempotency_key : str, optional
            A client-chosen key for retries. When a row with this key exists and
            holds the same entry, nothing is written and that row is returned
            with ``replayed=True``.

        Returns
        -------
        AddResult

        Raises
        ------
        IdempotencyConflict
            The key was used before for a different entry.
        FeedbackStoreUnavailable
            The store could not be reached; nothing was written.
        """

    @abc.abstractmethod
    def iter_feedback(self) -> Iterator[StoredFeedback]:
        """Every stored entry, oldest first."""

    def count(self) -> int:
        """How many entries are stored."""
        return sum(1 for _ in self.iter_feedback())

    def close(self) -> None:
        """Release connections and files; the store is not used afterwards."""

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def open_feedback_store(url: str, *, create: bool = True) -> FeedbackStore:
    """Open (and on first use create) the store a URL names.

    Parameters
    ----------
    url : str
        ``sqlite:///PATH`` (a file; its folder is created),
        ``postgresql://...`` (one database shared by every replica), or
        ``csv:///DIR`` (an append-only ``feedback.csv`` in DIR, one host only).
    create : bool
        Create the file, folder or schema when missing (what the service does).
        False for readers: a mistyped URL is then an error, not a new empty store.

    Returns
    -------
    FeedbackStore
        Ready to use; for SQL backends the schema has been created or upgraded.

    Raises
    ------
    FeedbackStoreError
        The URL is not usable; the message never shows a password.
    FeedbackStoreUnavailable
        The database could not be reached.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    # Imported here so that code using only one backend does not load the others' libraries.
    if scheme == "csv":
        from .csv_store import CsvFeedbackStore

        return CsvFeedbackStore.from_url(url, create=create)
    if scheme.split("+", 1)[0] in ("sqlite", "postgresql", "postgres"):
        from .sql_store import SqlFeedbackStore

        return SqlFeedbackStore.from_url(url, create=create)
    shown = url if "@" not in url else scheme + "://***"
    raise FeedbackStoreError(f"feedback URL {shown!r} is not supported; use {SUPPORTED_URLS}")
