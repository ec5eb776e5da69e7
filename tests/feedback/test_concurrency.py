"""Many threads against two real service processes sharing one store: every row exactly once.

Each backend gets two gunicorn services (one worker process with 8 threads each:
two processes, as two replicas would be) fed by 16 client threads. Half the submissions
carry an Idempotency-Key and are sent twice at once, to different services, as a
client retrying after a timeout would. The texts are long and full of commas,
quotes and newlines, so a torn or interleaved write would show up as a corrupt
CSV or a changed text.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from training import read_corpus
from training.feedback import export_feedback, open_feedback_store

from .conftest import BACKENDS, url_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = 160
CLIENT_THREADS = 16
LABELS = ("attributed_fact", "official_claim", "speculation", "rumor")
FILLER = 'Officials said, "we will not comment" — sources claim otherwise; naïve\nreaders, beware. '


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """One gunicorn service process (and its workers) on a loopback port."""

    def __init__(self, model_dir: Path, feedback_url: str, log_path: Path):
        self.port = _free_port()
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMS_")}
        env.update(CLAIMS_MODEL_DIR=str(model_dir), CLAIMS_FEEDBACK_URL=feedback_url, CLAIMS_LOG_LEVEL="WARNING")
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", "8", "service.wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"service exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        pytest.fail(f"service not ready after {timeout}s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def signal_stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: every request has been answered

    def stop(self) -> None:
        self.signal_stop()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def post_feedback(base: str, body: dict, key: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(f"{base}/v1/feedback", data=json.dumps(body).encode("utf-8"),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def submissions(count: int) -> list[tuple[dict, str | None]]:
    chance = random.Random(20260101)  # fixed: a failure can be replayed
    made = []
    for number in range(count):
        text = f"Submission {number}: " + FILLER * chance.randint(1, 15)
        body = {"text": text, "label": chance.choice(LABELS), "predicted_label": chance.choice(LABELS),
                "model_version": "v-test", "note": f"note {number}, \"quoted\"" if number % 3 == 0 else None}
        made.append((body, str(uuid.uuid4()) if number % 2 == 0 else None))
    return made


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_services_many_threads_every_row_exactly_once(backend, trained_model_dir, tmp_path, request):
    url = url_for(backend, tmp_path, request)
    services = [Service(trained_model_dir, url, tmp_path / f"service-{n}.log") for n in range(2)]
    try:
        for service in services:
            service.wait_ready()
        planned = submissions(SUBMISSIONS)
        # Keyed submissions go twice, to the two services, to race each other.
        sends = [(index, services[index % 2].base) for index in range(len(planned))]
        sends += [(index, services[(index + 1) % 2].base) for index, (_, key) in enumerate(planned) if key]
        random.Random(7).shuffle(sends)
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            answers = list(pool.map(lambda send: (send[0], *post_feedback(send[1], *planned[send[0]])), sends))
    finally:
        for service in services:
            service.signal_stop()  # both at once, then wait for each
        for service in services:
            service.stop()

    by_submission: dict[int, list[tuple[int, dict]]] = {}
    for index, status, body in answers:
        by_submission.setdefault(index, []).append((status, body))
    returned_ids = {}
    for index, (body, key) in enumerate(planned):
        statuses = sorted(status for status, _ in by_submission[index])
        assert statuses == ([200, 201] if key else [201]), (index, by_submission[index])
        assert len({answer["id"] for _, answer in by_submission[index]}) == 1  # a retry gets the first row
        returned_ids[by_submission[index][0][1]["id"]] = body

    with open_feedback_store(url, create=False) as store:
        rows = list(store.iter_feedback())
        export = tmp_path / "export.csv"
        export_feedback(store, export)
    assert len(rows) == SUBMISSIONS
    assert {row.id for row in rows} == set(returned_ids)
    for row in rows:
        sent = returned_ids[row.id]
        assert (row.entry.text, row.entry.label, row.entry.predicted_label, row.entry.note) == (
            sent["text"], sent["label"], sent["predicted_label"], sent["note"])
    corpus = read_corpus([export])  # what the next retrain reads: every row, none corrupt
    assert sorted(corpus.texts) == sorted(body["text"].strip() for body, _ in planned)
    if backend == "csv":
        assert len(read_corpus([Path(url[len("csv://"):]) / "feedback.csv"])) == SUBMISSIONS
