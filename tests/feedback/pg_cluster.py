"""A throw-away PostgreSQL server for tests: Debian's initdb/pg_ctl, a temporary folder, loopback.

PostgreSQL refuses to run as root, so when the tests run as root (CI does) the
server runs as the unprivileged ``postgres`` user that Debian's package creates
(or ``CLAIMS_TEST_PG_USER``), through ``runuser``. Authentication is ``trust``
on 127.0.0.1 only, and durability is switched off: the cluster lives for one
test session and is deleted with its folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

__all__ = ["PostgresUnavailable", "PostgresCluster", "find_server_binaries"]

SUPERUSER = "claims_test"


class PostgresUnavailable(RuntimeError):
    """This machine cannot run the throw-away server; the message says what is missing."""


def find_server_binaries() -> Path:
    """The ``bin`` folder of the newest PostgreSQL under /usr/lib/postgresql (Debian's layout)."""
    candidates = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; "
            "install Debian's 'postgresql' package (bash .ci/install-system-deps.sh does)"
        )

    def version(bindir: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name))

    return max(candidates, key=version)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl start in a fresh temporary folder; :meth:`stop` removes it all."""

    def __init__(self, bindir: Path | None = None):
        self.bindir = bindir or find_server_binaries()
        self.run_as = self._unprivileged_user()
        self.root = Path(tempfile.mkdtemp(prefix="claims-feedback-pg-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self.port: int | None = None
        if self.run_as is not None:
            account = pwd.getpwnam(self.run_as)
            os.chown(self.root, account.pw_uid, account.pw_gid)

    @staticmethod
    def _unprivileged_user() -> str | None:
        if os.geteuid() != 0:
            return None  # already unprivileged: run the server as ourselves
        user = os.environ.get("CLAIMS_TEST_PG_USER", "postgres")
        try:
            pwd.getpwnam(user)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root and there is no user {user!r} to run PostgreSQL as; "
                "install Debian's 'postgresql' package (it creates 'postgres') or set CLAIMS_TEST_PG_USER"
            ) from None
        if shutil.which("runuser") is None:
            raise PostgresUnavailable("running as root and 'runuser' (util-linux) is missing")
        return user

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120,
                              stdin=subprocess.DEVNULL)

    def start(self) -> PostgresCluster:
        """Create the cluster and start the server on a free loopback port."""
        self._run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        last_error = ""
        for _attempt in range(3):  # another process may take the free port before the server binds it
            self.port = _free_port()
            options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            started = self._run("pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                                "-w", "-t", "60", "-o", options, check=False)
            if started.returncode == 0:
                return self
            last_error = started.stderr + self._log_tail()
        raise PostgresUnavailable(f"pg_ctl start failed: {last_error}")

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        name = f"feedback_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres",
                             autocommit=True) as conn:
            # FILE_COPY (PostgreSQL 15+) copies the template's files at once: much quicker with fsync off.
            strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(f'CREATE DATABASE "{name}"{strategy}')
        return self.url(name)

    def stop(self) -> None:
        if self.data_dir.exists():
            self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
