"""``score()``: plan a bulk job, skip what is done, run the rest on Dask, total it up."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections import Counter
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from ..classifier import load_model
from ..corpus import MAX_TEXT_CHARS
from .cluster import dask_client
from .outputs import (
    MANIFEST_FILE, REJECTS_DIR, SCORED_DIR, finished_partition_stats, prepare_output_dir, write_json_atomically,
)
from .sources import BulkInputError, discover_inputs, plan_partitions
from .worker import ScoreJob, score_partition

__all__ = ["BulkJobError", "DEFAULT_PARTITION_ROWS", "score"]

#: Rows per partition (one Dask task): a few seconds of work at ~10k rows/s, so
#: the progress bar moves and the last tasks do not leave workers idle for long.
DEFAULT_PARTITION_ROWS = 20_000


class BulkJobError(RuntimeError):
    """Some partitions failed; the ones that finished are kept and a re-run resumes."""


def score(
    inputs: Iterable[str],
    model_dir: str | Path,
    output_dir: str | Path,
    *,
    text_column: str = "text",
    id_column: str = "id",
    max_chars: int = MAX_TEXT_CHARS,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    scheduler: str | None = None,
    workers: int | None = None,
    client=None,
    progress: bool = True,
) -> dict:
    """Classify every row of CSV, JSON-lines or Parquet inputs into Parquet partitions.

    Parameters
    ----------
    inputs : iterable of str
        Files, folders or glob patterns.
    model_dir : str or Path
        A saved model; every worker must be able to read it at the same path.
    output_dir : str or Path
        Created if missing. Re-running the same job into it scores only the
        partitions not finished before.
    text_column, id_column : str
        Column (or JSON key) names; a row without an id gets its row number.
    max_chars : int
        Longer texts are rejected.
    partition_rows : int
        Rows per partition, the unit of work, of progress and of resuming.
    scheduler : str, optional
        Address of a running Dask scheduler; default: a local cluster.
    workers : int, optional
        Worker processes of the local cluster (default one per core).
    client : distributed.Client, optional
        Use this client instead (``scheduler`` and ``workers`` are then ignored).
    progress : bool
        Show a progress bar of partitions on stderr.

    Returns
    -------
    dict
        The manifest, also written to ``output_dir/manifest.json``.

    Raises
    ------
    BulkInputError
        Inputs, options or output folder the user must fix (nothing is scored).
    ModelLoadError
        The model cannot be loaded.
    BulkJobError
        Some partitions failed; the others are kept, and a re-run resumes.
    """
    started, started_at = time.perf_counter(), datetime.now(timezone.utc)
    if max_chars < 1:
        raise BulkInputError(f"max characters must be positive, got {max_chars}")
    model_dir = Path(model_dir).resolve()
    # Loaded here only to fail fast with a clear message, before any cluster starts.
    classifier = load_model(model_dir)
    job = ScoreJob(str(Path(output_dir).resolve()), str(model_dir), classifier.metadata["artifact_sha256"],
                   classifier.version, max_chars)
    del classifier

    # An input folder may hold the output folder (a re-run would read its own results).
    sources = [s for s in discover_inputs(inputs) if not Path(s.path).is_relative_to(job.output_dir)]
    partitions = [p for s in sources for p in plan_partitions(s, text_column, id_column, partition_rows)]
    options = {"text_column": text_column, "id_column": id_column, "max_chars": max_chars,
               "partition_rows": partition_rows}
    fingerprint = hashlib.sha256(json.dumps(
        [job.model_sha256, options, [[s.path, s.size, s.mtime_ns] for s in sources]]
    ).encode()).hexdigest()
    prepare_output_dir(output_dir, {"fingerprint": fingerprint, "model_version": job.model_version,
                                    "inputs": [s.name for s in sources], **options})

    finished = {p.pid: stats for p in partitions if (stats := finished_partition_stats(output_dir, p.pid))}
    pending = [p for p in partitions if p.pid not in finished]
    failures: list[str] = []
    if pending:
        context = nullcontext(client) if client is not None else dask_client(scheduler, workers)
        with context as connection:
            failures = _run(connection, pending, job, finished, len(partitions), fingerprint, progress)
    if failures:
        raise BulkJobError(
            f"{len(failures)} of {len(partitions)} partitions failed; finished partitions are kept, so running "
            "the same command again resumes. First failures:\n" + "\n".join(failures[:5])
        )

    manifest = {
        "model_version": job.model_version,
        "model_dir": job.model_dir,
        "model_sha256": job.model_sha256,
        "inputs": [s.name for s in sources],
        **options,
        **_totals([finished[p.pid] for p in partitions]),
        "partitions": len(partitions),
        "partitions_scored_now": len(pending),
        "partitions_already_done": len(partitions) - len(pending),
        "cluster": _cluster_description(scheduler, workers, client),
        "started": started_at.isoformat(timespec="seconds"),
        "duration_seconds": round(time.perf_counter() - started, 3),
    }
    write_json_atomically(manifest, Path(output_dir) / MANIFEST_FILE)
    return manifest


def _run(connection, pending, job: ScoreJob, finished: dict, total: int, fingerprint: str, progress: bool) -> list[str]:
    """Submit ``pending`` partitions, fill ``finished`` as they complete; return failure messages."""
    from distributed import as_completed
    from tqdm import tqdm

    if progress and not connection.scheduler_info().get("workers"):
        print(f"waiting for Dask workers to join {connection.scheduler.address} ...", file=sys.stderr)
    # Keys name the job and the partition: readable on the dashboard, and two
    # jobs sharing a scheduler never mistake each other's tasks for their own.
    keys = [f"score-{fingerprint[:8]}-{p.pid}" for p in pending]
    futures = connection.map(score_partition, pending, job=job, key=keys)
    partition_of = {future.key: partition for future, partition in zip(futures, pending, strict=True)}
    failures = []
    with tqdm(total=total, initial=total - len(pending), unit="partition", desc="scoring", file=sys.stderr,
              disable=not progress) as bar:
        for future in as_completed(futures):
            partition = partition_of[future.key]
            try:
                finished[partition.pid] = future.result()
            except Exception as error:  # the task's own exception, or the cluster's (cancelled, killed worker)
                failures.append(f"{partition.source.name} rows {partition.first_row}-"
                                f"{partition.first_row + partition.n_rows - 1}: {type(error).__name__}: {error}")
            future.release()
            bar.update(1)
    return failures


def _totals(stats: list[dict]) -> dict:
    """Row counts over all partitions, and where the outputs are."""
    rejected = Counter()
    for entry in stats:
        rejected.update(entry["rejected_by_reason"])
    return {
        "rows_in": sum(e["rows_in"] for e in stats),
        "rows_scored": sum(e["rows_scored"] for e in stats),
        "rows_rejected": sum(e["rows_rejected"] for e in stats),
        "rejected_by_reason": dict(sorted(rejected.items())),
        "scored": f"{SCORED_DIR}/",
        "rejects": f"{REJECTS_DIR}/" if rejected else None,
    }


def _cluster_description(scheduler: str | None, workers: int | None, client) -> str:
    if client is not None:
        return str(client.scheduler.address)
    if scheduler:
        return scheduler
    return f"local: {workers if workers is not None else os.cpu_count()} worker processes"
