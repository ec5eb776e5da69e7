"""Write stored feedback as a corpus CSV that ``training train`` reads.

Columns: ``text,label`` (what training uses) then ``predicted_label,
model_version, note, created, id`` (ignored by training, kept for review).
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .model import StoredFeedback
from .store import FeedbackStore

__all__ = ["EXPORT_COLUMNS", "export_feedback", "latest_per_text"]

EXPORT_COLUMNS = ("text", "label", "predicted_label", "model_version", "note", "created", "id")


def latest_per_text(rows: Iterable[StoredFeedback]) -> list[StoredFeedback]:
    """Keep only the newest entry for each text (as training compares texts: stripped).

    Training refuses a text labeled two ways; when moderators corrected the same
    sentence twice, the later decision is the one to learn from.

    Parameters
    ----------
    rows : iterable of StoredFeedback
        Oldest first, as a store lists them.

    Returns
    -------
    list of StoredFeedback
        Oldest first, one per distinct text.
    """
    newest: dict[str, StoredFeedback] = {}
    for row in rows:
        key = row.entry.text.strip()
        newest.pop(key, None)  # re-inserted at the end: dict order stays "oldest first"
        newest[key] = row
    return list(newest.values())


def export_feedback(store: FeedbackStore, out: str | Path, *, latest_only: bool = False) -> int:
    """Write every entry of ``store`` to ``out``, replacing it atomically.

    Parameters
    ----------
    store : FeedbackStore
        Where the feedback is.
    out : str or Path
        The CSV to write; its folder must exist. Written under a temporary name,
        synced, then renamed, so a reader never sees half a file.
    latest_only : bool
        Keep only the newest entry per text (see :func:`latest_per_text`).

    Returns
    -------
    int
        Rows written.
    """
    out = Path(out)
    rows: Iterable[StoredFeedback] = store.iter_feedback()
    if latest_only:
        rows = latest_per_text(rows)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", dir=out.parent, prefix=f".{out.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(EXPORT_COLUMNS)
            written = 0
            for row in rows:
                entry = row.entry
                writer.writerow((entry.text, entry.label, entry.predicted_label, entry.model_version,
                                 entry.note or "", row.created.isoformat(), row.id))
                written += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)  # NamedTemporaryFile makes 0600; an export is for other tools to read
        os.replace(handle.name, out)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    directory = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)
    return written
