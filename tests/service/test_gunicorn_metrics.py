"""/metrics under gunicorn with two worker processes: one scrape shows every worker's counts."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from .gunicorn_server import run_gunicorn

SENTENCES = ["Police said two men were arrested.", "Rumours spread online that the dam had cracked."]


@pytest.fixture(scope="module")
def server(trained_model_dir, tmp_path_factory):
    with run_gunicorn(trained_model_dir, tmp_path_factory.mktemp("gunicorn-metrics")) as running:
        yield running


def scrape(server) -> dict[tuple[str, frozenset], float]:
    response = requests.get(server.base_url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(samples, name: str, **labels) -> float:
    wanted = set(labels.items())
    return sum(value for (sample_name, sample_labels), value in samples.items()
               if sample_name == name and wanted <= sample_labels)


def classify_once(server) -> None:
    # A new session per request: a new connection, which either worker may accept.
    response = requests.post(server.base_url + "/v1/classify", json={"sentences": SENTENCES}, timeout=30)
    assert response.status_code == 200, response.text


def test_metrics_add_up_across_workers_and_survive_a_worker_exit(server):
    workers = server.worker_pids()
    assert len(workers) == 2
    sent = 0
    with ThreadPoolExecutor(max_workers=6) as pool:
        # Keep sending until both workers have handled requests (bounded), so the
        # scrape below must sum two processes' files to get the right answer.
        while server.pids_with_metric_file("counter") != workers and sent < 300:
            list(pool.map(lambda _: classify_once(server), range(12)))
            sent += 12
    assert server.pids_with_metric_file("counter") == workers, "one worker took every request"

    for _ in range(4):  # whichever worker answers the scrape, it reports both workers' counts
        samples = scrape(server)
        assert total(samples, "claims_http_requests_total", endpoint="/v1/classify", status="200") == sent
        assert total(samples, "claims_sentences_classified_total") == sent * len(SENTENCES)
        assert total(samples, "claims_http_request_duration_seconds_count", endpoint="/v1/classify") == sent

    version = requests.get(server.base_url + "/readyz", timeout=10).json()["model_version"]
    assert total(samples, "claims_model_load_seconds", model_version=version) > 0
    labelled = [labels for (name, labels), _ in samples.items() if name == "claims_sentences_classified_total"]
    assert labelled and all(dict(labels)["model_version"] == version for labels in labelled)

    # A worker that exits takes its live-only gauge with it (child_exit hook), but
    # the requests it counted stay in the totals.
    gone = sorted(workers)[0]
    os.kill(gone, signal.SIGTERM)
    deadline = time.monotonic() + 120
    while (gone in server.pids_with_metric_file("gauge_livemax")
           or len(server.pids_with_metric_file("gauge_livemax")) < 2) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert gone not in server.pids_with_metric_file("gauge_livemax")
    assert len(server.worker_pids() - workers) == 1, "gunicorn did not replace the worker"
    samples = scrape(server)
    assert total(samples, "claims_http_requests_total", endpoint="/v1/classify", status="200") == sent
