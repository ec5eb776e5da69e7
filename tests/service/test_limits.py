"""Input limits beyond those in test_api (JSON nesting), no debug mode, nothing internal leaks."""

from __future__ import annotations

import json

import pytest

from service import create_app


def error_code(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["error"]


def nested(depth: int) -> str:
    """A classify body whose deepest value sits ``depth`` levels down (the body is level 1)."""
    return '{"sentences": ["A."], "extra": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.fixture(scope="module")
def shallow(trained_model_dir):
    return create_app({"MODEL_DIR": str(trained_model_dir), "MAX_JSON_DEPTH": 4}).test_client()


def test_nesting_up_to_the_limit_is_accepted(shallow):
    response = shallow.post("/v1/classify", data=nested(4), content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_nesting_past_the_limit_is_a_400_naming_the_limit(shallow):
    error = error_code(shallow.post("/v1/classify", data=nested(5), content_type="application/json"), 400)
    assert error["code"] == "json_too_deep" and "4 levels" in error["message"]


def test_nesting_deeper_than_the_decoder_can_go_is_a_clean_400(trained_model_dir):
    client = create_app({"MODEL_DIR": str(trained_model_dir)}).test_client()
    body = "[" * 200_000 + "]" * 200_000  # 400 kB, under the default body limit
    error = error_code(client.post("/v1/classify", data=body, content_type="application/json"), 400)
    assert error["code"] == "json_too_deep"


def test_depth_limit_comes_from_the_environment(monkeypatch, trained_model_dir):
    monkeypatch.setenv("CLAIMS_MAX_JSON_DEPTH", "2")
    client = create_app({"MODEL_DIR": str(trained_model_dir)}).test_client()
    assert client.post("/v1/classify", json={"sentences": ["A."]}).status_code == 200
    assert error_code(client.post("/v1/classify", json={"sentences": [["A."]]}), 400)["code"] == "json_too_deep"


def test_flask_debug_cannot_switch_on_debug_mode(monkeypatch, trained_model_dir):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"MODEL_DIR": str(trained_model_dir)})
    assert app.debug is False

    def boom(*args, **kwargs):
        raise RuntimeError(f"secret detail in {__file__}")

    from service.model_holder import EXTENSION_KEY
    monkeypatch.setattr(app.extensions[EXTENSION_KEY].classifier, "predict", boom)
    response = app.test_client().post("/v1/classify", json={"sentences": ["A."]})
    body = response.get_data(as_text=True)
    assert error_code(response, 500)["code"] == "internal_error"
    assert "secret" not in body and "Traceback" not in body and __file__ not in body


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("get", "/v1/nothing", {}),
        ("put", "/v1/classify", {}),
        ("post", "/v1/classify", {"data": "{", "content_type": "application/json"}),
        ("post", "/v1/classify", {"data": b"\xff", "content_type": "application/json"}),
        ("post", "/v1/classify", {"data": "x" * 3_000_000, "content_type": "application/json"}),
        ("post", "/v1/classify", {"data": "a=b", "content_type": "application/x-www-form-urlencoded"}),
        ("post", "/v1/classify", {"json": {"sentences": [{"deep": "x"}]}}),
    ],
)
def test_error_responses_reveal_no_paths_or_internals(shallow, trained_model_dir, method, path, kwargs):
    response = getattr(shallow, method)(path, **kwargs)
    assert 400 <= response.status_code < 500
    body = response.get_data(as_text=True)
    json.loads(body)
    for leak in (str(trained_model_dir), "/tmp", "/work", ".py", "Traceback", "werkzeug", "<html"):
        assert leak not in body, (leak, body)
