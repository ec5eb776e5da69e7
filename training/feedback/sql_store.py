"""Feedback in a SQL database through SQLAlchemy: an SQLite file or PostgreSQL.

SQLite (the default) needs no set-up and is safe for every process on one host:
write transactions take the database's write lock up front (``BEGIN IMMEDIATE``),
the journal is in WAL mode and every commit is synced (``synchronous=FULL``).
PostgreSQL is for several replicas writing to one database.

Exactly once: each row's primary key is a server-made UUID, and an idempotency
key, when given, is unique; ``INSERT ... ON CONFLICT DO NOTHING`` followed by a
read of the row that won makes concurrent retries with one key store one row.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path

from sqlalchemy import create_engine, event, func, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from .model import (
    AddResult,
    FeedbackEntry,
    FeedbackStoreError,
    FeedbackStoreUnavailable,
    IdempotencyConflict,
    StoredFeedback,
    utc_now,
)
from .schema import ensure_schema, feedback_table, schema_version_table
from .store import SUPPORTED_URLS, FeedbackStore

__all__ = ["SqlFeedbackStore"]

log = logging.getLogger(__name__)

#: Seconds a writer waits for SQLite's lock, or for a PostgreSQL connection, before giving up.
_WAIT_SECONDS = 30
_READ_ONLY = "claims_read_only"  # execution option: a plain BEGIN for reads on SQLite


class SqlFeedbackStore(FeedbackStore):
    """A :class:`FeedbackStore` in an SQLite file or a PostgreSQL database."""

    def __init__(self, engine: Engine, create: bool = True):
        self._engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        with self._translate_errors("create the schema"), engine.begin() as conn:
            if not create and not inspect(conn).has_table(schema_version_table.name):
                raise FeedbackStoreError(f"{self.url} holds no feedback (no table {schema_version_table.name})")
            before = ensure_schema(conn)
        if before == 0:
            log.info("feedback store %s: schema created", self.url)
        # No connection opened here may cross a fork (gunicorn --preload): each
        # process opens its own on first use.
        engine.dispose()

    @classmethod
    def from_url(cls, url: str, create: bool = True) -> SqlFeedbackStore:
        """Open the database ``url`` names, creating it (SQLite) and the schema if missing and ``create``."""
        parsed = _parse_url(url)
        if not create and parsed.get_backend_name() == "sqlite" and not Path(parsed.database).is_file():
            raise FeedbackStoreError(f"no feedback database file {parsed.database}")
        return cls(_make_engine(parsed), create=create)

    def add(self, entry: FeedbackEntry, idempotency_key: str | None = None) -> AddResult:
        row = {
            "id": str(uuid.uuid4()),
            "created": utc_now(),
            "text": entry.text,
            "label": entry.label,
            "predicted_label": entry.predicted_label,
            "model_version": entry.model_version,
            "note": entry.note,
            "idempotency_key": idempotency_key,
        }
        with self._translate_errors("store feedback"), self._engine.begin() as conn:
            if idempotency_key is None:
                conn.execute(insert(feedback_table).values(row))
                return AddResult(StoredFeedback(row["id"], row["created"], entry), replayed=False)
            dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            statement = (
                dialect_insert(feedback_table)
                .values(row)
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
                .returning(feedback_table.c.id)  # a row back means this request inserted it
            )
            if conn.execute(statement).first() is not None:
                return AddResult(StoredFeedback(row["id"], row["created"], entry), replayed=False)
            # Another request with this key won (and committed, or PostgreSQL would have waited).
            first = conn.execute(
                select(feedback_table).where(feedback_table.c.idempotency_key == idempotency_key)
            ).one()
        stored = _stored(first)
        if stored.entry != entry:
            raise IdempotencyConflict(
                f"idempotency key {idempotency_key!r} was used for different feedback (id {stored.id})"
            )
        return AddResult(stored, replayed=True)

    def iter_feedback(self) -> Iterator[StoredFeedback]:
        query = select(feedback_table).order_by(feedback_table.c.created, feedback_table.c.id)
        with self._translate_errors("read feedback"), self._engine.connect() as conn:
            # Streamed in batches: an export never holds the whole table in memory.
            result = conn.execution_options(yield_per=500, **{_READ_ONLY: True}).execute(query)
            for row in result:
                yield _stored(row)

    def count(self) -> int:
        with self._translate_errors("count feedback"), self._engine.connect() as conn:
            return conn.execution_options(**{_READ_ONLY: True}).execute(
                select(func.count()).select_from(feedback_table)
            ).scalar_one()

    def close(self) -> None:
        self._engine.dispose()

    @contextlib.contextmanager
    def _translate_errors(self, doing: str):
        try:
            yield
        except (OperationalError, DBAPIError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise FeedbackStoreUnavailable(f"could not {doing} in {self.url}: {reason}") from exc
            raise FeedbackStoreError(f"could not {doing} in {self.url}: {reason}") from exc
        except SQLAlchemyError as exc:
            raise FeedbackStoreError(f"could not {doing} in {self.url}: {exc}") from exc


def _stored(row) -> StoredFeedback:
    created = row.created
    if created.tzinfo is None:  # SQLite keeps no zone; the store writes UTC only
        created = created.replace(tzinfo=timezone.utc)
    created = created.astimezone(timezone.utc)  # PostgreSQL answers in the session's zone
    entry = FeedbackEntry(row.text, row.label, row.predicted_label, row.model_version, row.note)
    return StoredFeedback(str(row.id), created, entry)


def _parse_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise FeedbackStoreError(f"feedback URL is not a valid database URL; use {SUPPORTED_URLS}") from None
    backend = url.get_backend_name()
    if backend == "postgres":  # the spelling many hosting platforms use
        url = url.set(drivername="postgresql")
        backend = "postgresql"
    if backend == "postgresql" and "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")  # the driver this project installs
    if backend == "sqlite" and (not url.database or url.database == ":memory:"):
        raise FeedbackStoreError("an in-memory SQLite feedback store would lose every entry; give a file, "
                                 "e.g. sqlite:////var/lib/claims/feedback.sqlite3")
    return url


def _make_engine(url: URL) -> Engine:
    try:
        if url.get_backend_name() == "sqlite":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": _WAIT_SECONDS})
            _take_over_sqlite_transactions(engine)
            return engine
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": _WAIT_SECONDS})
    except (ArgumentError, ImportError, OSError) as exc:
        shown = url.render_as_string(hide_password=True)
        raise FeedbackStoreError(f"cannot open feedback store {shown}: {exc}") from exc


def _take_over_sqlite_transactions(engine: Engine) -> None:
    """Make SQLAlchemy, not the sqlite3 module, begin transactions (SQLAlchemy's documented recipe).

    The sqlite3 module begins lazily, after a read, so two writers can both read
    "no row with this key" and one then fails on the upgrade to a write lock.
    ``BEGIN IMMEDIATE`` takes the write lock first, and DDL becomes transactional.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # sqlite3 emits no BEGIN of its own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")
