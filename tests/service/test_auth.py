"""API keys: parsing, 401/403, roles, the no-keys warning, keys never logged."""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint, jsonify

from service import create_app
from service.auth import ADMIN, CLASSIFY, ApiKeyStore, hash_key, require_role
from service.config import SettingsError

CLASSIFY_KEY = "k-classify-7f3a9"
ADMIN_KEY = "k-admin-0c1d2"
BOTH_KEY = "k-both:with:colons"


def make_app(trained_model_dir, **settings):
    app = create_app({"MODEL_DIR": str(trained_model_dir), **settings})
    # An admin endpoint and a public /v1 endpoint, as other blueprints would add them.
    extra = Blueprint("auth_test_extra", __name__)
    extra.add_url_rule("/v1/admin/ping", view_func=lambda: jsonify(ok=True), endpoint="admin_ping")
    extra.add_url_rule("/v1/open", view_func=require_role(None)(lambda: jsonify(ok=True)), endpoint="open")
    extra.add_url_rule("/v1/special", view_func=require_role(ADMIN)(lambda: jsonify(ok=True)), endpoint="special")
    app.register_blueprint(extra)
    return app


@pytest.fixture(scope="module")
def secured(trained_model_dir):
    keys = f"{CLASSIFY_KEY}:classify; {ADMIN_KEY}:admin;{BOTH_KEY}:classify,admin"
    return make_app(trained_model_dir, API_KEYS=keys).test_client()


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()["error"]
    assert body["code"] == code and body["request_id"] == response.headers["X-Request-ID"]
    return body["message"]


@pytest.mark.parametrize(
    "headers, problem",
    [
        ({}, "needs an API key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "must be 'Bearer <key>'"),
        ({"Authorization": "Bearer"}, "must be 'Bearer <key>'"),
        ({"Authorization": "Bearer wrong-key"}, "not recognised"),
        ({"Authorization": f"Bearer {CLASSIFY_KEY}x"}, "not recognised"),
    ],
)
def test_v1_without_a_valid_key_is_401(secured, headers, problem):
    response = secured.post("/v1/classify", json={"sentences": ["A."]}, headers=headers)
    assert problem in error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_key_with_the_role_is_served(secured):
    assert secured.post("/v1/classify", json={"sentences": ["A."]}, headers=bearer(CLASSIFY_KEY)).status_code == 200
    assert secured.get("/v1/labels", headers={"Authorization": f"bearer  {BOTH_KEY}"}).status_code == 200
    assert secured.get("/v1/admin/ping", headers=bearer(ADMIN_KEY)).get_json() == {"ok": True}
    assert secured.get("/v1/admin/ping", headers=bearer(BOTH_KEY)).status_code == 200


def test_a_valid_key_without_the_role_is_403(secured):
    assert "'admin'" in error(secured.get("/v1/admin/ping", headers=bearer(CLASSIFY_KEY)), 403, "forbidden")
    # admin does not imply classify: roles are granted one by one
    assert "'classify'" in error(secured.get("/v1/labels", headers=bearer(ADMIN_KEY)), 403, "forbidden")


def test_require_role_overrides_the_path_rule(secured):
    assert secured.get("/v1/open").status_code == 200
    error(secured.get("/v1/special", headers=bearer(CLASSIFY_KEY)), 403, "forbidden")
    assert secured.get("/v1/special", headers=bearer(ADMIN_KEY)).status_code == 200


def test_operational_endpoints_stay_public(secured):
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert secured.get(path).status_code == 200, path


def test_unknown_v1_paths_do_not_reveal_themselves_without_a_key(secured):
    error(secured.get("/v1/nothing"), 401, "unauthorized")
    error(secured.get("/v1/nothing", headers=bearer(CLASSIFY_KEY)), 404, "not_found")


def test_key_file_of_hashes(trained_model_dir, tmp_path):
    key_file = tmp_path / "keys"
    key_file.write_text(
        "# production keys\n"
        f"{hash_key(CLASSIFY_KEY)} classify   # the web front-end\n"
        "\n"
        f"{hash_key(ADMIN_KEY).upper()} admin,classify\n"
    )
    client = make_app(trained_model_dir, API_KEYS_FILE=str(key_file)).test_client()
    assert client.get("/v1/labels", headers=bearer(CLASSIFY_KEY)).status_code == 200
    assert client.get("/v1/admin/ping", headers=bearer(ADMIN_KEY)).status_code == 200
    error(client.get("/v1/admin/ping", headers=bearer(CLASSIFY_KEY)), 403, "forbidden")
    # the file holds hashes: the hash itself is not a key
    error(client.get("/v1/labels", headers=bearer(hash_key(CLASSIFY_KEY))), 401, "unauthorized")


def test_environment_and_file_keys_combine(tmp_path):
    key_file = tmp_path / "keys"
    key_file.write_text(f"{hash_key(ADMIN_KEY)} admin\n")
    store = ApiKeyStore.from_settings({"API_KEYS": f"{CLASSIFY_KEY}:classify;{ADMIN_KEY}:classify",
                                       "API_KEYS_FILE": str(key_file)})
    assert store.roles_for(CLASSIFY_KEY) == {CLASSIFY}
    assert store.roles_for(ADMIN_KEY) == {CLASSIFY, ADMIN}
    assert store.roles_for("nope") is None


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"API_KEYS": "just-a-key"}, "CLAIMS_API_KEYS entry 1"),
        ({"API_KEYS": "ok:classify;secret-k:reader"}, "unknown role(s) ['reader']"),
        ({"API_KEYS": "secret-k:"}, "no role given"),
        ({"API_KEYS": ":classify"}, "CLAIMS_API_KEYS entry 1"),
    ],
)
def test_bad_key_settings_are_refused_without_echoing_the_key(settings, message):
    with pytest.raises(SettingsError) as raised:
        ApiKeyStore.from_settings(settings)
    assert message in str(raised.value)
    assert "secret-k" not in str(raised.value) and "just-a-key" not in str(raised.value)


@pytest.mark.parametrize(
    "content, line",
    [
        ("abc classify\n", 1),
        (f"# header\n{hash_key('x')}\n", 2),
        (f"{hash_key('x')} classify extra\n", 1),
        (f"{hash_key('x')} superuser\n", 1),
    ],
)
def test_bad_key_file_names_the_line(tmp_path, content, line):
    key_file = tmp_path / "keys"
    key_file.write_text(content)
    with pytest.raises(SettingsError, match=f"keys:{line}:"):
        ApiKeyStore.from_settings({"API_KEYS_FILE": str(key_file)})


def test_missing_key_file_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="cannot be read"):
        ApiKeyStore.from_settings({"API_KEYS_FILE": str(tmp_path / "absent")})


def test_require_role_rejects_unknown_roles():
    with pytest.raises(ValueError, match="unknown role"):
        require_role("superuser")


def test_no_keys_means_open_and_a_loud_warning(trained_model_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="service.auth"):
        client = make_app(trained_model_dir).test_client()
    warnings = [r for r in caplog.records if r.name == "service.auth" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "NO API KEYS" in warnings[0].getMessage()
    assert client.get("/v1/admin/ping").status_code == 200


def test_keys_are_never_logged(trained_model_dir, caplog, capsys):
    with caplog.at_level(logging.DEBUG):
        client = make_app(trained_model_dir, API_KEYS=f"{CLASSIFY_KEY}:classify", LOG_REQUEST_TEXT=True).test_client()
        client.get("/v1/labels", headers=bearer(CLASSIFY_KEY))
        client.get("/v1/labels", headers=bearer(ADMIN_KEY))
        client.post("/v1/classify", json={"sentences": ["A."]}, headers=bearer(CLASSIFY_KEY))
    logged = capsys.readouterr().err  # the JSON lines as written, extra fields included
    assert logged.count('"logger": "service.access"') == 3
    for text in (logged, caplog.text):
        assert CLASSIFY_KEY not in text and ADMIN_KEY not in text and "Bearer" not in text
