"""Two replicas behind HAProxy, one PostgreSQL: stopping a replica under load loses nothing.

The topology of ``docker-compose.scale.yml`` without containers: two gunicorn
services (``service/gunicorn_conf.py``, one worker with 4 threads each, like the
image) on loopback ports, HAProxy with the shipped ``deploy/haproxy.cfg`` checking
``/readyz`` every 200 ms, and the feedback store in the throw-away PostgreSQL.

Client threads send classifications and feedback (each with its own
Idempotency-Key) over keep-alive connections and follow the retry rule that
docs/scale-out.md gives clients: after a dropped connection or a 502, send the
same request again (feedback with the same key). Mid-load one replica gets
SIGTERM, the graceful stop a container runtime sends. Then:

- every request finally succeeds, and the only failures any client saw are the
  documented ones (a dropped connection, a 502 ``bad_gateway``), all before the
  balancer took the stopped replica out; never a 500, 503 or 504;
- every feedback row is in PostgreSQL exactly once, as sent, under the id its
  client was given (a retried submission that had been stored is a replay);
- HAProxy's health checks mark the stopped replica DOWN, and the other replica
  serves everything sent after that.
"""

from __future__ import annotations

import itertools
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import requests

from tests.service.gunicorn_server import run_gunicorn
from training import LABEL_IDS
from training.feedback import open_feedback_store

from .haproxy_process import run_haproxy

CLIENT_THREADS = 6
MAX_REQUESTS_PER_THREAD = 250  # bounds the load whatever happens
LOAD_DEADLINE_SECONDS = 45
ATTEMPTS_PER_REQUEST = 3  # the documented client retry: the first try and two more
STORED_BEFORE_STOP = 30  # feedback rows stored (through both replicas) before the stop
REQUESTS_AFTER_DOWN = 60  # requests started after the balancer marked the replica DOWN
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
        self._request_numbers = itertools.count()
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
        except Exception as exc:  # reported by the test, not lost in a thread
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


def start_replicas(running: ExitStack, model_dir, feedback_url: str, scratch) -> list:
    """Boot two gunicorn services side by side (booting is mostly imports: half the wait)."""
    env = {**REPLICA_ENV, "CLAIMS_FEEDBACK_URL": feedback_url}
    with ThreadPoolExecutor(2) as pool:
        booting = [pool.submit(running.enter_context, run_gunicorn(model_dir, scratch / f"replica{n}", env=env,
                                                                   workers=1)) for n in (1, 2)]
    return [future.result() for future in booting]


def test_stopping_one_replica_under_load_loses_and_doubles_nothing(
    haproxy_binary, postgres_url, trained_model_dir, tmp_path
):
    with ExitStack() as running:
        first, second = start_replicas(running, trained_model_dir, postgres_url, tmp_path)
        balancer = running.enter_context(run_haproxy(
            [first.base_url.removeprefix("http://"), second.base_url.removeprefix("http://")], tmp_path / "haproxy"))
        balancer.wait_for_status("replica1", "UP")
        balancer.wait_for_status("replica2", "UP")
        load = SteadyLoad(balancer.base_url)
        load.start()
        try:
            load.wait_until(lambda: len(load.stored_ids) >= STORED_BEFORE_STOP, "feedback was stored")
            before_stop = balancer.server_stats()

            first.process.send_signal(signal.SIGTERM)
            at_down = balancer.wait_for_status("replica1", "DOWN")
            down_seen_at = time.monotonic()  # after the snapshot: later requests are not in its counters
            load.wait_until(lambda: load.started_after(down_seen_at) >= REQUESTS_AFTER_DOWN,
                            "enough requests reached the remaining replica")
            exit_code = first.process.wait(timeout=40)
        finally:
            load.stop()
        after = balancer.stats()

    assert not load.crashes
    assert exit_code == 0, first.log()[-3000:]  # a graceful stop, not a crash
    # The balancer spread the load over both, then took the stopped one out on its
    # health checks and sent everything to the other one.
    assert int(before_stop["replica1"]["hrsp_2xx"]) > 0 and int(before_stop["replica2"]["hrsp_2xx"]) > 0
    assert after["replica1"]["status"].startswith("DOWN") and after["replica2"]["status"] == "UP"
    served_since_down = int(after["replica2"]["hrsp_2xx"]) - int(at_down["replica2"]["hrsp_2xx"])
    assert served_since_down >= load.started_after(down_seen_at)

    # Clients saw only the documented failures, and only before the replica was out.
    context = (f"{load.summary()}; HAProxy retries {after['BACKEND']['wretr']}, "
               f"redispatches {after['BACKEND']['wredis']}")
    failures = [a for a in load.attempts if a.status is None or a.status >= 300]
    assert all(a.documented_failure for a in failures), context
    assert all(a.started < down_seen_at for a in failures), context
    finals = load.final_attempts()
    assert all(a.status == 200 for a in finals if a.kind == "classify"), context
    assert all(a.status == 201 or (a.status == 200 and a.replayed) for a in finals if a.kind == "feedback"), context

    print(context, len(failures))  # TEMP
    # Every feedback row exactly once, as sent, with the id its client was given.
    with open_feedback_store(postgres_url, create=False) as store:
        rows = list(store.iter_feedback())
    assert len(load.feedback_sent) == len(load.stored_ids) >= STORED_BEFORE_STOP
    assert len(rows) == len(load.feedback_sent), context
    assert sorted(row.id for row in rows) == sorted(load.stored_ids.values())
    sent_by_text = {body["text"]: body for body in load.feedback_sent.values()}
    for row in rows:
        sent = sent_by_text[row.entry.text]
        assert (row.entry.label, row.entry.predicted_label, row.entry.model_version) == (
            sent["label"], sent["predicted_label"], sent["model_version"])
