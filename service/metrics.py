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


# The labelled series each request updates, looked up once per label combination:
# ``labels()`` validates and converts its arguments and takes the metric's lock on
# every call, a cost paid per request for an answer that never changes. Series are
# never removed, so a cached one stays the metric's own (and its values are the
# ones written to the multiprocess files). Plain dicts: a race between two threads
# at worst asks ``labels()`` twice and gets the same series both times.
_request_series: dict[tuple, tuple] = {}
_label_series: dict[tuple[str, str], object] = {}


def observe_request(endpoint: str, method: str, status: int, seconds: float, model_version: str) -> None:
    key = (endpoint, method, status, model_version)
    series = _request_series.get(key)
    if series is None:
        series = _request_series[key] = (
            REQUESTS.labels(endpoint, method, str(status), model_version),
            LATENCY.labels(endpoint, method, model_version),
        )
    series[0].inc()
    series[1].observe(seconds)


def observe_labels(labels: list[str | None], model_version: str) -> None:
    """Count the labels given to a batch; one ``inc`` per distinct label, not per sentence."""
    if len(labels) == 1:  # the common one-sentence request: no tally needed
        counts = {labels[0] if labels[0] is not None else "abstained": 1}
    else:
        counts = {}
        for label in labels:
            key = label if label is not None else "abstained"
            counts[key] = counts.get(key, 0) + 1
    for label, count in counts.items():
        series = _label_series.get((label, model_version))
        if series is None:
            series = _label_series[(label, model_version)] = SENTENCES.labels(label, model_version)
        series.inc(count)


def observe_model_load(model_version: str, seconds: float) -> None:
    MODEL_LOAD.labels(model_version).set(seconds)


def render() -> bytes:
    """The current metrics in Prometheus text format, summed over workers when multiprocess."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
