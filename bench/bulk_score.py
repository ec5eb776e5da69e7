"""Bulk scoring throughput and worker memory: in-process predict vs. Dask, 1 and 2 workers.

Usage: python bench/bulk_score.py [--rows N] [--memory-rows M] [--model DIR] [--scratch DIR]

Writes N sentences (the corpus's sentences repeated and shuffled) to Parquet and
scores them three ways in one run: in-process single-threaded
``Classifier.predict`` over the same record batches, and ``training.bulk.score``
on a local Dask cluster with 1 and with 2 worker processes (one thread each).
For the overhead, it also times ``predict_proba`` (what a task calls) and the
task's own code run in-process without Dask, on the first 100,000 rows. Times are
wall clock and CPU (user + system of the processes doing the work): on a shared
machine CPU per row is the steadier of the two.
Then scores M rows on 2 workers to show that peak worker memory does not grow
with the input. Prints rows/s, the ratios the targets are stated in, and each
worker's peak resident memory. Without --model, trains the default
configuration from data/ first. Machines here are shared: numbers are noisy.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from distributed import Client, LocalCluster
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import load_model, read_corpus, train  # noqa: E402
from training.bulk import score  # noqa: E402
from training.bulk.sources import discover_inputs, plan_partitions  # noqa: E402
from training.bulk.worker import PREDICT_BATCH_ROWS, ScoreJob, score_partition  # noqa: E402

ROW_GROUP_ROWS = 100_000


def peak_rss_bytes() -> int:
    """Peak resident memory of the calling process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cpu_seconds() -> float:
    """CPU time (user + system) used so far by the calling process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_sentences(texts: list[str], rows: int, path: Path, seed: int = 0) -> None:
    """``rows`` sentences, the corpus repeated and shuffled, written a row group at a time."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(np.resize(np.arange(len(texts)), rows))
    pool = np.asarray(texts, dtype=object)
    schema = pa.schema([("id", pa.string()), ("text", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, ROW_GROUP_ROWS):
            chunk = order[start:start + ROW_GROUP_ROWS]
            ids = [f"s{i}" for i in range(start, start + len(chunk))]
            writer.write_table(pa.table({"id": ids, "text": pool[chunk].tolist()}, schema=schema))


def in_process(model_dir: Path, path: Path, method: str, limit: int | None = None) -> dict:
    """Rows scored, wall seconds and CPU seconds of one thread calling ``method`` batch by batch."""
    classifier = load_model(model_dir)
    predict = getattr(classifier, method)
    rows = 0
    started, cpu_started = time.perf_counter(), cpu_seconds()
    with threadpool_limits(1):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=PREDICT_BATCH_ROWS, columns=["text"]):
            predict(batch.column(0).to_pylist())
            rows += batch.num_rows
            if limit is not None and rows >= limit:
                break
    return {"rows": rows, "seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu_started}


def tasks_in_process(model_dir: Path, path: Path, output: Path, partition_rows: int, limit: int) -> dict:
    """The Dask task's own code (read, check, classify, write) run here on the first partitions."""
    metadata = load_model(model_dir).metadata
    job = ScoreJob(str(output), str(model_dir), metadata["artifact_sha256"], metadata["version"], 2000)
    (source,) = discover_inputs([str(path)])
    partitions = plan_partitions(source, "text", "id", partition_rows)[: max(1, limit // partition_rows)]
    score_partition(partitions[0], job)  # loads the model, as a worker's first task does; not timed
    rows = 0
    started, cpu_started = time.perf_counter(), cpu_seconds()
    with threadpool_limits(1):
        for partition in partitions:
            rows += score_partition(partition, job)["rows_in"]
    result = {"rows": rows, "seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu_started}
    shutil.rmtree(output, ignore_errors=True)
    return result


def on_dask(model_dir: Path, path: Path, output: Path, workers: int, partition_rows: int) -> dict:
    """Score ``path`` on a fresh local cluster: rows, wall seconds, CPU seconds and each worker's peak memory.

    ``cpu`` is the workers' CPU time during the job; ``client_cpu`` that of this
    process, which runs the client and (in a local cluster) the scheduler.
    """
    shutil.rmtree(output, ignore_errors=True)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        worker_cpu = sum(client.run(cpu_seconds).values())
        started, client_cpu = time.perf_counter(), cpu_seconds()
        manifest = score([str(path)], model_dir, output, client=client, partition_rows=partition_rows,
                         progress=False)
        seconds, client_cpu = time.perf_counter() - started, cpu_seconds() - client_cpu
        worker_cpu = sum(client.run(cpu_seconds).values()) - worker_cpu
        peaks = sorted(client.run(peak_rss_bytes).values())
    shutil.rmtree(output, ignore_errors=True)
    return {"seconds": seconds, "rows": manifest["rows_scored"], "peaks": peaks, "cpu": worker_cpu,
            "client_cpu": client_cpu}


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, default=3_000_000, help="0 skips the memory run")
    parser.add_argument("--model", help="model directory (default: train one from data/)")
    parser.add_argument("--data", default=str(ROOT / "data"))
    parser.add_argument("--partition-rows", type=int, default=20_000)
    parser.add_argument("--scratch", help="folder for inputs and outputs (default: a new temporary one)")
    args = parser.parse_args()

    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="bulk-score-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    texts = read_corpus([args.data]).texts
    model_dir = Path(args.model) if args.model else scratch / "model"
    if not args.model:
        train([args.data], model_dir, evaluate=False)
    classifier = load_model(model_dir)
    print(f"model {classifier.version} ({classifier.metadata['pipeline']['name']}); corpus {len(texts)} sentences")
    del classifier

    source = scratch / f"sentences-{args.rows}.parquet"
    write_sentences(texts, args.rows, source)
    print(f"input: {args.rows:,} rows, {mib(source.stat().st_size)} of Parquet; "
          f"{args.partition_rows:,} rows per partition; predict batches of {PREDICT_BATCH_ROWS}")

    def us_per_row(result: dict, key: str = "cpu") -> float:
        return 1e6 * result[key] / result["rows"]

    baseline = in_process(model_dir, source, "predict")
    print(f"in-process predict, 1 thread:  {baseline['rows'] / baseline['seconds']:>8,.0f} rows/s  "
          f"({baseline['seconds']:.1f} s; CPU {us_per_row(baseline):.0f} us/row)")
    proba = in_process(model_dir, source, "predict_proba", limit=min(args.rows, 100_000))
    print(f"in-process predict_proba, first {proba['rows']:,} rows (what a worker calls): "
          f"{proba['rows'] / proba['seconds']:,.0f} rows/s (CPU {us_per_row(proba):.0f} us/row)")

    tasks = tasks_in_process(model_dir, source, scratch / "out", args.partition_rows, limit=100_000)
    print(f"score_partition in-process (the task without Dask), {tasks['rows']:,} rows: "
          f"{tasks['rows'] / tasks['seconds']:,.0f} rows/s (CPU {us_per_row(tasks):.0f} us/row)")

    results = {}
    for workers in (1, 2):
        result = results[workers] = on_dask(model_dir, source, scratch / "out", workers, args.partition_rows)
        label = f"dask, {workers} worker{'s' if workers > 1 else ''}:"
        print(f"{label:<30} {result['rows'] / result['seconds']:>8,.0f} rows/s  ({result['seconds']:.1f} s; "
              f"CPU {us_per_row(result):.0f} us/row in workers + "
              f"{us_per_row(result, 'client_cpu'):.0f} in client and scheduler; "
              f"peak RSS per worker {', '.join(mib(p) for p in result['peaks'])})")
    one, two = (results[w]["rows"] / results[w]["seconds"] for w in (1, 2))
    rate = baseline["rows"] / baseline["seconds"]
    print(f"2 workers / 1 worker, wall clock: {two / one:.2f}x  (target >= 1.6x)")
    print(f"1 worker vs in-process predict, wall clock: {100 * (1 - one / rate):+.1f}% slower  (target <= 25%)")
    dask_cpu = us_per_row(results[1]) + us_per_row(results[1], "client_cpu")
    print(f"1 worker vs in-process predict, CPU per row (workers + client + scheduler): "
          f"{100 * (dask_cpu / us_per_row(baseline) - 1):+.1f}% more")

    if args.memory_rows:
        big = scratch / f"sentences-{args.memory_rows}.parquet"
        write_sentences(texts, args.memory_rows, big, seed=1)
        result = on_dask(model_dir, big, scratch / "out", 2, args.partition_rows)
        print(f"dask, 2 workers, {args.memory_rows:,} rows: {result['rows'] / result['seconds']:,.0f} rows/s "
              f"({result['seconds']:.1f} s; CPU {us_per_row(result):.0f} us/row in workers); "
              f"peak RSS per worker {', '.join(mib(p) for p in result['peaks'])}")
    print(f"this process (client + in-process runs): peak RSS {mib(peak_rss_bytes())}")
    if not args.scratch:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
