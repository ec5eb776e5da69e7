"""Run HAProxy for a test with the shipped ``deploy/haproxy.cfg``, on free loopback ports.

The configuration is the one ``docker-compose.scale.yml`` mounts; only its
environment differs: the two replicas' addresses, the bind addresses and a short
health-check interval. So the test exercises the retry and health-check rules that
users deploy, not a copy of them.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.service.gunicorn_server import free_port

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
START_TIMEOUT_SECONDS = 20


class HaproxyUnavailable(RuntimeError):
    """No haproxy binary here; the message says how to get one."""


def find_haproxy() -> str:
    path = shutil.which("haproxy") or next(
        (str(p) for p in (Path("/usr/sbin/haproxy"), Path("/usr/local/sbin/haproxy")) if p.exists()), None
    )
    if path is None:
        raise HaproxyUnavailable("no haproxy binary on PATH or in /usr/sbin; install Debian's 'haproxy' package "
                                 "(bash .ci/install-system-deps.sh does)")
    return path


@dataclass
class Haproxy:
    """A running HAProxy: where clients connect, its stats page, its process and its output."""

    base_url: str
    stats_url: str
    process: subprocess.Popen
    log_path: Path

    def stats(self) -> dict[str, dict[str, str]]:
        """The stats page's CSV rows of the ``replicas`` backend, by server name (and ``BACKEND``)."""
        response = requests.get(self.stats_url + ";csv", timeout=5)
        response.raise_for_status()
        rows = csv.DictReader(io.StringIO(response.text.removeprefix("# ")))
        return {row["svname"]: row for row in rows if row["pxname"] == "replicas"}

    def server_stats(self) -> dict[str, dict[str, str]]:
        """Only the servers' rows."""
        return {name: row for name, row in self.stats().items() if name != "BACKEND"}

    def wait_for_status(self, server: str, status: str, timeout: float = 15) -> dict[str, dict[str, str]]:
        """Wait until ``server``'s health status is ``status``: "UP" or "DOWN" (not "UP 1/2", on its way down).

        Returns the servers' stats as they were at that moment.
        """
        deadline = time.monotonic() + timeout
        while True:
            servers = self.server_stats()
            row = servers[server]
            if row["status"] == status:
                return servers
            if time.monotonic() > deadline:
                raise AssertionError(f"{server} is {row['status']} after {timeout} s, expected {status}; "
                                     f"last check: {row['check_status']} {row['last_chk']}\n{self.log()[-4000:]}")
            time.sleep(0.1)

    def log(self) -> str:
        """HAProxy's output: one line per request, and every server state change with its reason."""
        return self.log_path.read_text(errors="replace")


@contextmanager
def run_haproxy(replicas: list[str], scratch: Path, check_interval: str = "200ms"):
    """Start ``haproxy -db`` in front of two ``host:port`` replicas; stop it afterwards.

    Returns once HAProxy answers; whether it sees the replicas UP is for the caller
    to wait for (:meth:`Haproxy.wait_for_status`).
    """
    binary = find_haproxy()
    port, stats_port = free_port(), free_port()
    environment = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "CLAIMS_LB_BIND": f"127.0.0.1:{port}",
        "CLAIMS_LB_STATS_BIND": f"127.0.0.1:{stats_port}",
        "CLAIMS_LB_CHECK_INTERVAL": check_interval,
        "CLAIMS_REPLICA_1": replicas[0],
        "CLAIMS_REPLICA_2": replicas[1],
    }
    scratch.mkdir(parents=True, exist_ok=True)
    log_path = scratch / "haproxy.log"
    with log_path.open("wb") as log_file:
        # -db: stay in the foreground (no daemon), so the test owns the process.
        process = subprocess.Popen([binary, "-db", "-f", str(HAPROXY_CFG)], env=environment, stdout=log_file,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proxy = Haproxy(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{stats_port}/stats", process, log_path)
    try:
        _wait_until_answering(proxy)
        yield proxy
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(proxy: Haproxy) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proxy.process.poll() is not None:
            raise RuntimeError(f"haproxy exited with {proxy.process.returncode}:\n{proxy.log()[-4000:]}")
        try:
            proxy.stats()
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"haproxy's stats page did not answer within {START_TIMEOUT_SECONDS} s:\n"
                       f"{proxy.log()[-4000:]}")
