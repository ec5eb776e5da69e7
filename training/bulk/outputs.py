"""The output folder of a bulk job: partition files, rejects, job marker, manifest.

Layout::

    OUT/_job.json                    what job this folder belongs to (written first)
    OUT/scored/part-<pid>.parquet    scored rows of one partition
    OUT/rejects/part-<pid>.parquet   rows of that partition that could not be scored
    OUT/manifest.json                totals, written last

``OUT/scored`` and ``OUT/rejects`` each read as one Parquet dataset
(``pyarrow.parquet.read_table``, ``pandas.read_parquet``, Spark, DuckDB).

Every file is written under a temporary name, flushed to disk and renamed into
place, so a reader (or a re-run) sees a whole file or none. A partition's rejects
are written before its scored rows: the scored file is the mark that the
partition is done, and it carries the partition's counts in its footer so a
re-run can total them without reading any rows.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..labels import LABEL_IDS
from ..durable import fsync_dir
from .sources import BulkInputError

__all__ = [
    "SCORED_SCHEMA",
    "REJECTS_SCHEMA",
    "scored_path",
    "rejects_path",
    "write_parquet_atomically",
    "write_json_atomically",
    "finished_partition_stats",
    "prepare_output_dir",
    "MANIFEST_FILE",
    "SCORED_DIR",
    "REJECTS_DIR",
]

JOB_FILE = "_job.json"
MANIFEST_FILE = "manifest.json"
SCORED_DIR = "scored"
REJECTS_DIR = "rejects"
_STATS_KEY = b"claims.partition"
_TEMP_MARK = ".tmp-"

#: One row per scored input row. Ids are strings whatever the input held, so
#: every partition of a job has the same schema.
SCORED_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("label", pa.string()),
        ("confidence", pa.float64()),
        *[(f"score_{label}", pa.float64()) for label in LABEL_IDS],
        ("model_version", pa.string()),
        ("file", pa.string()),
        ("row", pa.int64()),
    ]
)

REJECTS_SCHEMA = pa.schema(
    [("file", pa.string()), ("row", pa.int64()), ("reason", pa.string()), ("detail", pa.string())]
)


def scored_path(output_dir: str | Path, pid: str) -> Path:
    return Path(output_dir) / SCORED_DIR / f"part-{pid}.parquet"


def rejects_path(output_dir: str | Path, pid: str) -> Path:
    return Path(output_dir) / REJECTS_DIR / f"part-{pid}.parquet"


def _replace_atomically(path: Path, write) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique temporary name: Dask may run a partition twice at once (a worker
    # presumed dead that is still running), and both copies must not share a file.
    temporary = path.with_name(f".{path.name}{_TEMP_MARK}{uuid.uuid4().hex}")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_parquet_atomically(table: pa.Table, path: Path, stats: dict | None = None) -> None:
    """Write ``table`` to ``path`` atomically; ``stats`` go into the file's footer."""
    if stats is not None:
        table = table.replace_schema_metadata({_STATS_KEY: json.dumps(stats).encode()})
    _replace_atomically(path, lambda handle: pq.write_table(table, handle))


def write_json_atomically(document: dict, path: Path) -> None:
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    _replace_atomically(path, lambda handle: handle.write(text.encode("utf-8")))


def finished_partition_stats(output_dir: str | Path, pid: str) -> dict | None:
    """The counts of a partition already scored into ``output_dir``, or None if it is not done."""
    path = scored_path(output_dir, pid)
    if not path.is_file():
        return None
    try:
        metadata = pq.read_metadata(path).metadata or {}
        return json.loads(metadata[_STATS_KEY])
    except (pa.ArrowException, OSError, KeyError, ValueError):
        return None  # not ours or damaged: score it again


def prepare_output_dir(output_dir: str | Path, job: dict) -> None:
    """Create ``output_dir`` for ``job``, or check that it already belongs to the same job.

    ``job`` must hold a ``fingerprint``. Temporary files left by killed workers
    are removed; finished partitions stay.

    Raises
    ------
    BulkInputError
        When the folder holds another job's results or unrelated files.
    """
    output_dir = Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise BulkInputError(f"--output {output_dir} is a file, not a folder")
    marker = output_dir / JOB_FILE
    if marker.is_file():
        try:
            previous = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            previous = {}
        if previous.get("fingerprint") != job["fingerprint"]:
            raise BulkInputError(
                f"{output_dir} holds the results of another scoring job (different model, inputs or options); "
                "choose a new --output folder or delete this one"
            )
    elif output_dir.is_dir() and any(output_dir.iterdir()):
        raise BulkInputError(f"{output_dir} is not empty and is not a scoring output; choose another --output")
    else:
        output_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomically(job, marker)
    for folder in (output_dir, output_dir / SCORED_DIR, output_dir / REJECTS_DIR):
        if folder.is_dir():
            for leftover in folder.glob(f".*{_TEMP_MARK}*"):
                leftover.unlink(missing_ok=True)
