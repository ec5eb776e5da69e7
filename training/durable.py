"""Small durability helpers shared by everything that writes files: model
directories, evaluation reports, bulk-scoring partitions and the CSV feedback store."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["fsync_dir", "write_bytes_atomically"]


def fsync_dir(path: str | Path) -> None:
    """Flush a directory's entries, so a rename or a new file inside it survives a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, rename it into place."""
    path = Path(path)
    fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, path)
    except BaseException:
        os.unlink(staging)
        raise
    fsync_dir(path.parent)
