"""What runs on a Dask worker: load the model once, score one partition, write it.

Tasks carry only the model's folder and checksum, never the model: each worker
process loads it on its first task and keeps it for the next ones (and for the
next job with the same model, on a long-lived cluster).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from ..artifacts import ModelLoadError
from ..classifier import Classifier, load_model
from ..labels import LABEL_IDS
from .outputs import REJECTS_SCHEMA, SCORED_SCHEMA, rejects_path, scored_path, write_parquet_atomically
from .readers import Reject, checked_text, id_text, read_rows
from .sources import Partition

__all__ = ["ScoreJob", "score_partition", "worker_model", "models_loaded"]

#: Rows classified per ``predict_proba`` call: large enough to amortise the
#: per-call overhead, small enough that a batch's features stay a few MB.
PREDICT_BATCH_ROWS = 4096


@dataclass(frozen=True)
class ScoreJob:
    """Everything a worker needs besides the partition (small: sent with each task)."""

    output_dir: str
    model_dir: str
    model_sha256: str
    model_version: str
    max_chars: int


_load_lock = threading.Lock()
_loads = 0


@lru_cache(maxsize=2)
def _cached_model(model_dir: str, model_sha256: str) -> Classifier:
    global _loads
    classifier = load_model(model_dir)
    _loads += 1
    if classifier.metadata.get("artifact_sha256") != model_sha256:
        raise ModelLoadError(
            f"the model at {model_dir} on this worker differs from the one the job was started with "
            "(replaced during the job, or another copy on this machine); re-run the job"
        )
    return classifier


def worker_model(model_dir: str, model_sha256: str) -> Classifier:
    """The model for this job, loaded at most once per process (thread-safe)."""
    with _load_lock:
        return _cached_model(model_dir, model_sha256)


def models_loaded() -> int:
    """How many times this process has loaded a model from disk."""
    return _loads


class _ScoredColumns:
    """Scored rows of one partition, kept as column arrays until the partition is written."""

    def __init__(self):
        self.ids: list[str] = []
        self.rows: list[int] = []
        self.probabilities: list[np.ndarray] = []

    def add(self, classifier: Classifier, texts: list[str], ids: list[str], rows: list[int]) -> None:
        if texts:
            self.probabilities.append(classifier.predict_proba(texts))
            self.ids.extend(ids)
            self.rows.extend(rows)

    def table(self, model_version: str, file_name: str) -> pa.Table:
        probabilities = (
            np.concatenate(self.probabilities) if self.probabilities else np.zeros((0, len(LABEL_IDS)))
        )
        # The same arg-max as Classifier.predict, so labels agree with the API.
        best = probabilities.argmax(axis=1)
        n = len(self.ids)
        columns = {
            "id": pa.array(self.ids, pa.string()),
            "label": pa.array(np.asarray(LABEL_IDS, dtype=object)[best], pa.string()),
            "confidence": pa.array(probabilities[np.arange(n), best]),
            **{f"score_{label}": pa.array(probabilities[:, i]) for i, label in enumerate(LABEL_IDS)},
            "model_version": pa.array([model_version] * n, pa.string()),
            "file": pa.array([file_name] * n, pa.string()),
            "row": pa.array(self.rows, pa.int64()),
        }
        return pa.Table.from_pydict(columns, schema=SCORED_SCHEMA)


def score_partition(partition: Partition, job: ScoreJob) -> dict:
    """Classify every readable row of ``partition`` and write its outputs atomically.

    Returns
    -------
    dict
        The partition's counts: ``rows_in``, ``rows_scored``, ``rows_rejected``
        and ``rejected_by_reason`` (also stored in the scored file's footer).
    """
    classifier = worker_model(job.model_dir, job.model_sha256)
    name = partition.source.name
    scored = _ScoredColumns()
    rejects = {"file": [], "row": [], "reason": [], "detail": []}
    texts, ids, rows = [], [], []
    for raw in read_rows(partition):
        try:
            if raw.problem is not None:
                raise Reject(*raw.problem)
            texts.append(checked_text(raw.text, job.max_chars))
        except Reject as reject:
            for column, value in zip(rejects, (name, raw.row, reject.reason, reject.detail), strict=True):
                rejects[column].append(value)
            continue
        ids.append(id_text(raw.id, raw.row))
        rows.append(raw.row)
        if len(texts) >= PREDICT_BATCH_ROWS:
            scored.add(classifier, texts, ids, rows)
            texts, ids, rows = [], [], []
    scored.add(classifier, texts, ids, rows)

    stats = {
        "pid": partition.pid,
        "file": name,
        "first_row": partition.first_row,
        "rows_in": partition.n_rows,
        "rows_scored": len(scored.ids),
        "rows_rejected": len(rejects["row"]),
        "rejected_by_reason": dict(Counter(rejects["reason"])),
        "model_version": job.model_version,
    }
    if stats["rows_scored"] + stats["rows_rejected"] != stats["rows_in"]:
        raise RuntimeError(f"partition {partition.pid}: rows read do not add up: {stats}")
    # Rejects first: the scored file marks the partition done, so it goes last.
    if rejects["row"]:
        write_parquet_atomically(pa.Table.from_pydict(rejects, schema=REJECTS_SCHEMA),
                                 rejects_path(job.output_dir, partition.pid))
    write_parquet_atomically(scored.table(job.model_version, name), scored_path(job.output_dir, partition.pid),
                             stats)
    return stats
