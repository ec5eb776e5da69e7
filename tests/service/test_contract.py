"""The OpenAPI document: valid 3.1, covers every route, and real responses conform to it."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from flask import Flask
from openapi_spec_validator import validate

from service import create_app
from service.auth import hash_key
from service.config import DEFAULTS, load_settings
from service.openapi import load_document
from training import LABEL_IDS

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
CLASSIFY_KEY, ADMIN_KEY = "contract-classify", "contract-admin"


@pytest.fixture(scope="module")
def secured_app(trained_model_dir, tmp_path_factory):
    keys = tmp_path_factory.mktemp("contract") / "keys"
    keys.write_text(f"{hash_key(CLASSIFY_KEY)} classify\n{hash_key(ADMIN_KEY)} admin\n")
    return create_app({"MODEL_DIR": str(trained_model_dir), "MAX_SENTENCES": 5, "MAX_SENTENCE_CHARS": 200,
                       "MAX_BODY_BYTES": 4096, "API_KEYS_FILE": str(keys)})


@pytest.fixture(scope="module")
def served_document(secured_app):
    return secured_app.test_client().get("/openapi.json").get_json()


@pytest.fixture(scope="module")
def api_schema(served_document):
    return schemathesis.openapi.from_dict(served_document)


def test_document_is_valid_openapi_3_1(served_document):
    assert served_document["openapi"].startswith("3.1")
    validate(served_document)


def test_served_document_carries_the_configured_limits(served_document):
    schemas = served_document["components"]["schemas"]
    assert schemas["SentenceList"]["maxItems"] == 5 and schemas["Sentence"]["maxLength"] == 200
    defaults = load_document(load_settings(environ={}))["components"]["schemas"]
    assert defaults["SentenceList"]["maxItems"] == DEFAULTS["MAX_SENTENCES"]


def test_label_ids_match_the_training_package(served_document):
    schemas = served_document["components"]["schemas"]
    assert schemas["LabelId"]["enum"] == list(LABEL_IDS)
    assert schemas["Scores"]["required"] == list(LABEL_IDS)


def test_every_route_is_documented_and_every_documented_operation_exists(secured_app, served_document):
    served = set()
    for rule in secured_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in served_document["paths"].items() for method in item
                  if method in HTTP_METHODS}
    assert served - documented == set(), "routes missing from service/openapi.yaml"
    assert documented - served == set(), "documented operations the app does not serve"


def test_documented_security_matches_what_is_enforced(secured_app, served_document):
    # Black-box: with keys configured, an operation that answers a key-less request
    # with 401 must declare security (and document 401 and 403); any other must say `security: []`.
    client = secured_app.test_client()
    for path, item in served_document["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            enforced = getattr(client, method)(concrete).status_code == 401
            declared = operation.get("security", served_document["security"])
            where = f"{method.upper()} {path}"
            if enforced:
                assert declared, f"{where} needs a key but its security is empty"
                assert {"401", "403"} <= set(operation["responses"]), f"{where} does not document 401 and 403"
            else:
                assert declared == [], f"{where} is public but declares security {declared}"


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


# (method, path, request kwargs, expected status). Each must be a documented status
# whose body and headers match the document.
RESPONSES = [
    ("get", "/healthz", {}, 200),
    ("get", "/readyz", {}, 200),
    ("get", "/openapi.json", {}, 200),
    ("get", "/metrics", {}, 200),
    ("get", "/v1/labels", {"headers": bearer(CLASSIFY_KEY)}, 200),
    ("get", "/v1/labels", {}, 401),
    ("get", "/v1/labels", {"headers": bearer("not-a-key")}, 401),
    ("get", "/v1/labels", {"headers": bearer(ADMIN_KEY)}, 403),
    ("get", "/v1/model", {"headers": bearer(CLASSIFY_KEY)}, 200),
    ("post", "/v1/classify", {"json": {"sentences": ["Police said two men were arrested.", "It may rain."]},
                              "headers": bearer(CLASSIFY_KEY)}, 200),
    ("post", "/v1/classify", {"json": {"sentences": ["A."]}}, 401),
    ("post", "/v1/classify", {"json": {"sentences": ["A."]}, "headers": bearer(ADMIN_KEY)}, 403),
    ("post", "/v1/classify", {"data": "{", "content_type": "application/json", "headers": bearer(CLASSIFY_KEY)}, 400),
    ("post", "/v1/classify", {"json": {"sentences": ["A."], "x": [[[[[[[[[[[]]]]]]]]]]]},
                              "headers": bearer(CLASSIFY_KEY)}, 400),
    ("post", "/v1/classify", {"data": json.dumps({"sentences": ["x" * 5000]}), "content_type": "application/json",
                              "headers": bearer(CLASSIFY_KEY)}, 413),
    ("post", "/v1/classify", {"data": "sentences=A.", "content_type": "text/plain",
                              "headers": bearer(CLASSIFY_KEY)}, 415),
    ("post", "/v1/classify", {"json": {"sentences": []}, "headers": bearer(CLASSIFY_KEY)}, 422),
    ("post", "/v1/classify", {"json": {"sentences": ["A."] * 6}, "headers": bearer(CLASSIFY_KEY)}, 422),
    ("post", "/v1/classify", {"json": {"sentences": ["x" * 201]}, "headers": bearer(CLASSIFY_KEY)}, 422),
]


def assert_conforms(api_schema, method, path, response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    operation_doc = api_schema.raw_schema["paths"][path][method]
    assert str(status) in operation_doc["responses"], f"{status} not documented for {method.upper()} {path}"
    assert response.headers.get("X-Request-ID")
    operation = api_schema[path][method.upper()]
    operation.validate_response(response)  # raises, naming the mismatch, when the body breaks the schema
    if status >= 400 and path != "/readyz":  # readiness answers 503 with its own status body
        assert response.get_json()["error"]["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("method, path, kwargs, status", RESPONSES)
def test_responses_conform_to_the_document(secured_app, api_schema, method, path, kwargs, status):
    response = getattr(secured_app.test_client(), method)(path, **kwargs)
    assert_conforms(api_schema, method, path, response, status)


def test_not_ready_and_internal_errors_conform(tmp_path, api_schema, secured_app, monkeypatch):
    unready = create_app({"MODEL_DIR": str(tmp_path / "missing")}).test_client()
    assert_conforms(api_schema, "get", "/readyz", unready.get("/readyz"), 503)
    assert_conforms(api_schema, "get", "/v1/model", unready.get("/v1/model"), 503)
    assert_conforms(api_schema, "post", "/v1/classify",
                    unready.post("/v1/classify", json={"sentences": ["A."]}), 503)

    from service.model_holder import EXTENSION_KEY

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(secured_app.extensions[EXTENSION_KEY].classifier, "predict", fail)
    response = secured_app.test_client().post("/v1/classify", json={"sentences": ["A."]},
                                              headers=bearer(CLASSIFY_KEY))
    assert_conforms(api_schema, "post", "/v1/classify", response, 500)


def test_a_response_that_breaks_the_document_is_caught(api_schema):
    # The check above must be able to fail: a 200 body missing "results" is rejected.
    broken_app = Flask("broken")
    broken_app.add_url_rule("/v1/classify", methods=["POST"], view_func=lambda: {"model": {"version": "v"}})
    broken = broken_app.test_client().post("/v1/classify", json={"sentences": ["A."]})
    operation = api_schema["/v1/classify"]["POST"]
    with pytest.raises(Exception, match="results"):
        operation.validate_response(broken)
