"""Bulk scoring on Dask: CSV, JSON lines or Parquet in, Parquet partitions out.

``python -m training score`` is the command line; :func:`score` is the API. The
job is cut into partitions (:mod:`.sources`), each read as a stream
(:mod:`.readers`) and scored on a Dask worker that loads the model once
(:mod:`.worker`); outputs are written atomically and a re-run resumes
(:mod:`.outputs`). Imported on demand only: the service does not need Dask.
"""

from .cluster import ClusterError, dask_client
from .runner import DEFAULT_PARTITION_ROWS, BulkJobError, score
from .sources import BulkInputError

__all__ = ["BulkInputError", "BulkJobError", "ClusterError", "DEFAULT_PARTITION_ROWS", "dask_client", "score"]
