"""POST /v1/feedback through the Flask app: validation, idempotency, store failures, roles."""

from __future__ import annotations

import uuid

import pytest

from service import create_app
from training.feedback import open_feedback_store

VALID = {
    "text": "Police said two men were arrested.",
    "label": "official_claim",
    "predicted_label": "rumor",
    "model_version": "20260101-abc",
}


# One app and store for the module (building an app takes a while); tests look at
# the rows they add, found by id, or at the count not changing.
@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('feedback-api') / 'feedback.sqlite3'}"


@pytest.fixture(scope="module")
def feedback_app(trained_model_dir, store_url):
    return create_app({"MODEL_DIR": str(trained_model_dir), "MAX_SENTENCE_CHARS": 200, "MAX_BODY_BYTES": 8192,
                       "FEEDBACK_URL": store_url})


@pytest.fixture()
def client(feedback_app):
    return feedback_app.test_client()


def stored_rows(store_url):
    with open_feedback_store(store_url) as store:
        return list(store.iter_feedback())


def stored(store_url, feedback_id):
    return [row for row in stored_rows(store_url) if row.id == feedback_id]


def error_of(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == code
    return body["error"]["message"]


def test_feedback_is_stored_and_echoed_with_id_and_time(client, store_url):
    response = client.post("/v1/feedback", json={**VALID, "label": "Official claim", "note": "  clear quote  "})
    assert response.status_code == 201
    body = response.get_json()
    assert uuid.UUID(body["id"]) and body["created"].endswith("+00:00")
    assert body["label"] == "official_claim" and body["note"] == "clear quote"  # canonical id, trimmed note
    (row,) = stored(store_url, body["id"])
    assert row.as_dict() == body


def test_blank_note_is_no_note(client, store_url):
    for note in ("   ", None):
        body = client.post("/v1/feedback", json={**VALID, "note": note}).get_json()
        assert body["note"] is None
        assert [row.entry.note for row in stored(store_url, body["id"])] == [None]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"text": None}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 201}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"label": "probably true"}, "label"),
        ({"label": 3}, "label"),
        ({"predicted_label": "fact"}, "predicted_label"),
        ({"model_version": ""}, "model_version"),
        ({"model_version": ["v1"]}, "model_version"),
        ({"note": 5}, "note"),
        ({"note": "n" * 2001}, "note"),
        ({"lable": "rumor"}, "lable"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(client, store_url, change, field):
    before = len(stored_rows(store_url))
    response = client.post("/v1/feedback", json={**VALID, **change})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["message"].startswith(f"{field}: ")
    assert len(stored_rows(store_url)) == before


@pytest.mark.parametrize("missing", ["text", "label", "predicted_label", "model_version"])
def test_required_fields(client, missing):
    body = {k: v for k, v in VALID.items() if k != missing}
    assert error_of(client.post("/v1/feedback", json=body), 422, "invalid_field") == f"{missing}: is required"


def test_body_must_be_a_json_object(client):
    error_of(client.post("/v1/feedback", data="text=x", content_type="text/plain"), 415, "unsupported_media_type")
    error_of(client.post("/v1/feedback", json=[VALID]), 422, "invalid_field")


def test_idempotency_key_makes_retries_safe(client, store_url):
    before = len(stored_rows(store_url))
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/v1/feedback", json=VALID, headers=headers)
    retry = client.post("/v1/feedback", json=VALID, headers=headers)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_json() == first.get_json()
    message = error_of(client.post("/v1/feedback", json={**VALID, "label": "rumor"}, headers=headers), 409,
                       "idempotency_key_reused")
    assert first.get_json()["id"] in message
    assert len(stored_rows(store_url)) == before + 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
def test_malformed_idempotency_keys_are_refused(client, key):
    message = error_of(client.post("/v1/feedback", json=VALID, headers={"Idempotency-Key": key}), 422,
                       "invalid_field")
    assert message.startswith("header Idempotency-Key: ")


def test_an_unreachable_store_disables_only_feedback(trained_model_dir):
    app = create_app({"MODEL_DIR": str(trained_model_dir),
                      "FEEDBACK_URL": "postgresql://claims:secret@127.0.0.1:9/feedback"})  # nothing listens on 9
    client = app.test_client()
    assert client.post("/v1/classify", json={"sentences": ["Police said two men were arrested."]}).status_code == 200
    response = client.post("/v1/feedback", json=VALID)
    message = error_of(response, 503, "feedback_store_unavailable")
    assert response.headers["Retry-After"] == "5"
    assert "127.0.0.1" not in message and "secret" not in message  # no server details reach clients


def test_a_store_that_fails_after_start_up_answers_503(trained_model_dir, tmp_path):
    """The CSV backend's file is cut while in use: a store error, not a 500 with a traceback."""
    csv_dir = tmp_path / "csv"
    app = create_app({"MODEL_DIR": str(trained_model_dir), "FEEDBACK_URL": f"csv://{csv_dir}"})
    client = app.test_client()
    assert client.post("/v1/feedback", json=VALID).status_code == 201
    (csv_dir / "feedback.csv").write_bytes(b"")
    message = error_of(client.post("/v1/feedback", json=VALID), 503, "feedback_store_unavailable")
    assert str(csv_dir) not in message


def test_feedback_needs_the_classify_role_when_keys_are_configured(trained_model_dir, store_url):
    before = len(stored_rows(store_url))
    app = create_app({"MODEL_DIR": str(trained_model_dir), "FEEDBACK_URL": store_url,
                      "API_KEYS": "moderator-key:classify;ops-key:admin"})
    client = app.test_client()
    error_of(client.post("/v1/feedback", json=VALID), 401, "unauthorized")
    error_of(client.post("/v1/feedback", json=VALID, headers={"Authorization": "Bearer ops-key"}), 403, "forbidden")
    assert client.post("/v1/feedback", json=VALID,
                       headers={"Authorization": "Bearer moderator-key"}).status_code == 201
    assert len(stored_rows(store_url)) == before + 1


def test_the_store_url_comes_from_claims_feedback_url():
    from service.config import PROJECT_ROOT, load_settings

    assert load_settings(environ={"CLAIMS_FEEDBACK_URL": "csv:///srv/feedback"})["FEEDBACK_URL"] == "csv:///srv/feedback"
    default = load_settings(environ={})["FEEDBACK_URL"]
    assert default == f"sqlite:///{PROJECT_ROOT / 'feedback' / 'feedback.sqlite3'}"
