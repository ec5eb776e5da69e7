"""The feedback tables and their versioned, start-up-time migrations.

The schema's version lives in the one-row table ``feedback_schema_version``.
:func:`ensure_schema` runs at start-up in every process: under a lock (an
advisory lock in PostgreSQL, SQLite's write lock) it reads the version and runs
the missing steps in one transaction, so replicas starting together neither
race nor see a half-made schema. A database newer than this code is refused.

Why not Alembic: one table and steps that must run inside the service's own
start-up under a cross-replica lock; a list of functions does that in a page.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    insert,
    select,
    text,
    update,
)

from ..labels import LABEL_IDS
from .model import FeedbackStoreError

__all__ = ["feedback_table", "schema_version_table", "SCHEMA_VERSION", "ensure_schema"]

MAX_MODEL_VERSION_CHARS = 200
MAX_IDEMPOTENCY_KEY_CHARS = 255
#: Any fixed 64-bit number; it names the advisory lock that serialises migrations.
_MIGRATION_LOCK_ID = 0x636C61696D73_0001

metadata = MetaData()
_labels_sql = ", ".join(f"'{label}'" for label in LABEL_IDS)

feedback_table = Table(
    "feedback",
    metadata,
    Column("id", Uuid(as_uuid=False), primary_key=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("label", String(32), CheckConstraint(f"label IN ({_labels_sql})", name="feedback_label_known"),
           nullable=False),
    Column("predicted_label", String(32),
           CheckConstraint(f"predicted_label IN ({_labels_sql})", name="feedback_predicted_label_known"),
           nullable=False),
    Column("model_version", String(MAX_MODEL_VERSION_CHARS), nullable=False),
    Column("note", Text, nullable=True),
    # Unique but nullable: entries sent without a key never collide.
    Column("idempotency_key", String(MAX_IDEMPOTENCY_KEY_CHARS), nullable=True, unique=True),
    Index("ix_feedback_created", "created"),
)

schema_version_table = Table(
    "feedback_schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)


def _v1_create_feedback(conn: Connection) -> None:
    # Step 1 creates the table as first released. When the table changes, this
    # step must keep creating the version-1 shape and a new step alters it.
    feedback_table.create(conn)


#: Step i (0-based) takes the schema from version i to version i + 1.
MIGRATIONS = (_v1_create_feedback,)
SCHEMA_VERSION = len(MIGRATIONS)


def ensure_schema(conn: Connection) -> int:
    """Create or upgrade the schema inside the caller's transaction.

    Parameters
    ----------
    conn : Connection
        A connection in a transaction that holds SQLite's write lock (``BEGIN
        IMMEDIATE``) or any PostgreSQL transaction; the advisory lock is taken here.

    Returns
    -------
    int
        The schema version the database had before (0 for a new database).

    Raises
    ------
    FeedbackStoreError
        The database was made by a newer version of this code.
    """
    if conn.dialect.name == "postgresql":
        # Held until the transaction ends; a second replica waits here, then finds the schema made.
        conn.execute(text("SELECT pg_advisory_xact_lock(:lock_id)"), {"lock_id": _MIGRATION_LOCK_ID})
    schema_version_table.create(conn, checkfirst=True)
    found = conn.execute(select(schema_version_table.c.version)).scalar()
    if found is None:
        conn.execute(insert(schema_version_table).values(version=0))
        found = 0
    if found > SCHEMA_VERSION:
        raise FeedbackStoreError(
            f"the feedback database has schema version {found}, newer than this code's {SCHEMA_VERSION}; "
            "upgrade the service before pointing it at this database"
        )
    for step in MIGRATIONS[found:]:
        step(conn)
    if found != SCHEMA_VERSION:
        conn.execute(update(schema_version_table).values(version=SCHEMA_VERSION))
    return found
