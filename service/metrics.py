"""Prometheus metrics: definitions, recording helpers and the text exposition.

Under gunicorn every worker is its own process, so the counters of one worker are
invisible to another. prometheus-client's multiprocess mode solves that: when
``PROMETHEUS_MULTIPROC_DIR`` is set (``service/gunicorn_conf.py`` sets it before
any worker starts) each process writes its values to files there and a scrape
adds them up across workers. Without it (tests, ``python -m service``) the
ordinary in-process registry is used.

Every series carries ``model_version`` so that a change in behaviour can be tied
to the model that caused it.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

__all__ = ["observe_request", "observe_labels", "observe_model_load", "render", "CONTENT_TYPE"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Classification of one sentence takes well under a millisecond, so the buckets
# start low; the top ones catch a saturated worker.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "claims_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["endpoint", "method", "status", "model_version"],
)
LATENCY = Histogram(
    "claims_http_request_duration_seconds",
    "Time from the start of the request to the response, by route template.",
    ["endpoint", "method", "model_version"],
    buckets=_LATENCY_BUCKETS,
)
SENTENCES = Counter(
    "claims_sentences_classified",
    "Sentences classified, by predicted label ('abstained' when no label was given).",
    ["label", "model_version"],
)
MODEL_LOAD = Gauge(
    "claims_model_load_seconds",
    "Seconds the last load of this model version took (slowest live worker).",
    ["model_version"],
    multiprocess_mode="livemax",
)


def observe_request(endpoint: str, method: str, status: int, seconds: float, model_version: str) -> None:
    REQUESTS.labels(endpoint, method, str(status), model_version).inc()
    LATENCY.labels(endpoint, method, model_version).observe(seconds)


def observe_labels(labels: list[str | None], model_version: str) -> None:
    """Count the labels given to a batch; one ``inc`` per distinct label, not per sentence."""
    counts: dict[str, int] = {}
    for label in labels:
        key = label if label is not None else "abstained"
        counts[key] = counts.get(key, 0) + 1
    for label, count in counts.items():
        SENTENCES.labels(label, model_version).inc(count)


def observe_model_load(model_version: str, seconds: float) -> None:
    MODEL_LOAD.labels(model_version).set(seconds)


def render() -> bytes:
    """The current metrics in Prometheus text format, summed over workers when multiprocess."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
