"""How a model reload reaches every gunicorn worker: SIGHUP and the admin endpoint.

Each gunicorn worker is a process with its own copy of the model, so a reload has
to happen in every worker. The semantics:

- ``SIGHUP`` to a **worker** reloads the model in that worker, in place: a
  background thread loads and validates the model directory and swaps the model
  in; requests keep being served meanwhile (in-flight ones on the old model).
- ``SIGHUP`` to the **gunicorn master** (``docker kill -s HUP``, ``kill -HUP``,
  ``gunicornc reload``) is forwarded to every worker, which reloads as above.
  This replaces gunicorn's default meaning of SIGHUP (re-read the configuration
  and replace all workers): replacing the workers would bring a bad model up in
  fresh processes with nothing to fall back on, whereas an in-place reload keeps
  the old model serving when the new one fails validation. Changing gunicorn
  settings therefore takes a restart.
- ``POST /v1/admin/reload`` reloads in the worker that receives it, synchronously,
  so the response says whether the model was swapped or why it was rejected; when
  it was swapped, the worker sends SIGHUP to the master, which forwards it to every
  worker (the receiving worker finds nothing new and does nothing). The other
  workers switch within about one model load time.

Outside gunicorn (tests, ``python -m service``) there is one process and the
admin endpoint's reload is the whole story. The gunicorn configuration
(``service/gunicorn_conf.py``) wires this up: its ``when_ready`` hook makes the
master forward SIGHUP (it lives there so the master never imports the model
stack), and its ``post_worker_init`` hook calls :func:`install_worker_reload`.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading

from flask import Flask, current_app

from .errors import ModelRejected
from .model_holder import EXTENSION_KEY as MODEL_EXTENSION_KEY
from .model_holder import ModelHolder

__all__ = ["install_worker_reload", "propagate_reload"]

log = logging.getLogger(__name__)

#: app.extensions key of the callable that asks every worker to reload (set only under gunicorn).
PROPAGATE_KEY = "claims_reload_propagate"


def install_worker_reload(app: Flask, master_pid: int | None = None) -> threading.Thread:
    """In a serving process: make SIGHUP reload the model in place.

    Parameters
    ----------
    app : Flask
        The application whose model holder reloads.
    master_pid : int, optional
        The gunicorn master; when given, a successful admin reload asks it to
        have every worker reload too.

    Returns
    -------
    threading.Thread
        The daemon thread that performs the reloads.

    Notes
    -----
    Call it after the process has forked (gunicorn's ``post_worker_init``):
    threads do not survive a fork. The signal handler only puts a token on a
    :class:`queue.SimpleQueue`, whose ``put`` is documented as safe in signal
    handlers; loading happens on the thread, so the worker's main loop never
    blocks on it.
    """
    holder: ModelHolder = app.extensions[MODEL_EXTENSION_KEY]
    requests: queue.SimpleQueue = queue.SimpleQueue()
    thread = threading.Thread(target=_reload_on_request, args=(holder, requests), name="model-reload", daemon=True)
    thread.start()
    signal.signal(signal.SIGHUP, lambda signum, frame: requests.put(signum))
    signal.siginterrupt(signal.SIGHUP, False)  # do not interrupt a request's system calls
    # gunicorn_conf.post_fork blocked SIGHUP while the worker booted; one sent then is
    # delivered now, to the handler.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
    if master_pid is not None:
        app.extensions[PROPAGATE_KEY] = lambda: os.kill(master_pid, signal.SIGHUP)
    return thread


def _reload_on_request(holder: ModelHolder, requests: queue.SimpleQueue) -> None:
    while True:
        requests.get()
        try:
            outcome = holder.reload()
        except ModelRejected:
            continue  # logged by the holder; the old model keeps serving
        except Exception:  # never let the reload thread die: the next SIGHUP must still work
            log.exception("model reload failed")
            continue
        if outcome.changed:
            log.info("SIGHUP: now serving model %s (was %s)", outcome.version, outcome.previous_version)
        else:
            log.info("SIGHUP: model %s is already the newest", outcome.version)


def propagate_reload() -> bool:
    """Ask every other worker to reload; False when this process is the only one."""
    propagate = current_app.extensions.get(PROPAGATE_KEY)
    if propagate is None:
        return False
    propagate()
    return True
