"""Connecting to Dask: a running scheduler, or a local cluster started for one command."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ClusterError", "dask_client"]


class ClusterError(RuntimeError):
    """The Dask scheduler cannot be reached, or a local cluster cannot start."""


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None, connect_timeout: float = 30.0) -> Iterator:
    """A ``distributed.Client`` for the duration of a ``with`` block.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``). When None, a local
        cluster is started and shut down afterwards.
    workers : int, optional
        Local cluster only: worker processes, one thread each (default: one per
        CPU core). Processes rather than threads, because classification is
        mostly Python code that holds the GIL.
    connect_timeout : float
        Seconds to wait for the scheduler.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if n_workers < 1:
        raise ClusterError(f"--workers must be at least 1, got {n_workers}")
    # Dashboard on a free port: two jobs on one machine must not contend for 8787.
    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()
