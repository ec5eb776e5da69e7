"""Feedback appended to one CSV file that ``training train`` reads as it is.

For a single host only: the lock is ``flock(2)`` on a file beside the CSV, which
serialises every writer on this machine (threads and processes, e.g. gunicorn
workers) but is not reliable on network file systems and means nothing to
another host. Use SQLite or PostgreSQL beyond that.

Layout of the folder::

    feedback.csv        header + one row per entry (the corpus format, extra columns ignored by training)
    feedback.csv.lock   the lock, holding the committed length of feedback.csv

Each row is written with the lock held, flushed and fsynced, and only then is the
new length recorded in the lock file (also fsynced). A writer killed mid-row
leaves bytes past the committed length; the next writer cuts them off, so a torn
row is never glued to the next one. The client of a killed writer got no answer
and retries (with an idempotency key, at most once).
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from .model import (
    AddResult,
    FeedbackEntry,
    FeedbackStoreError,
    IdempotencyConflict,
    StoredFeedback,
    utc_now,
)
from .store import FeedbackStore
from ..durable import fsync_dir

__all__ = ["CsvFeedbackStore", "CSV_COLUMNS", "CSV_FILE"]

log = logging.getLogger(__name__)

CSV_FILE = "feedback.csv"
CSV_COLUMNS = ("text", "label", "predicted_label", "model_version", "note", "created", "id", "idempotency_key")
_LENGTH_FORMAT = b"%020d\n"  # fixed width: rewritten in place, never shorter than before


class CsvFeedbackStore(FeedbackStore):
    """A :class:`FeedbackStore` appending to ``DIR/feedback.csv`` under an ``flock``."""

    def __init__(self, directory: str | Path, create: bool = True):
        self._dir = Path(directory)
        self._path = self._dir / CSV_FILE
        self._lock_path = self._dir / (CSV_FILE + ".lock")
        self.url = f"csv://{self._dir}" if self._dir.is_absolute() else f"csv://./{self._dir}"
        if not create and not self._path.is_file():
            raise FeedbackStoreError(f"no feedback file {self._path}")
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FeedbackStoreError(f"cannot create feedback folder {self._dir}: {exc.strerror}") from None
        # What this process has read of the file: its length, and the entry digest per idempotency key.
        self._thread_lock = threading.Lock()
        self._read_up_to = 0
        self._keys: dict[str, tuple[str, str, str]] = {}  # key -> (id, created, digest)
        with self._thread_lock, self._locked(exclusive=False) as lock_fd:
            self._catch_up(self._committed_length(lock_fd))  # a bad header fails here, at start-up

    @classmethod
    def from_url(cls, url: str, create: bool = True) -> CsvFeedbackStore:
        """``csv:///absolute/dir`` or ``csv://relative/dir``."""
        directory = url.split("://", 1)[1] if "://" in url else ""
        if not directory:
            raise FeedbackStoreError(f"feedback URL {url!r} names no folder; use csv:///path/to/dir")
        return cls(directory, create=create)

    def add(self, entry: FeedbackEntry, idempotency_key: str | None = None) -> AddResult:
        with self._thread_lock, self._locked(exclusive=True) as lock_fd:
            committed = self._committed_length(lock_fd)
            self._catch_up(committed)
            if idempotency_key is not None and idempotency_key in self._keys:
                first_id, first_created, digest = self._keys[idempotency_key]
                if digest != entry.digest():
                    raise IdempotencyConflict(
                        f"idempotency key {idempotency_key!r} was used for different feedback (id {first_id})"
                    )
                return AddResult(StoredFeedback(first_id, datetime.fromisoformat(first_created), entry), True)
            stored = StoredFeedback(str(uuid.uuid4()), utc_now(), entry)
            payload = _encode_row(stored, idempotency_key)
            if committed == 0:
                payload = _encode(CSV_COLUMNS) + payload
            self._append(committed, payload)
            self._record_length(lock_fd, committed + len(payload))
            self._read_up_to = committed + len(payload)
            if idempotency_key is not None:
                self._keys[idempotency_key] = (stored.id, stored.created.isoformat(), entry.digest())
            return AddResult(stored, replayed=False)

    def iter_feedback(self) -> Iterator[StoredFeedback]:
        with self._locked(exclusive=False) as lock_fd:
            content = self._read(0, self._committed_length(lock_fd))
        for row in _parse(content, self._path):
            yield _stored(row)

    def _append(self, committed: int, payload: bytes) -> None:
        created = not self._path.exists()
        fd = os.open(self._path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size < committed:
                raise FeedbackStoreError(
                    f"{self._path} is shorter ({size} bytes) than the {committed} bytes written to it: it was cut "
                    f"or replaced while in use; restore it, or delete {self._lock_path.name} to accept it as it is"
                )
            if size > committed:
                # Bytes past the committed length are a torn row of a writer that died.
                log.warning("%s: cutting %d bytes of an unfinished write", self._path, size - committed)
                os.ftruncate(fd, committed)
            try:
                os.lseek(fd, committed, os.SEEK_SET)
                view = memoryview(payload)
                while view:  # os.write may write less than asked (a full disk, a signal)
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except BaseException:
                os.ftruncate(fd, committed)  # leave no partial row behind
                raise
        except OSError as exc:
            raise FeedbackStoreError(f"cannot append to {self._path}: {exc.strerror}") from None
        finally:
            os.close(fd)
        if created:
            fsync_dir(self._dir)  # the new file's name must survive a crash too

    def _catch_up(self, committed: int) -> None:
        """Read the rows other writers appended since this process last looked."""
        if committed < self._read_up_to:  # the file was replaced or cut by hand: start again
            self._read_up_to, self._keys = 0, {}
        if committed == self._read_up_to:
            return
        content = self._read(self._read_up_to, committed)
        where = str(self._path) if self._read_up_to == 0 else f"{self._path} (from byte {self._read_up_to})"
        for row in _parse(content, where, with_header=self._read_up_to == 0):
            if row["idempotency_key"]:
                stored = _stored(row)
                self._keys[row["idempotency_key"]] = (stored.id, row["created"], stored.entry.digest())
        self._read_up_to = committed

    def _read(self, start: int, end: int) -> bytes:
        if end == 0:
            return b""
        try:
            with open(self._path, "rb") as handle:
                handle.seek(start)
                return handle.read(end - start)
        except OSError as exc:
            raise FeedbackStoreError(f"cannot read {self._path}: {exc.strerror}") from None

    def _committed_length(self, lock_fd: int) -> int:
        recorded = os.pread(lock_fd, 64, 0).strip()
        if recorded:
            return int(recorded)
        # No record yet (first run, or the lock file was deleted): trust the file as it is.
        return self._path.stat().st_size if self._path.exists() else 0

    def _record_length(self, lock_fd: int, length: int) -> None:
        os.pwrite(lock_fd, _LENGTH_FORMAT % length, 0)
        os.fsync(lock_fd)

    @contextlib.contextmanager
    def _locked(self, exclusive: bool):
        # A new open file description per use: flock then also excludes other
        # threads and other store objects of this same process.
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise FeedbackStoreError(f"cannot open lock file {self._lock_path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock


def _encode(values) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def _encode_row(stored: StoredFeedback, idempotency_key: str | None) -> bytes:
    entry = stored.entry
    return _encode((entry.text, entry.label, entry.predicted_label, entry.model_version, entry.note or "",
                    stored.created.isoformat(), stored.id, idempotency_key or ""))


def _parse(content: bytes, path: Path | str, with_header: bool = True) -> Iterator[dict]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FeedbackStoreError(f"{path}: not UTF-8 at byte {exc.start}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    if with_header:
        header = next(reader, None)
        if header is None:
            return
        if tuple(header) != CSV_COLUMNS:
            raise FeedbackStoreError(
                f"{path}: header is {','.join(header)!r}, expected {','.join(CSV_COLUMNS)!r}; "
                "point the store at another folder or fix the file"
            )
    try:
        for row in reader:
            if len(row) != len(CSV_COLUMNS):
                raise FeedbackStoreError(f"{path}:{reader.line_num}: {len(row)} fields, expected {len(CSV_COLUMNS)}")
            yield dict(zip(CSV_COLUMNS, row))
    except csv.Error as exc:
        raise FeedbackStoreError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None


def _stored(row: dict) -> StoredFeedback:
    try:
        entry = FeedbackEntry(row["text"], row["label"], row["predicted_label"], row["model_version"],
                              row["note"] or None)
        return StoredFeedback(row["id"], datetime.fromisoformat(row["created"]), entry)
    except ValueError as exc:
        raise FeedbackStoreError(f"feedback row {row.get('id')!r} is invalid: {exc}") from None

