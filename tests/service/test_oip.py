"""The Open Inference Protocol v2 endpoints (/v2/...), tested as a KServe or MLServer client sees them.

Request and response examples follow the protocol's REST description (KServe
"Predict Protocol - Version 2", MLServer's dataplane OpenAPI), written here for
this model. Labels and scores are compared with the native ``/v1/classify`` for
the same sentences, never hard-coded.
"""

from __future__ import annotations

import pytest
import schemathesis
from prometheus_client import REGISTRY

from service import create_app
from service.config import SettingsError, load_settings
from training import LABEL_IDS

CLASSIFY_KEY, ADMIN_KEY = "oip-classify", "oip-admin"
MODEL = "claim-labels"  # not the default name: the setting must be what the URLs use
INFER = f"/v2/models/{MODEL}/infer"
SENTENCES = ["Police said two men were arrested.", "Posts shared online claim the army has switched sides.",
             "Analysts believe the talks could collapse."]


@pytest.fixture(scope="module")
def app(trained_model_dir):
    return create_app({"MODEL_DIR": str(trained_model_dir), "MAX_SENTENCES": 5, "MAX_SENTENCE_CHARS": 200,
                       "MAX_BODY_BYTES": 8192, "OIP_MODEL_NAME": MODEL,
                       "API_KEYS": f"{CLASSIFY_KEY}:classify;{ADMIN_KEY}:admin"})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_dict(app.test_client().get("/openapi.json").get_json())


@pytest.fixture(scope="module")
def unready(tmp_path_factory):
    return create_app({"MODEL_DIR": str(tmp_path_factory.mktemp("oip") / "missing"), "OIP_MODEL_NAME": MODEL})


def bearer(key=CLASSIFY_KEY):
    return {"Authorization": f"Bearer {key}"}


def conforms(api_schema, method, path, response):
    """The status is documented for the operation and the body matches the document."""
    documented_path = path.replace(f"/models/{MODEL}", "/models/{model_name}").replace(
        "/models/other", "/models/{model_name}")
    assert str(response.status_code) in api_schema.raw_schema["paths"][documented_path][method]["responses"]
    api_schema[documented_path][method.upper()].validate_response(response)
    return response


def oip_error(response, status):
    """The protocol's error body: one string, nothing else."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert list(body) == ["error"] and isinstance(body["error"], str)
    return body["error"]


def text_tensor(data, shape=None):
    return {"name": "text", "datatype": "BYTES", "shape": shape or [len(data)], "data": data}


def native(client, sentences):
    response = client.post("/v1/classify", json={"sentences": sentences}, headers=bearer())
    return response.get_json()


# --- health and metadata --------------------------------------------------------------------------

def test_health_is_an_empty_200_and_not_ready_is_an_empty_400(client, unready, api_schema):
    for path in ("/v2/health/live", "/v2/health/ready", f"/v2/models/{MODEL}/ready"):
        response = conforms(api_schema, "get", path, client.get(path))
        assert response.status_code == 200 and response.get_data() == b""
    not_ready = unready.test_client()
    assert not_ready.get("/v2/health/live").status_code == 200  # live even without a model
    for path in ("/v2/health/ready", f"/v2/models/{MODEL}/ready"):
        response = conforms(api_schema, "get", path, not_ready.get(path))
        assert response.status_code == 400 and response.get_data() == b""


def test_a_model_this_server_does_not_serve_is_a_404(client, api_schema):
    for method, path, kwargs in (("get", "/v2/models/other/ready", {}),
                                 ("get", "/v2/models/other", {"headers": bearer()}),
                                 ("post", "/v2/models/other/infer",
                                  {"headers": bearer(), "json": {"inputs": [text_tensor(["A."])]}})):
        response = conforms(api_schema, method, path, getattr(client, method)(path, **kwargs))
        assert f"'{MODEL}'" in oip_error(response, 404)


def test_server_and_model_metadata(client, api_schema):
    server = conforms(api_schema, "get", "/v2", client.get("/v2")).get_json()
    assert server["name"] == "claim-classifier" and server["extensions"] == []
    response = conforms(api_schema, "get", f"/v2/models/{MODEL}", client.get(f"/v2/models/{MODEL}", headers=bearer()))
    metadata = response.get_json()
    version = client.get("/v1/model", headers=bearer()).get_json()["version"]
    assert metadata["name"] == MODEL and metadata["versions"] == [version]
    assert metadata["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1],
                                   "parameters": {"content_type": "str"}}]
    outputs = {tensor["name"]: tensor for tensor in metadata["outputs"]}
    assert outputs["label"]["datatype"] == "BYTES" and outputs["scores"]["shape"] == [-1, len(LABEL_IDS)]
    assert outputs["scores"]["parameters"]["labels"].split(",") == list(LABEL_IDS)


# --- inference -------------------------------------------------------------------------------------

def test_documented_request_gets_labels_and_scores_like_the_native_api(client, api_schema):
    response = conforms(api_schema, "post", INFER, client.post(INFER, headers=bearer(), json={
        "id": "42", "inputs": [text_tensor(SENTENCES)],
    }))
    assert response.status_code == 200
    body = response.get_json()
    expected = native(client, SENTENCES)
    assert (body["model_name"], body["model_version"], body["id"]) == (MODEL, expected["model"]["version"], "42")
    label, scores = body["outputs"]
    assert (label["name"], label["datatype"], label["shape"]) == ("label", "BYTES", [3])
    assert label["data"] == [result["label"] for result in expected["results"]]
    assert (scores["name"], scores["datatype"], scores["shape"]) == ("scores", "FP32", [3, 4])
    # Row-major: the four scores of the first sentence, then the second's, ...
    assert scores["data"] == [result["scores"][l] for result in expected["results"] for l in LABEL_IDS]


def test_nested_data_of_shape_n_by_1_reads_the_same(client):
    flat = client.post(INFER, headers=bearer(), json={"inputs": [text_tensor(SENTENCES)]}).get_json()
    nested = client.post(INFER, headers=bearer(), json={
        "inputs": [text_tensor([[s] for s in SENTENCES], shape=[3, 1]) | {"parameters": {"content_type": "str"}}],
    }).get_json()
    assert nested["outputs"] == flat["outputs"]


def test_outputs_asked_for_are_the_only_ones_given(client):
    body = client.post(INFER, headers=bearer(), json={
        "inputs": [text_tensor(SENTENCES[:1])], "outputs": [{"name": "scores"}]}).get_json()
    assert [output["name"] for output in body["outputs"]] == ["scores"]


def test_without_an_id_the_response_carries_the_request_id(client):
    response = client.post(INFER, headers={**bearer(), "X-Request-ID": "trace-oip-1"},
                           json={"inputs": [text_tensor(SENTENCES[:1])]})
    assert response.get_json()["id"] == "trace-oip-1" == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "body, names",
    [
        ({}, "inputs"),
        ({"inputs": []}, "inputs"),
        ({"inputs": [text_tensor(["A."]), text_tensor(["B."])]}, "exactly one tensor"),
        ({"inputs": [text_tensor(["A."]) | {"name": "input0"}]}, "inputs[0].name"),
        ({"inputs": [text_tensor(["A."]) | {"datatype": "FP32"}]}, "inputs[0].datatype"),
        ({"inputs": [text_tensor(["A.", "B."], shape=[3])]}, "holds 2 elements but the shape says 3"),
        ({"inputs": [text_tensor(["A.", "B."], shape=[1, 2])]}, "inputs[0].shape"),
        ({"inputs": [text_tensor([], shape=[0])]}, "at least one sentence"),
        ({"inputs": [text_tensor(["A."] * 6)]}, "the limit is 5"),
        ({"inputs": [text_tensor(["A.", "   "])]}, "inputs[0].data[1]"),
        ({"inputs": [text_tensor(["A.", 7])]}, "inputs[0].data[1]"),
        ({"inputs": [text_tensor(["x" * 201])]}, "the limit is 200"),
        ({"inputs": [text_tensor(["QS4="]) | {"parameters": {"content_type": "base64"}}]}, "content_type"),
        ({"inputs": [text_tensor(["A."])], "outputs": [{"name": "probabilities"}]}, "outputs[0].name"),
        ({"inputs": [text_tensor(["A."])], "id": 42}, "id"),
    ],
)
def test_malformed_requests_are_400s_naming_the_fault(client, api_schema, body, names):
    response = conforms(api_schema, "post", INFER, client.post(INFER, headers=bearer(), json=body))
    assert names in oip_error(response, 400)


def test_shared_limits_and_unknown_paths_answer_in_the_protocols_shape(client):
    assert "application/json" in oip_error(client.post(INFER, headers=bearer(), data="x", content_type="text/plain"),
                                           415)
    too_big = client.post(INFER, headers=bearer(), json={"inputs": [text_tensor(["x" * 9000])]})
    assert "8192" in oip_error(too_big, 413)
    assert oip_error(client.post(INFER, headers=bearer(), json=["A."]), 400)  # 422 in the native API
    assert oip_error(client.get("/v2/repository/index"), 404)
    wrong_method = client.get(INFER, headers=bearer())
    assert oip_error(wrong_method, 405) and wrong_method.headers["Allow"] == "OPTIONS, POST"


def test_no_model_is_a_503(unready, api_schema):
    response = unready.test_client().post(INFER, json={"inputs": [text_tensor(["A."])]})
    assert "no model" in oip_error(conforms(api_schema, "post", INFER, response), 503)


# --- auth and metrics ----------------------------------------------------------------------------------

@pytest.mark.parametrize("headers, query, status", [({}, "", 401), (bearer("wrong"), "", 401),
                                                     ({}, f"?key={CLASSIFY_KEY}", 401), (bearer(ADMIN_KEY), "", 403)])
def test_inference_and_metadata_need_a_classify_key_in_the_header(client, api_schema, headers, query, status):
    for method, path in (("post", INFER), ("get", f"/v2/models/{MODEL}")):
        response = getattr(client, method)(path + query, headers=headers, json={"inputs": [text_tensor(["A."])]})
        oip_error(conforms(api_schema, method, path, response), status)
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_inference_is_counted_under_its_route_and_labels(client):
    version = client.get("/readyz").get_json()["model_version"]
    request_labels = {"endpoint": "/v2/models/<model_name>/infer", "method": "POST", "status": "200",
                      "model_version": version}
    label = native(client, SENTENCES[:1])["results"][0]["label"]
    sentence_labels = {"label": label, "model_version": version}
    before = [REGISTRY.get_sample_value(name, labels) or 0.0 for name, labels in
              (("claims_http_requests_total", request_labels), ("claims_sentences_classified_total", sentence_labels))]
    client.post(INFER, headers=bearer(), json={"inputs": [text_tensor(SENTENCES[:1] * 2)]})
    after = [REGISTRY.get_sample_value("claims_http_requests_total", request_labels),
             REGISTRY.get_sample_value("claims_sentences_classified_total", sentence_labels)]
    assert after == [before[0] + 1, before[1] + 2]


def test_the_model_name_setting_is_one_url_segment():
    assert load_settings(environ={})["OIP_MODEL_NAME"] == "claims"
    assert load_settings(environ={"CLAIMS_OIP_MODEL_NAME": "claims-v2.1"})["OIP_MODEL_NAME"] == "claims-v2.1"
    for bad in ("a/b", "two words", ""):
        with pytest.raises(SettingsError, match="OIP_MODEL_NAME"):
            load_settings({"OIP_MODEL_NAME": bad}, environ={})
