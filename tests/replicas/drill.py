"""The failover drill: two replicas behind HAProxy under steady load, one stopped mid-load.

Used by ``tests/replicas/test_failover.py`` (which checks the outcome) and
``bench/replica_failover.py`` (which prints its figures). Everything runs on
loopback ports; the load is bounded in requests and time.

The clients follow the retry rule docs/scale-out.md gives: after a dropped
connection or a 502, send the same request again (feedback with the same
Idempotency-Key), at most :data:`ATTEMPTS_PER_REQUEST` times in all.
"""

from __future__ import annotations

import itertools
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.service.gunicorn_server import run_gunicorn
from training import LABEL_IDS

from .haproxy_process import run_haproxy

CLIENT_THREADS = 6
MAX_REQUESTS_PER_THREAD = 250  # bounds the load whatever happens
LOAD_DEADLINE_SECONDS = 45
ATTEMPTS_PER_REQUEST = 3  # the documented client retry: the first try and two more
STORED_BEFORE_STOP = 30  # feedback rows stored (through both replicas) before the stop
REQUESTS_AFTER_DOWN = 60  # requests started after the balancer marked the replica DOWN
# One worker with 4 threads per replica: the image's worker type (gthread), half its size.
REPLICA_ENV = {"GUNICORN_CMD_ARGS": "--threads 4", "CLAIMS_LOG_LEVEL": "WARNING"}


@dataclass(frozen=True)
class Attempt:
    """One HTTP exchange as a client saw it."""

    kind: str  # "classify" or "feedback"
    request: int  # attempts of one request (retries) share this number
    started: float
    status: int | None  # None: the connection was dropped without an answer
    outcome: str  # the error code of an error body, the exception, or "ok"
    replayed: bool = False  # feedback answered from the row an earlier attempt stored

    @property
    def documented_failure(self) -> bool:
        """A failure docs/scale-out.md tells clients to expect from a stopping replica, and to retry."""
        return self.status is None or (self.status == 502 and self.outcome == "bad_gateway")


class SteadyLoad:
    """Client threads alternating classify and feedback requests until stopped (or bounded out)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.attempts: list[Attempt] = []
        self.feedback_sent: dict[str, dict] = {}  # Idempotency-Key -> body
        self.stored_ids: dict[str, str] = {}  # Idempotency-Key -> id the service answered with
        self.crashes: list[Exception] = []
        self.started_at = self.stopped_at = 0.0
        self._request_numbers = itertools.count()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(CLIENT_THREADS)]
        self._deadline = time.monotonic() + LOAD_DEADLINE_SECONDS

    def start(self) -> None:
        self.started_at = time.monotonic()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=70)  # one request's worst case (HAProxy's server timeout) and a bit
        self.stopped_at = time.monotonic()

    def wait_until(self, condition, what: str) -> None:
        while not condition():
            if time.monotonic() > self._deadline or not any(t.is_alive() for t in self._threads):
                raise AssertionError(f"load ended before {what}: {self.summary()}")
            time.sleep(0.05)

    def started_after(self, moment: float) -> int:
        return sum(1 for attempt in self.attempts if attempt.started > moment)

    def final_attempts(self) -> list[Attempt]:
        last: dict[int, Attempt] = {}
        for attempt in self.attempts:
            last[attempt.request] = attempt
        return list(last.values())

    def summary(self) -> str:
        counts: dict[tuple, int] = {}
        for attempt in self.attempts:
            key = (attempt.kind, attempt.status, attempt.outcome)
            counts[key] = counts.get(key, 0) + 1
        return f"{len(self.attempts)} attempts: {counts}"

    def _run(self, thread_number: int) -> None:
        try:
            self._send_until_stopped(thread_number)
        except Exception as exc:  # reported by the caller, not lost in a thread
            self.crashes.append(exc)

    def _send_until_stopped(self, thread_number: int) -> None:
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
                self._send(session, "feedback", body, key)
            else:
                body = {"sentences": [f"Police said {number} people were detained.", "Rumours spread online."]}
                self._send(session, "classify", body, None)

    def _send(self, session: requests.Session, kind: str, body: dict, key: str | None) -> None:
        """One request, retried as docs/scale-out.md says: the same body, and the same Idempotency-Key."""
        request = next(self._request_numbers)
        headers = {"Idempotency-Key": key} if key else {}
        for _ in range(ATTEMPTS_PER_REQUEST):
            started = time.monotonic()
            try:
                response = session.post(f"{self.base_url}/v1/{kind}", json=body, headers=headers, timeout=65)
            except requests.ConnectionError as exc:
                self.attempts.append(Attempt(kind, request, started, None, type(exc).__name__))
                time.sleep(0.1)
                continue
            try:
                answer = response.json()
                outcome = answer["error"]["code"] if response.status_code >= 400 else "ok"
            except (ValueError, KeyError, TypeError):  # not the service's (or HAProxy's configured) JSON
                answer, outcome = {}, f"unexpected body {response.text[:200]!r}"
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            attempt = Attempt(kind, request, started, response.status_code, outcome, replayed)
            self.attempts.append(attempt)
            if key is not None and response.status_code in (200, 201):
                self.stored_ids[key] = answer["id"]
            if not attempt.documented_failure:
                return
            time.sleep(0.1)


@dataclass
class DrillResult:
    """What the clients and the balancer saw. Times are ``time.monotonic()`` values."""

    load: SteadyLoad
    stopped_exit_code: int
    stopped_log: str
    before_stop: dict[str, dict[str, str]]  # HAProxy's server rows before the SIGTERM
    at_down: dict[str, dict[str, str]]  # ... when the stopped replica was first seen DOWN
    after: dict[str, dict[str, str]]  # ... after the load, with the BACKEND row
    signalled_at: float
    down_seen_at: float  # taken after the ``at_down`` snapshot


def stop_one_replica_under_load(model_dir: Path, feedback_url: str, scratch: Path) -> DrillResult:
    """Start two replicas and HAProxy, load them, SIGTERM ``replica1`` mid-load, stop it all."""
    env = {**REPLICA_ENV, "CLAIMS_FEEDBACK_URL": feedback_url}
    with (
        run_gunicorn(model_dir, scratch / "replica1", env=env, workers=1) as first,
        run_gunicorn(model_dir, scratch / "replica2", env=env, workers=1) as second,
        run_haproxy([first.base_url.removeprefix("http://"), second.base_url.removeprefix("http://")],
                    scratch / "haproxy") as balancer,
    ):
        balancer.wait_for_status("replica1", "UP")
        balancer.wait_for_status("replica2", "UP")
        load = SteadyLoad(balancer.base_url)
        load.start()
        try:
            load.wait_until(lambda: len(load.stored_ids) >= STORED_BEFORE_STOP, "feedback was stored")
            before_stop = balancer.server_stats()

            first.process.send_signal(signal.SIGTERM)
            signalled_at = time.monotonic()
            at_down = balancer.wait_for_status("replica1", "DOWN")
            down_seen_at = time.monotonic()
            load.wait_until(lambda: load.started_after(down_seen_at) >= REQUESTS_AFTER_DOWN,
                            "enough requests reached the remaining replica")
            exit_code = first.process.wait(timeout=40)
        finally:
            load.stop()
        after = balancer.stats()
    return DrillResult(load, exit_code, first.log()[-3000:], before_stop, at_down, after, signalled_at,
                       down_seen_at)
