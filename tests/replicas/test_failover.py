"""Two replicas behind HAProxy, one PostgreSQL: stopping a replica under load loses nothing.

The topology of ``docker-compose.scale.yml`` without containers: two gunicorn
services (``service/gunicorn_conf.py``, one worker with 4 threads each, as in the
image) on loopback ports, HAProxy with the shipped ``deploy/haproxy.cfg`` checking
``/readyz`` every 200 ms, and the feedback store in the throw-away PostgreSQL.
Client threads send classifications and feedback (each with its own
Idempotency-Key, as docs/feedback.md asks) over keep-alive connections. Mid-load
one replica gets SIGTERM, the graceful stop a container runtime sends. The
clients must not notice: no 5xx and no dropped connection, every feedback row in
the database exactly once, and the balancer must take the stopped replica out on
its health checks and send everything to the other one.
"""

from __future__ import annotations

import itertools
import signal
import threading
import time
import uuid
from dataclasses import dataclass

import requests

from tests.service.gunicorn_server import run_gunicorn
from training import LABEL_IDS
from training.feedback import open_feedback_store

from .haproxy_process import run_haproxy

CLIENT_THREADS = 6
MAX_REQUESTS_PER_THREAD = 250  # bounds the load whatever happens
LOAD_DEADLINE_SECONDS = 45
STORED_BEFORE_STOP = 30  # feedback rows stored (through both replicas) before the stop
REQUESTS_AFTER_STOP = 60  # requests started after the stopped replica exited
REPLICA_ENV = {"GUNICORN_CMD_ARGS": "--threads 4", "CLAIMS_LOG_LEVEL": "WARNING"}


@dataclass(frozen=True)
class Attempt:
    """One HTTP exchange as a client saw it."""

    kind: str  # "classify" or "feedback"
    started: float
    status: int | None  # None: the connection failed or broke
    error: str | None
    body: dict | None


class SteadyLoad:
    """Client threads alternating classify and feedback requests until stopped (or bounded out)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.attempts: list[Attempt] = []
        self.feedback_sent: dict[str, dict] = {}  # Idempotency-Key -> body
        self.stored_ids: dict[str, str] = {}  # Idempotency-Key -> id the service answered with
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(CLIENT_THREADS)]
        self._deadline = time.monotonic() + LOAD_DEADLINE_SECONDS

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=70)  # one request's worst case (HAProxy's server timeout) and a bit

    def wait_until(self, condition, what: str) -> None:
        while not condition():
            if time.monotonic() > self._deadline or not any(t.is_alive() for t in self._threads):
                self.stop()
                raise AssertionError(f"load ended before {what}: {self.summary()}")
            time.sleep(0.05)

    def started_after(self, moment: float) -> int:
        return sum(1 for attempt in self.attempts if attempt.started > moment)

    def summary(self) -> str:
        by_outcome: dict[tuple, int] = {}
        for attempt in self.attempts:
            key = (attempt.kind, attempt.status, attempt.error)
            by_outcome[key] = by_outcome.get(key, 0) + 1
        return f"{len(self.attempts)} attempts: {by_outcome}"

    def _run(self, thread_number: int) -> None:
        session = requests.Session()  # keep-alive to HAProxy, as real clients do
        labels = itertools.cycle(LABEL_IDS)
        for number in range(MAX_REQUESTS_PER_THREAD):
            if self._stop.is_set() or time.monotonic() > self._deadline:
                return
            if number % 2:
                key = str(uuid.uuid4())
                body = {"text": f"Drill {thread_number}-{number}: the ministry said the bridge would reopen.",
                        "label": next(labels), "predicted_label": next(labels), "model_version": "v-drill"}
                self.feedback_sent[key] = body
                self._send(session, "feedback", "/v1/feedback", body, {"Idempotency-Key": key}, key)
            else:
                body = {"sentences": [f"Police said {number} people were detained.", "Rumours spread online."]}
                self._send(session, "classify", "/v1/classify", body, {}, None)

    def _send(self, session, kind: str, path: str, body: dict, headers: dict, key: str | None) -> None:
        started = time.monotonic()
        try:
            response = session.post(self.base_url + path, json=body, headers=headers, timeout=65)
        except requests.RequestException as exc:
            self.attempts.append(Attempt(kind, started, None, f"{type(exc).__name__}: {exc}", None))
            return
        answer = response.json()
        self.attempts.append(Attempt(kind, started, response.status_code, None, answer))
        if key is not None and response.status_code in (200, 201):
            self.stored_ids[key] = answer["id"]


def test_stopping_one_replica_under_load_loses_and_doubles_nothing(
    haproxy_binary, postgres_url, trained_model_dir, tmp_path
):
    env = {**REPLICA_ENV, "CLAIMS_FEEDBACK_URL": postgres_url}
    with (
        run_gunicorn(trained_model_dir, tmp_path / "replica1", env=env, workers=1) as first,
        run_gunicorn(trained_model_dir, tmp_path / "replica2", env=env, workers=1) as second,
        run_haproxy([first.base_url.removeprefix("http://"), second.base_url.removeprefix("http://")],
                    tmp_path / "haproxy") as balancer,
    ):
        load = SteadyLoad(balancer.base_url)
        load.start()
        try:
            load.wait_until(lambda: len(load.stored_ids) >= STORED_BEFORE_STOP, "feedback was stored")
            before_stop = balancer.server_stats()

            first.process.send_signal(signal.SIGTERM)
            exit_code = first.process.wait(timeout=40)
            stopped_at = time.monotonic()
            at_stop = balancer.server_stats()
            balancer.wait_for_status("replica1", "DOWN")
            load.wait_until(lambda: load.started_after(stopped_at) >= REQUESTS_AFTER_STOP,
                            "enough requests reached the remaining replica")
        finally:
            load.stop()
        after = balancer.stats()
        haproxy_log = balancer.log()

    assert exit_code == 0, first.log()[-3000:]  # a graceful stop, not a crash
    # Both replicas took traffic before the stop; afterwards only the second could.
    assert int(before_stop["replica1"]["hrsp_2xx"]) > 0 and int(before_stop["replica2"]["hrsp_2xx"]) > 0
    assert after["replica1"]["status"].startswith("DOWN") and after["replica2"]["status"] == "UP"
    served_after_stop = int(after["replica2"]["hrsp_2xx"]) - int(at_stop["replica2"]["hrsp_2xx"])
    assert served_after_stop >= load.started_after(stopped_at)

    # The clients never noticed: every attempt answered, none with a 5xx (HAProxy
    # retried what reached the stopping replica too late on the other one).
    retried = f"HAProxy retries {after['BACKEND']['wretr']}, redispatches {after['BACKEND']['wredis']}"
    failed = [a for a in load.attempts if a.status is None or a.status >= 500]
    assert not failed, f"{load.summary()}; {retried}; first failures: {failed[:5]}\n{haproxy_log}"
    assert all(a.status == 200 for a in load.attempts if a.kind == "classify"), load.summary()
    assert all(a.status == 201 for a in load.attempts if a.kind == "feedback"), load.summary()

    # Every feedback row exactly once, as sent, with the id its client was given.
    with open_feedback_store(postgres_url, create=False) as store:
        rows = list(store.iter_feedback())
    assert len(load.feedback_sent) == len(load.stored_ids) >= STORED_BEFORE_STOP
    assert len(rows) == len(load.feedback_sent)
    assert sorted(row.id for row in rows) == sorted(load.stored_ids.values())
    sent_by_text = {body["text"]: body for body in load.feedback_sent.values()}
    assert len(sent_by_text) == len(rows)
    for row in rows:
        sent = sent_by_text[row.entry.text]
        assert (row.entry.label, row.entry.predicted_label, row.entry.model_version) == (
            sent["label"], sent["predicted_label"], sent["model_version"])

