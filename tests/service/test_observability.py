"""Request ids, the JSON access log and the Prometheus metrics of one process."""

from __future__ import annotations

import json

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from service import create_app
from service.config import SettingsError, load_settings

SENTENCES = ["Police said two men were arrested.", "Rumours spread online that the dam had cracked.",
             "Analysts believe the talks could collapse."]


def access_lines(captured_err: str) -> list[dict]:
    lines = [json.loads(line) for line in captured_err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "service.access"]


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- request ids -------------------------------------------------------------------------------

def test_an_incoming_request_id_is_honoured_in_the_header_and_error_bodies(client):
    ok = client.get("/v1/labels", headers={"X-Request-ID": "trace-42:abc"})
    assert ok.headers["X-Request-ID"] == "trace-42:abc"
    for response in (client.get("/v1/nothing", headers={"X-Request-ID": "trace-43"}),
                     client.post("/v1/classify", json={"sentences": []}, headers={"X-Request-ID": "trace-43"})):
        assert response.status_code in (404, 422)
        assert response.headers["X-Request-ID"] == "trace-43"
        assert response.get_json()["error"]["request_id"] == "trace-43"


def test_a_request_id_is_generated_when_absent(client):
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


@pytest.mark.parametrize("incoming", ["two words", "x" * 129, "", "quote\"inside"])
def test_an_unusable_request_id_is_replaced(client, incoming):
    response = client.post("/v1/classify", data="{", content_type="application/json",
                           headers={"X-Request-ID": incoming})
    generated = response.headers["X-Request-ID"]
    assert generated != incoming and len(generated) == 32
    assert response.get_json()["error"]["request_id"] == generated


# --- access log --------------------------------------------------------------------------------

def test_one_json_access_line_per_request_without_the_text(trained_model_dir, capsys):
    # Built here, not by the fixture: the log handler binds the stderr that is current.
    client = create_app({"MODEL_DIR": str(trained_model_dir)}).test_client()
    capsys.readouterr()
    response = client.post("/v1/classify", json={"sentences": SENTENCES[:2]}, headers={"X-Request-ID": "log-1"})
    client.get("/v1/missing", headers={"X-Request-ID": "log-2"})
    lines = access_lines(capsys.readouterr().err)
    assert [line["request_id"] for line in lines] == ["log-1", "log-2"]
    classify, missing = lines
    assert classify["route"] == "/v1/classify" and classify["method"] == "POST" and classify["status"] == 200
    assert classify["sentences"] == 2 and classify["duration_ms"] > 0
    assert classify["model_version"] == response.get_json()["model"]["version"]
    assert missing["route"] == "<unmatched>" and missing["status"] == 404 and missing["sentences"] is None
    assert "Police" not in json.dumps(lines) and "text" not in classify


def test_the_debug_setting_puts_the_text_in_the_access_line(trained_model_dir, capsys):
    client = create_app({"MODEL_DIR": str(trained_model_dir), "LOG_REQUEST_TEXT": True}).test_client()
    capsys.readouterr()
    client.post("/v1/classify", json={"sentences": SENTENCES[:1]})
    (line,) = access_lines(capsys.readouterr().err)
    assert line["text"] == SENTENCES[:1]


def test_text_log_format_for_local_debugging(trained_model_dir, capsys):
    client = create_app({"MODEL_DIR": str(trained_model_dir), "LOG_FORMAT": "text"}).test_client()
    capsys.readouterr()
    client.get("/v1/labels", headers={"X-Request-ID": "plain-1"})
    (line,) = [l for l in capsys.readouterr().err.splitlines() if "service.access" in l]
    assert not line.startswith("{") and "[plain-1]" in line and "GET /v1/labels 200" in line


def test_log_settings_are_checked():
    assert load_settings(environ={"CLAIMS_LOG_REQUEST_TEXT": "yes"})["LOG_REQUEST_TEXT"] is True
    assert load_settings(environ={"CLAIMS_LOG_REQUEST_TEXT": "0"})["LOG_REQUEST_TEXT"] is False
    with pytest.raises(SettingsError, match="CLAIMS_LOG_REQUEST_TEXT"):
        load_settings(environ={"CLAIMS_LOG_REQUEST_TEXT": "maybe"})
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings(environ={"CLAIMS_LOG_FORMAT": "xml"})


# --- metrics -----------------------------------------------------------------------------------

def test_requests_latency_and_labels_are_counted_with_the_model_version(client):
    version = client.get("/readyz").get_json()["model_version"]
    request_labels = {"endpoint": "/v1/classify", "method": "POST", "model_version": version}
    before_ok = sample("claims_http_requests_total", status="200", **request_labels)
    before_422 = sample("claims_http_requests_total", status="422", **request_labels)
    before_latency = sample("claims_http_request_duration_seconds_count", **request_labels)
    before_labels = {label: sample("claims_sentences_classified_total", label=label, model_version=version)
                     for label in ("attributed_fact", "official_claim", "speculation", "rumor")}

    results = client.post("/v1/classify", json={"sentences": SENTENCES}).get_json()["results"]
    client.post("/v1/classify", json={"sentences": [""]})

    assert sample("claims_http_requests_total", status="200", **request_labels) == before_ok + 1
    assert sample("claims_http_requests_total", status="422", **request_labels) == before_422 + 1
    assert sample("claims_http_request_duration_seconds_count", **request_labels) == before_latency + 2
    for label, before in before_labels.items():
        given = sum(result["label"] == label for result in results)
        assert sample("claims_sentences_classified_total", label=label, model_version=version) == before + given


def test_metrics_endpoint_serves_prometheus_text(client):
    client.get("/v1/labels")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    families = {family.name: family for family in text_string_to_metric_families(response.get_data(as_text=True))}
    for name in ("claims_http_requests", "claims_http_request_duration_seconds", "claims_sentences_classified",
                 "claims_model_load_seconds"):
        assert name in families, name
    assert families["claims_http_request_duration_seconds"].type == "histogram"


def test_model_load_time_is_recorded(trained_model_dir):
    app = create_app({"MODEL_DIR": str(trained_model_dir)})
    version = app.test_client().get("/readyz").get_json()["model_version"]
    assert 0 < sample("claims_model_load_seconds", model_version=version) < 60


def test_without_a_model_the_version_label_says_none(tmp_path):
    client = create_app({"MODEL_DIR": str(tmp_path / "missing")}).test_client()
    labels = {"endpoint": "/v1/labels", "method": "GET", "status": "200", "model_version": "none"}
    before = sample("claims_http_requests_total", **labels)
    client.get("/v1/labels")
    assert sample("claims_http_requests_total", **labels) == before + 1


def test_made_up_methods_share_one_metric_label(client):
    version = client.get("/readyz").get_json()["model_version"]
    labels = {"endpoint": "<unmatched>", "status": "405", "model_version": version}
    before = sample("claims_http_requests_total", method="other", **labels)
    for method in ("FOO", "BAR", "BAZ"):
        assert client.open("/v1/labels", method=method).status_code == 405
    assert sample("claims_http_requests_total", method="other", **labels) == before + 3
    assert sample("claims_http_requests_total", method="FOO", **labels) == 0
