"""The native HTTP API: every endpoint and every error case."""

import json

import pytest

from service import create_app

LABELS = ["attributed_fact", "official_claim", "speculation", "rumor"]


def error_of(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["code"] == code
    return body["error"]["message"]


def test_classify_returns_results_in_input_order(client):
    sentences = ["Police said two men were arrested.", "Rumours spread online that the dam had cracked.",
                 "Police said two men were arrested."]
    response = client.post("/v1/classify", json={"sentences": sentences})
    assert response.status_code == 200
    body = response.get_json()
    assert body["model"]["version"]
    assert len(body["results"]) == 3 and body["results"][0] == body["results"][2]
    for result in body["results"]:
        assert list(result["scores"]) == LABELS
        assert result["label"] in LABELS and result["confidence"] == result["scores"][result["label"]]
        assert sum(result["scores"].values()) == pytest.approx(1, abs=1e-3)


def test_classify_agrees_with_the_training_api(client, trained_model_dir):
    from training import load_model

    text = "Unconfirmed reports suggest the governor has left the capital."
    expected = load_model(trained_model_dir).predict([text])[0].as_dict()
    assert client.post("/v1/classify", json={"sentences": [text]}).get_json()["results"][0] == expected


def test_labels_lists_ids_names_and_definitions(client):
    labels = client.get("/v1/labels").get_json()["labels"]
    assert [l["id"] for l in labels] == LABELS
    assert all(l["name"] and l["definition"] for l in labels)


def test_model_shows_metadata_without_paths(client, trained_model_dir):
    response = client.get("/v1/model")
    body = response.get_json()
    assert body["labels"] == LABELS and body["version"]
    assert str(trained_model_dir) not in response.get_data(as_text=True)
    assert "/tmp" not in response.get_data(as_text=True)


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"


def test_without_a_model_the_service_is_live_but_not_ready(tmp_path):
    client = create_app({"MODEL_DIR": str(tmp_path / "missing")}).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    message = error_of(client.post("/v1/classify", json={"sentences": ["A."]}), 503, "model_not_loaded")
    assert str(tmp_path) not in message
    error_of(client.get("/v1/model"), 503, "model_not_loaded")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "sentences"),
        ({"sentences": "One sentence."}, "sentences"),
        ({"sentences": None}, "sentences"),
        ({"sentences": []}, "sentences"),
        ({"sentences": ["ok", 3]}, "sentences[1]"),
        ({"sentences": ["ok", "   "]}, "sentences[1]"),
        ({"sentences": [""]}, "sentences[0]"),
    ],
)
def test_invalid_fields_are_named(client, payload, field):
    message = error_of(client.post("/v1/classify", json=payload), 422, "invalid_field")
    assert message.startswith(field + ":")


def test_body_must_be_an_object(client):
    message = error_of(client.post("/v1/classify", json=["a"]), 422, "invalid_field")
    assert message.startswith("body:")


def test_too_many_sentences(client):
    message = error_of(client.post("/v1/classify", json={"sentences": ["A."] * 6}), 422, "too_many_sentences")
    assert "6" in message and "5" in message


def test_sentence_too_long(client):
    message = error_of(client.post("/v1/classify", json={"sentences": ["A.", "x" * 201]}), 422, "sentence_too_long")
    assert message.startswith("sentences[1]:") and "200" in message


def test_malformed_json(client):
    error_of(client.post("/v1/classify", data="{'sentences':", content_type="application/json"), 400, "invalid_json")
    error_of(client.post("/v1/classify", data=b"\xff\xfe", content_type="application/json"), 400, "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type(client, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    error_of(client.post("/v1/classify", data=json.dumps({"sentences": ["A."]}), **kwargs), 415,
             "unsupported_media_type")


def test_body_too_large(client):
    body = json.dumps({"sentences": ["x" * 5000]})
    message = error_of(client.post("/v1/classify", data=body, content_type="application/json"), 413,
                       "payload_too_large")
    assert "4096" in message


def test_unknown_route_and_wrong_method(client):
    error_of(client.get("/v1/nothing"), 404, "not_found")
    response = client.get("/v1/classify")
    assert "POST" in error_of(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_unexpected_error_is_a_json_500_without_details(app, client, monkeypatch):
    from service import model_holder

    def boom(texts):
        raise RuntimeError("secret /srv/path detail")

    monkeypatch.setattr(app.extensions[model_holder.EXTENSION_KEY].classifier, "predict", boom)
    response = client.post("/v1/classify", json={"sentences": ["A."]})
    message = error_of(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True) and "Traceback" not in message


def test_classify_explains_when_asked(client):
    sentences = ["Unconfirmed reports suggest the governor has left the capital."]
    plain = client.post("/v1/classify", json={"sentences": sentences}).get_json()["results"][0]
    explained = client.post("/v1/classify", json={"sentences": sentences, "explain": True}).get_json()["results"][0]
    assert "explanation" not in plain
    assert explained["label"] == plain["label"] and explained["explanation"]
    assert all(item["weight"] > 0 and item["feature"] for item in explained["explanation"])


def test_classify_abstains_below_the_threshold(client, app):
    sentences = ["Police said two men were arrested.", "It may rain tomorrow."]
    results = client.post("/v1/classify", json={"sentences": sentences, "abstain_below": 1}).get_json()["results"]
    assert all(r["label"] is None and r["scores"] for r in results)
    app.config["CLAIMS"]["ABSTAIN_BELOW"] = 1.0  # the service default applies when the request says nothing
    assert all(r["label"] is None for r in client.post("/v1/classify", json={"sentences": sentences}).get_json()["results"])
    kept = client.post("/v1/classify", json={"sentences": sentences, "abstain_below": 0}).get_json()["results"]
    assert all(r["label"] is not None for r in kept)


@pytest.mark.parametrize("payload", [{"explain": "yes"}, {"abstain_below": 1.5}, {"abstain_below": "high"}])
def test_classify_options_are_checked(client, payload):
    message = error_of(client.post("/v1/classify", json={"sentences": ["A."], **payload}), 422, "invalid_field")
    assert message.startswith(next(iter(payload)) + ":")
