"""Run the real service under gunicorn (with ``service/gunicorn_conf.py``) for a test.

Used by the tests that need real worker processes: multiprocess metrics and the
schemathesis run against the running app. Binds a free loopback port only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "service" / "gunicorn_conf.py"
BOOT_TIMEOUT_SECONDS = 120  # workers import scikit-learn; slow on a busy 2-core machine


@dataclass
class GunicornServer:
    base_url: str
    process: subprocess.Popen
    metrics_dir: Path
    log_path: Path

    def worker_pids(self) -> set[int]:
        """Pids of the live workers (children of the gunicorn master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return {int(pid) for pid in children}

    def pids_with_metric_file(self, prefix: str) -> set[int]:
        """Pids that wrote a prometheus file named ``<prefix>_<pid>.db``."""
        return {int(path.stem.rsplit("_", 1)[1]) for path in self.metrics_dir.glob(f"{prefix}_*.db")}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def run_gunicorn(model_dir: Path, scratch: Path, env: dict[str, str] | None = None, workers: int = 2,
                 expect_ready: bool = True):
    """Start gunicorn, wait until every worker has loaded the model, stop it afterwards.

    ``expect_ready=False`` is for a model directory that cannot load: then it waits
    only until the app answers ``/healthz`` (live, not ready).
    """
    port = free_port()
    metrics_dir = scratch / "prometheus"
    metrics_dir.mkdir(parents=True)
    log_path = scratch / "gunicorn.log"
    environment = {
        **os.environ,
        "CLAIMS_MODEL_DIR": str(model_dir),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "service.wsgi:app",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log_file, stderr=subprocess.STDOUT)
    server = GunicornServer(f"http://127.0.0.1:{port}", process, metrics_dir, log_path)
    try:
        if expect_ready:
            _wait_until_workers_ready(server, workers)
        else:
            _wait_until_live(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_workers_ready(server: GunicornServer, workers: int) -> None:
    # Each worker sets the model-load gauge once its app is built, so one gauge
    # file per worker means every worker can serve.
    deadline = time.monotonic() + BOOT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{server.log()}")
        if len(server.pids_with_metric_file("gauge_livemax")) >= workers:
            try:
                if requests.get(server.base_url + "/readyz", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn workers not ready after {BOOT_TIMEOUT_SECONDS} s:\n{server.log()}")


def _wait_until_live(server: GunicornServer) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{server.log()}")
        try:
            if requests.get(server.base_url + "/healthz", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # a booting worker accepts nothing yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not answering /healthz after {BOOT_TIMEOUT_SECONDS} s:\n{server.log()}")
