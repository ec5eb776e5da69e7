"""gunicorn settings: ``gunicorn -c service/gunicorn_conf.py service.wsgi:app``.

What it sets up, and why:

- Prometheus multiprocess mode. Each worker is a separate process with its own
  counters; prometheus-client can add them up at scrape time only if every
  process writes them to files in ``PROMETHEUS_MULTIPROC_DIR``. The variable must
  be set before prometheus-client is first imported (it picks its storage at
  import), so this file sets it (a fresh temporary directory unless one is
  given) before anything else. Files from an earlier run are removed at start,
  and a dead worker's live-only gauges are dropped when it exits.
- No gunicorn access log: the app writes one JSON line per request itself
  (``service/observability.py``), with the request id and sentence count.
- gunicorn's own messages (worker boots, timeouts) as JSON lines, like the app's.
- No control socket (see below).
- Model reloads reach every worker (``service/reload_signals.py``): SIGHUP to the
  master is forwarded to the workers, each of which reloads the model in place
  (validated first; a bad model is rejected and the old one keeps serving).

Bind address and worker count stay on the command line (``make run``, the
Dockerfile), which override anything set here.
"""

import glob
import os
import signal
import tempfile

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="claims-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = MULTIPROC_DIR
os.makedirs(MULTIPROC_DIR, exist_ok=True)

from gunicorn.glogging import Logger  # noqa: E402
# Imported only now: prometheus-client reads PROMETHEUS_MULTIPROC_DIR when first imported.
from prometheus_client import multiprocess  # noqa: E402
from pythonjsonlogger.json import JsonFormatter  # noqa: E402

accesslog = None
# gunicorn's runtime control socket (a root-owned file in $HOME) is a management
# interface the service does not use; it also clashes between two servers on one host.
control_socket_disable = True


class JsonErrorLogger(Logger):
    """gunicorn's logger with its error-log lines formatted as JSON objects."""

    def setup(self, cfg):
        super().setup(cfg)
        formatter = JsonFormatter(
            ["asctime", "levelname", "name", "process", "message"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter)


logger_class = JsonErrorLogger


def on_starting(server):
    # Values left by a previous run would otherwise be added to this run's.
    for path in glob.glob(os.path.join(MULTIPROC_DIR, "*.db")):
        os.remove(path)
    server.log.info("prometheus multiprocess directory: %s", MULTIPROC_DIR)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    # gunicorn's own SIGHUP replaces every worker, which would bring a bad model up
    # with nothing to fall back on; forwarding it lets each worker reload in place
    # and keep its model when the new one is rejected. gunicorn calls the arbiter's
    # handle_<signal> method, so replacing that one method is the whole change.
    def forward_hup_to_workers():
        server.log.info("SIGHUP: asking %d worker(s) to reload the model", len(server.WORKERS))
        server.kill_workers(signal.SIGHUP)

    server.handle_hup = forward_hup_to_workers


def post_fork(server, worker):
    # Until post_worker_init installs the reload handler, SIGHUP would kill a booting
    # worker (gunicorn resets it to the default action); blocked, it waits instead and
    # is handled as soon as the handler is in place.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})


def post_worker_init(worker):
    # Imported here, in the worker: the master never loads the model stack.
    from service.reload_signals import install_worker_reload
    from service.wsgi import app

    install_worker_reload(app, master_pid=worker.ppid)
