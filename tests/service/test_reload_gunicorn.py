"""Model reloads reach every gunicorn worker (``service/gunicorn_conf.py`` + ``reload_signals``).

Two real workers: SIGHUP to the master and POST /v1/admin/reload must leave both
serving the new model, and a bad model must leave both serving the old one.
Which worker answers a request is up to the kernel, so the tests read each
worker's own log line and also probe over many fresh connections.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.service.gunicorn_server import GUNICORN_CONF, ROOT, free_port, run_gunicorn
from tests.service.test_reload import install, second_model_dir  # noqa: F401  (fixture)

RELOAD_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def server(tmp_path_factory, trained_model_dir):
    """One server for the module (booting workers is slow); each test installs its own model version."""
    scratch = tmp_path_factory.mktemp("reload-gunicorn")
    live = scratch / "models" / "default"
    shutil.copytree(trained_model_dir, live)
    with run_gunicorn(live, scratch / "server", env={"CLAIMS_LOG_FORMAT": "text"}, workers=2) as running:
        running.live_dir = live
        yield running


def versions_served(server, probes: int = 12) -> set[str]:
    """The model versions that answer ``probes`` requests, each on a new connection."""
    seen = set()
    for _ in range(probes):
        response = requests.post(server.base_url + "/v1/classify", json={"sentences": ["Police said so."]},
                                 headers={"Connection": "close"}, timeout=10)
        assert response.status_code == 200, response.text
        seen.add(response.json()["model"]["version"])
    return seen


def wait_for_log(server, pattern: str, count: int) -> list[str]:
    deadline = time.monotonic() + RELOAD_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        found = re.findall(pattern, server.log())
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} log line(s) matching {pattern!r}:\n{server.log()[-4000:]}")


def test_sighup_to_the_master_reloads_every_worker_and_rejects_a_bad_model(server, second_model_dir):
    [old] = versions_served(server)
    workers_before = server.worker_pids()
    new = install(second_model_dir, server.live_dir, version="v-master-sighup")

    server.process.send_signal(signal.SIGHUP)

    wait_for_log(server, rf"SIGHUP: now serving model {re.escape(new)}", count=2)
    assert server.worker_pids() == workers_before  # reloaded in place, not replaced
    assert versions_served(server) == {new}

    install(second_model_dir, server.live_dir, version="v-bad", versions={"scikit-learn": "0.0.1"})
    server.process.send_signal(signal.SIGHUP)

    wait_for_log(server, rf"model reload rejected; still serving {re.escape(new)}", count=2)
    assert versions_served(server) == {new}
    assert requests.get(server.base_url + "/readyz", timeout=10).json()["model_version"] == new
    assert old != new


def test_admin_reload_reaches_the_other_worker(server, second_model_dir):
    new = install(second_model_dir, server.live_dir, version="v-admin")

    response = requests.post(server.base_url + "/v1/admin/reload", timeout=30)

    assert response.status_code == 200, response.text
    assert response.json()["version"] == new and response.json()["all_workers_signalled"] is True
    # The receiving worker swapped synchronously; the other one on the forwarded SIGHUP.
    wait_for_log(server, rf"SIGHUP: now serving model {re.escape(new)}", count=1)
    assert versions_served(server) == {new}


def test_sighup_to_one_worker_reloads_only_that_worker(server, second_model_dir):
    new = install(second_model_dir, server.live_dir, version="v-one-worker")
    workers = server.worker_pids()

    os.kill(min(workers), signal.SIGHUP)

    wait_for_log(server, rf"SIGHUP: now serving model {re.escape(new)}", count=1)
    time.sleep(1.0)  # time enough for a second worker to (wrongly) reload too
    assert len(re.findall(rf"SIGHUP: now serving model {re.escape(new)}", server.log())) == 1
    assert server.worker_pids() == workers  # the worker lives on


def test_sighup_while_a_worker_boots_waits_for_it_instead_of_killing_it(tmp_path, trained_model_dir):
    """gunicorn resets SIGHUP to "terminate" in a new worker; the config blocks it until
    the reload handler is installed, so a reload sent during boot is handled after it."""
    port = free_port()
    env = {**os.environ, "CLAIMS_MODEL_DIR": str(trained_model_dir), "CLAIMS_LOG_FORMAT": "text",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "service.wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        deadline = time.monotonic() + RELOAD_TIMEOUT_SECONDS
        while "Booting worker" not in log_path.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.01)
        # post_fork runs right after that line; the worker then imports the app and
        # loads the model for a second or more. (Before post_fork a SIGHUP only lands in
        # the master's signal queue copied into the child: lost, and harmless, as the
        # worker has yet to read the model directory.)
        time.sleep(0.2)
        [booting] = [int(pid) for pid in children.read_text().split()]
        assert "SIGHUP" not in log_path.read_text(errors="replace")
        os.kill(booting, signal.SIGHUP)

        while time.monotonic() < deadline and "SIGHUP: model" not in log_path.read_text(errors="replace"):
            time.sleep(0.1)
        log_text = log_path.read_text(errors="replace")
        assert "is already the newest" in log_text, log_text[-3000:]
        assert [int(pid) for pid in children.read_text().split()] == [booting]  # never replaced
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=60)
