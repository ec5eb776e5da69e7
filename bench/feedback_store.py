"""Feedback store write throughput and latency, per backend, from several threads.

Usage: python bench/feedback_store.py [--url URL ...] [--rows N] [--threads T] [--repeats R]

Without --url, measures a new SQLite file and a new CSV folder in a temporary
directory (pass a postgresql://... URL to measure PostgreSQL too; it writes rows
into that database). Every write is durable (fsync), so the figures mostly
measure the disk. Prints the median of R runs (machines here are shared and noisy).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training.feedback import FeedbackEntry, open_feedback_store  # noqa: E402


def one_run(url: str, rows: int, threads: int) -> tuple[float, float]:
    """Rows per second and median latency (ms) of ``rows`` keyed writes from ``threads`` threads."""
    latencies: list[float] = []
    with open_feedback_store(url) as store:
        def write(number: int) -> None:
            entry = FeedbackEntry(f"Bench sentence {number}, {uuid.uuid4()}.", "rumor", "attributed_fact", "bench")
            started = time.perf_counter()
            store.add(entry, idempotency_key=str(uuid.uuid4()))
            latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(write, range(rows)))
        elapsed = time.perf_counter() - started
    return rows / elapsed, statistics.median(latencies) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", action="append", help="store URL (repeatable; default: temporary sqlite and csv)")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="claims-feedback-bench-") as scratch:
        urls = args.url or [f"sqlite:///{Path(scratch) / 'feedback.sqlite3'}", f"csv://{Path(scratch) / 'csv'}"]
        for url in urls:
            runs = [one_run(url, args.rows, args.threads) for _ in range(args.repeats)]
            with open_feedback_store(url) as store:
                shown = store.url
            print(f"{shown}: {statistics.median(r[0] for r in runs):,.0f} rows/s, median latency "
                  f"{statistics.median(r[1] for r in runs):.1f} ms ({args.rows} rows, {args.threads} threads, "
                  f"median of {args.repeats})")


if __name__ == "__main__":
    main()
