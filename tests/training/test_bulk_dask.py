"""Bulk scoring on a real Dask cluster: a `dask scheduler` and two `dask worker`
processes on loopback, one thread each, as an operator would start them."""

import json
import random
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="bulk scoring needs Dask (pip install -e '.[bulk]')")
pytest.importorskip("pyarrow", reason="bulk scoring needs pyarrow (pip install -e '.[bulk]')")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from distributed import Client  # noqa: E402

from tests.conftest import TINY_CORPUS  # noqa: E402
import training.trainer  # noqa: E402
from training import load_model, read_corpus  # noqa: E402
from training.bulk import score  # noqa: E402
from training.bulk.worker import models_loaded  # noqa: E402
from training.cli import main  # noqa: E402
from training.pipeline import CANDIDATE_CONFIGS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90  # seconds; the machine is shared, and importing scikit-learn is slow on a busy one


class DaskProcesses:
    """A scheduler and workers started with the `dask` command line, on 127.0.0.1."""

    def __init__(self, folder: Path, n_workers: int):
        self.folder = folder
        self.scheduler_file = folder / "scheduler.json"
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                     "--scheduler-file", str(self.scheduler_file))
        deadline = time.monotonic() + START_TIMEOUT
        while not self.scheduler_file.exists():
            if self.scheduler.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dask scheduler did not start: {self.log('scheduler')}")
            time.sleep(0.1)
        self.workers = [
            self._start("worker", "--scheduler-file", str(self.scheduler_file), "--nthreads", "1",
                        "--memory-limit", "1GiB", "--no-dashboard", "--no-nanny", "--host", "127.0.0.1",
                        "--local-directory", str(folder), "--name", f"worker-{i}", name=f"worker-{i}")
            for i in range(n_workers)
        ]
        self.client = Client(scheduler_file=str(self.scheduler_file), timeout=START_TIMEOUT)
        self.client.wait_for_workers(n_workers, timeout=START_TIMEOUT)
        self.address = self.client.scheduler.address

    def _start(self, command: str, *args: str, name: str | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name or command}.log", "wb")
        return subprocess.Popen([sys.executable, "-m", "dask", command, *args], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        self.client.close()
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def dask_processes(folder: Path, n_workers: int = 2):
    folder.mkdir(parents=True, exist_ok=True)
    cluster = DaskProcesses(folder, n_workers)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with dask_processes(tmp_path_factory.mktemp("dask")) as processes:
        yield processes


def sentences(n: int, seed: int) -> list[str]:
    """``n`` distinct news-like sentences recombined from the test corpus's words."""
    corpus = read_corpus([TINY_CORPUS]).texts
    words = " ".join(corpus).replace('"', "").split()
    rng = random.Random(seed)
    made = list(corpus)
    while len(made) < n:
        made.append(" ".join(rng.choice(words) for _ in range(rng.randint(6, 24))).capitalize() + f" ({len(made)})")
    rng.shuffle(made)
    return made[:n]


def write_inputs(folder: Path, texts: list[str]) -> dict:
    """The texts split over CSV, JSON lines and Parquet, with bad rows at known places.

    Returns ``{(file, row): text}`` for the rows that must be scored, and the
    expected rejects as ``{(file, row): reason}``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    third = len(texts) // 3
    good, bad = {}, {}

    csv_path = folder / "a.csv"
    lines = [b"id,text,source"]
    for i, text in enumerate(texts[:third], start=1):
        good[(str(csv_path), i)] = text
        quoted = text.replace('"', '""')
        if i % 97 == 0:  # some texts span lines inside quotes
            quoted = quoted.replace(" ", "\n", 1)
            good[(str(csv_path), i)] = text.replace(" ", "\n", 1)
        lines.append(f'c{i},"{quoted}",wire'.encode())
    extra = [(b"x1,,wire", "empty"), (b'x2,"' + b"long " * 500 + b'",wire', "too_long"),
             (b"x3,Caf\xe9 owners said they would reopen.,wire", "undecodable"), (b"x4", "missing_text")]
    for raw, reason in extra:
        lines.append(raw)
        bad[(str(csv_path), len(lines) - 1)] = reason
    csv_path.write_bytes(b"\r\n".join(lines) + b"\r\n")

    jsonl_path = folder / "b.jsonl"
    with open(jsonl_path, "wb") as handle:
        row = 0
        for text in texts[third:2 * third]:
            row += 1
            handle.write(json.dumps({"id": f"j{row}", "text": text}).encode() + b"\n")
            good[(str(jsonl_path), row)] = text
            if row % 250 == 0:
                row += 1
                handle.write(b'{"id": "broken", "text": \n')
                bad[(str(jsonl_path), row)] = "malformed"

    parquet_path = folder / "c.parquet"
    rest = texts[2 * third:] + [None, "   "]
    pq.write_table(pa.table({"text": rest, "id": [f"p{i}" for i in range(len(rest))]}), parquet_path,
                   row_group_size=400)
    for i, text in enumerate(rest, start=1):
        if text is None:
            bad[(str(parquet_path), i)] = "missing_text"
        elif not text.strip():
            bad[(str(parquet_path), i)] = "empty"
        else:
            good[(str(parquet_path), i)] = text
    return {"good": good, "bad": bad}


def read_scored(output: Path) -> dict:
    rows = pq.read_table(output / "scored").to_pylist()
    keyed = {(r["file"], r["row"]): r for r in rows}
    assert len(keyed) == len(rows), "a row was written twice"
    return keyed


def test_cluster_labels_every_row_as_in_process_predict_does(cluster, tmp_path, trained_model_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)  # file names in outputs are the names given, relative here
    expected = write_inputs(Path("in"), sentences(3000, seed=1))
    manifest = score(["in/a.csv", "in/*.jsonl", "in/c.parquet"], trained_model_dir, tmp_path / "out",
                     scheduler=cluster.address, partition_rows=250, max_chars=1000, progress=False)

    scored = read_scored(tmp_path / "out")
    assert set(scored) == set(expected["good"])
    keys = sorted(expected["good"])
    classifier = load_model(trained_model_dir)
    predictions = classifier.predict([expected["good"][k].strip() for k in keys])
    mismatched = [k for k, p in zip(keys, predictions, strict=True) if scored[k]["label"] != p.label]
    assert not mismatched, f"{len(mismatched)} labels differ from in-process predict, e.g. {mismatched[:3]}"
    for key, prediction in zip(keys, predictions, strict=True):
        row = scored[key]
        assert row["confidence"] == pytest.approx(prediction.confidence, abs=1e-6)
        assert [row[f"score_{label}"] for label in prediction.scores] == pytest.approx(
            list(prediction.scores.values()), abs=1e-6)
        assert row["model_version"] == classifier.version
    assert scored[("in/b.jsonl", 1)]["id"] == "j1"

    rejects = pq.read_table(tmp_path / "out" / "rejects").to_pylist()
    assert {(r["file"], r["row"]): r["reason"] for r in rejects} == expected["bad"]
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["rows_in"] == len(expected["good"]) + len(expected["bad"])
    assert manifest["rows_scored"] == len(expected["good"])
    assert manifest["rows_rejected"] == len(expected["bad"])
    assert manifest["model_version"] == classifier.version
    assert manifest["partitions"] > 2 * len(cluster.workers)
    # Each worker process loaded the model once at most, however many partitions it scored.
    loads = cluster.client.run(models_loaded)
    assert sorted(loads.values()) == [1, 1], loads


def test_rerun_resumes_without_scoring_anything_twice(cluster, tmp_path, trained_model_dir):
    expected = write_inputs(tmp_path / "in", sentences(1500, seed=2))
    run = dict(inputs=[str(tmp_path / "in")], model_dir=trained_model_dir, output_dir=tmp_path / "out",
               scheduler=cluster.address, partition_rows=200, progress=False)
    first = score(**run)
    scored_dir = tmp_path / "out" / "scored"
    parts = sorted(scored_dir.iterdir())
    # As if the job had died: two partitions and the manifest never written, a temporary file left.
    lost = [parts[1], parts[-1]]
    for path in lost:
        path.unlink()
    (tmp_path / "out" / "manifest.json").unlink()
    (scored_dir / f".{parts[0].name}.tmp-dead").write_bytes(b"half")
    kept = {p: p.stat().st_mtime_ns for p in parts if p not in lost}

    second = score(**run)
    assert second["partitions_scored_now"] == 2 and second["partitions_already_done"] == len(parts) - 2
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # finished partitions untouched
    assert sorted(scored_dir.iterdir()) == parts
    assert set(read_scored(tmp_path / "out")) == set(expected["good"])
    for count in ("rows_in", "rows_scored", "rows_rejected", "rejected_by_reason"):
        assert second[count] == first[count]


def test_a_worker_killed_mid_job_loses_no_rows(tmp_path, trained_model_dir):
    expected = write_inputs(tmp_path / "in", sentences(2000, seed=3))
    output = tmp_path / "out"
    with dask_processes(tmp_path / "dask", n_workers=2) as processes:
        victim = processes.workers[1]
        seen_at_kill = []

        def kill_when_under_way():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                done = len(list((output / "scored").glob("part-*.parquet"))) if (output / "scored").is_dir() else 0
                if done >= 3:
                    victim.send_signal(signal.SIGKILL)
                    seen_at_kill.append(done)
                    return
                time.sleep(0.01)

        killer = threading.Thread(target=kill_when_under_way)
        killer.start()
        manifest = score([str(tmp_path / "in")], trained_model_dir, output, scheduler=processes.address,
                         partition_rows=25, progress=False)
        killer.join()
        assert victim.wait(timeout=10) == -signal.SIGKILL
        assert len(processes.client.scheduler_info()["workers"]) == 1
    assert seen_at_kill and seen_at_kill[0] < manifest["partitions"], "the job ended before the kill"
    assert set(read_scored(output)) == set(expected["good"])
    assert manifest["rows_scored"] == len(expected["good"])
    assert manifest["rows_rejected"] == len(expected["bad"])


def test_train_select_sends_cross_validation_to_the_cluster(cluster, tmp_path, capsys, monkeypatch):
    # Two candidates are enough to see the grid go to the cluster, and keep the test short.
    monkeypatch.setattr(training.trainer, "CANDIDATE_CONFIGS", CANDIDATE_CONFIGS[:2])

    def task_names(dask_scheduler):
        return sorted(dask_scheduler.task_prefixes)

    assert not any("fit_and_predict" in name for name in cluster.client.run_on_scheduler(task_names))
    code = main(["train", "--data", str(TINY_CORPUS), "--out", str(tmp_path / "m"), "--select", "--no-eval",
                 "--cv-folds", "2", "--scheduler", cluster.address, "--quiet"])
    assert code == 0, capsys.readouterr().err
    metadata = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert sorted(metadata["selection"]) == sorted(c.name for c in CANDIDATE_CONFIGS[:2])
    # cross_val_predict's fits ran as Dask tasks.
    assert any("fit_and_predict" in name for name in cluster.client.run_on_scheduler(task_names))


def test_cli_scores_on_a_local_cluster_resumes_and_reports_bad_options(tmp_path, trained_model_dir):
    expected = write_inputs(tmp_path / "in", sentences(300, seed=4))
    # The output inside the input folder: a re-run must not read its own results.
    command = [sys.executable, "-m", "training", "score", "--model", str(trained_model_dir), "--input",
               str(tmp_path / "in"), "--output", str(tmp_path / "in" / "out"), "--workers", "1",
               "--partition-rows", "100"]
    total = len(expected["good"]) + len(expected["bad"])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"scored {len(expected['good'])} of {total} rows" in done.stdout
    assert "partition" in done.stderr  # the progress bar
    assert set(read_scored(tmp_path / "in" / "out")) == set(expected["good"])

    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"scored {len(expected['good'])} of {total} rows" in again.stdout
    manifest = json.loads((tmp_path / "in" / "out" / "manifest.json").read_text())
    assert manifest["partitions_scored_now"] == 0 and manifest["partitions_already_done"] == manifest["partitions"]

    other = subprocess.run([*command[:-4], "--text-column", "body"], capture_output=True, text=True, cwd=ROOT,
                           timeout=120)
    assert other.returncode == 2 and "'body' column" in other.stderr
