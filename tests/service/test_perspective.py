"""The Perspective API drop-in (/v1alpha1/comments:analyze and :suggestscore), tested as a client sees it.

The request and response examples follow Perspective's public documentation of
``comments:analyze`` and ``comments:suggestscore`` (written here for our four
attributes). Expected scores are never hard-coded: they are read from the
native ``/v1/analyze`` for the same text, so a change in how the dialect maps
scores, offsets or thresholds shows up as a mismatch.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from prometheus_client import REGISTRY

from service import create_app
from training.feedback import open_feedback_store

CLASSIFY_KEY, ADMIN_KEY = "perspective-classify", "perspective-admin"
ANALYZE, SUGGEST = "/v1alpha1/comments:analyze", "/v1alpha1/comments:suggestscore"
# Three sentences; an emoji (two UTF-16 code units, one Python character) sits in the second,
# so every offset after it differs between UTF-16 and code points.
COMMENT = ("Police said two men were arrested on Tuesday. Posts shared online claim 🔥 the army has switched sides. "
           "Analysts believe the talks could collapse next week.")


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('perspective') / 'feedback.sqlite3'}"


@pytest.fixture(scope="module")
def app(trained_model_dir, store_url):
    # One app for the module (building one loads the model); tests that store feedback look at their own rows.
    return create_app({"MODEL_DIR": str(trained_model_dir), "MAX_SENTENCE_CHARS": 200, "MAX_TEXT_CHARS": 1000,
                       "MAX_BODY_BYTES": 8192, "API_KEYS": f"{CLASSIFY_KEY}:classify;{ADMIN_KEY}:admin",
                       "FEEDBACK_URL": store_url})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_dict(app.test_client().get("/openapi.json").get_json())


def analyze(client, body, key=CLASSIFY_KEY):
    return client.post(f"{ANALYZE}?key={key}", json=body)


def conforms(api_schema, path, response):
    """The response's status is documented for the operation and its body matches the document."""
    operation = api_schema[path]["POST"]
    assert str(response.status_code) in api_schema.raw_schema["paths"][path]["post"]["responses"]
    operation.validate_response(response)
    return response


def native_reading(client, text):
    """The native API's sentences (offsets in code points) and scores for ``text``."""
    response = client.post("/v1/analyze", json={"text": text}, headers={"Authorization": f"Bearer {CLASSIFY_KEY}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["sentences"]


def google_error(response, status, error_type=None):
    """Check a Google-shaped error and return its message."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == status
    details = {detail["@type"].rsplit(".", 1)[-1]: detail for detail in error["details"]}
    assert details["RequestInfo"]["requestId"] == response.headers["X-Request-ID"]
    if error_type is not None:
        assert error["status"] == "INVALID_ARGUMENT"
        assert details["Error"]["errorType"] == error_type
    return error["message"]


def stored_rows(store_url):
    with open_feedback_store(store_url) as store:
        return list(store.iter_feedback())


# --- comments:analyze ------------------------------------------------------------------------------

def test_documented_request_gets_a_summary_score_per_attribute(client, api_schema):
    response = conforms(api_schema, ANALYZE, analyze(client, {
        "comment": {"text": COMMENT}, "languages": ["en"], "requestedAttributes": {"RUMOR": {}, "OFFICIAL_CLAIM": {}},
    }))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body["attributeScores"]) == {"RUMOR", "OFFICIAL_CLAIM"}
    assert body["languages"] == ["en"] and "clientToken" not in body
    sentences = native_reading(client, COMMENT)
    for name, label in (("RUMOR", "rumor"), ("OFFICIAL_CLAIM", "official_claim")):
        scores = body["attributeScores"][name]
        assert "spanScores" not in scores  # only with spanAnnotations
        # The documented aggregation: the highest sentence score of the label.
        assert scores["summaryScore"] == {"value": max(s["scores"][label] for s in sentences), "type": "PROBABILITY"}


def test_span_annotations_give_each_sentence_in_utf16_offsets(client, api_schema):
    response = conforms(api_schema, ANALYZE, analyze(client, {
        "comment": {"text": COMMENT}, "requestedAttributes": {"SPECULATION": {}}, "spanAnnotations": True,
    }))
    spans = response.get_json()["attributeScores"]["SPECULATION"]["spanScores"]
    sentences = native_reading(client, COMMENT)
    assert len(spans) == len(sentences) == 3
    utf16 = COMMENT.encode("utf-16-le")
    for span, sentence in zip(spans, sentences):
        # A JavaScript client slices comment.text with these offsets: UTF-16 code units.
        assert utf16[2 * span["begin"]:2 * span["end"]].decode("utf-16-le") == sentence["text"]
        assert span["score"] == {"value": sentence["scores"]["speculation"], "type": "PROBABILITY"}
    # After the emoji the two kinds of offset part ways by one.
    assert spans[2]["begin"] == sentences[2]["start"] + 1


def test_score_threshold_leaves_out_what_is_below_it(client):
    sentences = native_reading(client, COMMENT)
    values = sorted(s["scores"]["rumor"] for s in sentences)
    assert values[0] < values[-1], "the test needs sentences that score differently"
    threshold = (values[0] + values[-1]) / 2
    body = analyze(client, {"comment": {"text": COMMENT}, "spanAnnotations": True, "requestedAttributes": {
        "RUMOR": {"scoreThreshold": threshold, "scoreType": "PROBABILITY"},
        "ATTRIBUTED_FACT": {"scoreThreshold": 1},  # no sentence is certain: left out entirely
        "SPECULATION": {"scoreThreshold": 0},
    }}).get_json()
    assert set(body["attributeScores"]) == {"RUMOR", "SPECULATION"}
    kept = [span["score"]["value"] for span in body["attributeScores"]["RUMOR"]["spanScores"]]
    assert kept == [s["scores"]["rumor"] for s in sentences if s["scores"]["rumor"] >= threshold]
    assert 0 < len(kept) < len(sentences)
    assert len(body["attributeScores"]["SPECULATION"]["spanScores"]) == len(sentences)


def test_client_token_and_languages_are_echoed(client):
    body = analyze(client, {"comment": {"text": COMMENT, "type": "PLAIN_TEXT"}, "requestedAttributes": {"RUMOR": None},
                            "languages": ["en-GB"], "clientToken": "comment-53922", "doNotStore": True,
                            "sessionId": "s-1", "communityId": "/forum/news", "context": {"entries": []}}).get_json()
    assert body["clientToken"] == "comment-53922" and body["languages"] == ["en-GB"]


@pytest.mark.parametrize("languages", [["fr"], ["en", "de"], ["eng-x"]])
def test_a_language_other_than_english_is_refused_like_perspective(client, api_schema, languages):
    response = conforms(api_schema, ANALYZE, analyze(client, {
        "comment": {"text": COMMENT}, "requestedAttributes": {"SPECULATION": {}, "RUMOR": {}}, "languages": languages,
    }))
    message = google_error(response, 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")
    assert message.startswith("Attribute SPECULATION does not support request languages")
    detail = response.get_json()["error"]["details"][0]["languageNotSupportedByAttributeError"]
    assert detail == {"requestedLanguages": languages, "attribute": "SPECULATION"}


def test_drop_unsupported_attributes_answers_with_none(client):
    response = analyze(client, {"comment": {"text": COMMENT}, "requestedAttributes": {"RUMOR": {}},
                                "languages": ["fr"], "dropUnsupportedAttributes": True})
    assert response.status_code == 200
    assert response.get_json() == {"attributeScores": {}, "languages": ["fr"]}


@pytest.mark.parametrize(
    "body, error_type, names",
    [
        ({"comment": {"text": "  \n "}, "requestedAttributes": {"RUMOR": {}}}, "COMMENT_EMPTY", "comment.text"),
        ({"comment": {"text": "x" * 1001}, "requestedAttributes": {"RUMOR": {}}}, "COMMENT_TOO_LONG", "1000"),
        ({"comment": {"text": "A."}}, "NO_REQUESTED_ATTRIBUTES", "requestedAttributes"),
        ({"comment": {"text": "A."}, "requestedAttributes": {}}, "NO_REQUESTED_ATTRIBUTES", "requestedAttributes"),
        ({"comment": {"text": "A."}, "requestedAttributes": {"TOXICITY": {}}}, "INVALID_REQUEST", "TOXICITY"),
        ({"comment": {"text": "A."}, "requestedAttributes": {"rumor": {}}}, "INVALID_REQUEST", "RUMOR"),
        ({"comment": {"text": "<b>A.</b>", "type": "HTML"}, "requestedAttributes": {"RUMOR": {}}},
         "INVALID_REQUEST", "PLAIN_TEXT"),
        ({"comment": {"text": "A."}, "requestedAttributes": {"RUMOR": {"scoreType": "STD_DEV_SCORE"}}},
         "INVALID_REQUEST", "STD_DEV_SCORE"),
        ({"comment": {"text": "A."}, "requestedAttributes": {"RUMOR": {"scoreThreshold": 1.5}}},
         "INVALID_REQUEST", "requestedAttributes.RUMOR.scoreThreshold"),
        ({"comment": {"text": "A."}, "requestedAttributes": {"RUMOR": {}}, "spanAnnotations": "yes"},
         "INVALID_REQUEST", "spanAnnotations"),
        ({"comment": {"text": "A."}, "requestedAttributes": {"RUMOR": {}}, "requested_languages": ["en"]},
         "INVALID_REQUEST", "requested_languages"),
        ({"comment": "A.", "requestedAttributes": {"RUMOR": {}}}, "INVALID_REQUEST", "comment"),
    ],
)
def test_bad_requests_are_perspective_400s_naming_the_fault(client, api_schema, body, error_type, names):
    response = conforms(api_schema, ANALYZE, analyze(client, body))
    assert names in google_error(response, 400, error_type)


def test_shared_limits_answer_in_perspective_shape(client, api_schema):
    too_big = client.post(f"{ANALYZE}?key={CLASSIFY_KEY}", content_type="application/json",
                          data=json.dumps({"comment": {"text": "x" * 9000}, "requestedAttributes": {"RUMOR": {}}}))
    assert "8192" in google_error(conforms(api_schema, ANALYZE, too_big), 413)
    wrong_type = client.post(f"{ANALYZE}?key={CLASSIFY_KEY}", data="text=A.", content_type="text/plain")
    assert "application/json" in google_error(conforms(api_schema, ANALYZE, wrong_type), 415)
    not_json = client.post(f"{ANALYZE}?key={CLASSIFY_KEY}", data="{", content_type="application/json")
    assert "not valid JSON" in google_error(conforms(api_schema, ANALYZE, not_json), 400)
    array = analyze(client, ["A."])  # shared validation says 422; Perspective says 400
    assert response_status(array) == (400, "INVALID_ARGUMENT")


def response_status(response):
    return response.status_code, response.get_json()["error"]["status"]


# --- auth -------------------------------------------------------------------------------------------

def test_the_key_is_accepted_as_a_query_parameter_or_a_bearer_header(client):
    body = {"comment": {"text": COMMENT}, "requestedAttributes": {"RUMOR": {}}}
    assert client.post(f"{ANALYZE}?key={CLASSIFY_KEY}", json=body).status_code == 200
    assert client.post(ANALYZE, json=body, headers={"Authorization": f"Bearer {CLASSIFY_KEY}"}).status_code == 200


@pytest.mark.parametrize(
    "query, headers, status, rpc_status, says",
    [
        ("", {}, 401, "UNAUTHENTICATED", "?key=<key>"),
        ("?key=", {}, 401, "UNAUTHENTICATED", "?key=<key>"),
        ("?key=not-a-key", {}, 401, "UNAUTHENTICATED", "not recognised"),
        # The header wins: a bad header is not rescued by a good ?key=.
        (f"?key={CLASSIFY_KEY}", {"Authorization": "Bearer not-a-key"}, 401, "UNAUTHENTICATED", "not recognised"),
        (f"?key={ADMIN_KEY}", {}, 403, "PERMISSION_DENIED", "'classify'"),
    ],
)
def test_missing_unknown_or_unprivileged_keys_get_google_shaped_errors(client, api_schema, query, headers, status,
                                                                        rpc_status, says):
    for path in (ANALYZE, SUGGEST):
        response = client.post(path + query, json={}, headers=headers)
        conforms(api_schema, path, response)
        assert says in google_error(response, status)
        assert response.get_json()["error"]["status"] == rpc_status
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_query_key_is_not_accepted_on_the_native_api(client):
    response = client.post(f"/v1/classify?key={CLASSIFY_KEY}", json={"sentences": ["A."]})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"  # and the native shape, unchanged


def test_unknown_paths_and_methods_under_the_prefix_answer_in_perspective_shape(client):
    wrong_method = client.get(f"{ANALYZE}?key={CLASSIFY_KEY}")
    assert google_error(wrong_method, 405) and "POST" in wrong_method.headers["Allow"]
    assert google_error(client.post(f"/v1alpha1/comments:score?key={CLASSIFY_KEY}", json={}), 404)


# --- metrics and logs --------------------------------------------------------------------------------

def test_requests_are_counted_under_their_route(client):
    version = client.get("/readyz").get_json()["model_version"]
    labels = {"endpoint": ANALYZE, "method": "POST", "status": "200", "model_version": version}
    before = REGISTRY.get_sample_value("claims_http_requests_total", labels) or 0.0
    analyze(client, {"comment": {"text": COMMENT}, "requestedAttributes": {"RUMOR": {}}})
    assert REGISTRY.get_sample_value("claims_http_requests_total", labels) == before + 1
    metrics = client.get("/metrics").get_data(as_text=True)
    assert f'endpoint="{ANALYZE}"' in metrics


def access_lines(captured_err: str) -> list[dict]:
    lines = [json.loads(line) for line in captured_err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "service.access"]


def test_do_not_store_keeps_the_text_out_of_a_debug_access_log(trained_model_dir, capsys):
    client = create_app({"MODEL_DIR": str(trained_model_dir), "LOG_REQUEST_TEXT": True}).test_client()
    capsys.readouterr()
    body = {"comment": {"text": COMMENT}, "requestedAttributes": {"RUMOR": {}}}
    client.post(ANALYZE, json=body)
    client.post(ANALYZE, json={**body, "doNotStore": True})
    logged, private = access_lines(capsys.readouterr().err)
    assert "Police said" in json.dumps(logged["text"])  # the debug setting is on ...
    assert "text" not in private and "Police" not in json.dumps(private)  # ... and doNotStore still wins
    assert private["sentences"] == 3 and private["route"] == ANALYZE


# --- comments:suggestscore ------------------------------------------------------------------------------

def suggest(client, body):
    return client.post(f"{SUGGEST}?key={CLASSIFY_KEY}", json=body)


def test_a_summary_suggestion_is_stored_as_feedback(client, api_schema, store_url):
    text = "Word spread on social media that the mayor had resigned."
    before = len(stored_rows(store_url))
    response = conforms(api_schema, SUGGEST, suggest(client, {
        "comment": {"text": f"  {text} "}, "attributeScores": {"RUMOR": {"summaryScore": {"value": 1}},
                                                             "SPECULATION": {"summaryScore": {"value": 0}}},
        "communityId": "/forum/local", "clientToken": "comment-7",
    }))
    assert response.status_code == 200 and response.get_json() == {"clientToken": "comment-7"}
    rows = stored_rows(store_url)
    assert len(rows) == before + 1
    entry = rows[-1].entry
    prediction = client.post("/v1/classify", json={"sentences": [text]},
                             headers={"Authorization": f"Bearer {CLASSIFY_KEY}"}).get_json()
    assert (entry.text, entry.label) == (text, "rumor")
    assert entry.predicted_label == prediction["results"][0]["label"]
    assert entry.model_version == prediction["model"]["version"]
    assert "suggestscore" in entry.note


def test_span_suggestions_store_each_sentence_with_its_own_label(client, store_url):
    first, second = "Posts shared online claim 🔥 the army fled.", "Officials said the border stays open."
    comment = f"{first} {second}"
    begin = len(first.encode("utf-16-le")) // 2 + 1  # UTF-16 offsets, as a Perspective client counts
    end = begin + len(second)
    before = len(stored_rows(store_url))
    response = suggest(client, {"comment": {"text": comment}, "attributeScores": {
        "RUMOR": {"spanScores": [{"begin": 0, "end": begin - 1, "score": {"value": 0.9, "type": "PROBABILITY"}}]},
        "OFFICIAL_CLAIM": {"spanScores": [{"begin": begin, "end": end, "score": {"value": 1}},
                                          {"begin": 0, "end": begin - 1, "score": {"value": 0.1}}]},
    }})
    assert response.status_code == 200 and response.get_json() == {}
    new = [(row.entry.text, row.entry.label) for row in stored_rows(store_url)[before:]]
    assert new == [(first, "rumor"), (second, "official_claim")]


def test_a_retried_suggestion_is_stored_once(client, store_url):
    body = {"comment": {"text": "Unconfirmed reports say the governor left the capital."},
            "attributeScores": {"RUMOR": {"summaryScore": {"value": 1}}}}
    assert suggest(client, body).status_code == 200
    count = len(stored_rows(store_url))
    assert suggest(client, body).status_code == 200
    assert len(stored_rows(store_url)) == count


def test_do_not_store_stores_nothing(client, store_url):
    before = len(stored_rows(store_url))
    response = suggest(client, {"comment": {"text": "A private message about the strike."}, "doNotStore": True,
                                "attributeScores": {"SPECULATION": {"summaryScore": {"value": 1}}},
                                "clientToken": "t-9"})
    assert response.status_code == 200 and response.get_json() == {"clientToken": "t-9"}
    rows = stored_rows(store_url)
    assert len(rows) == before and all("private message" not in row.entry.text for row in rows)


def test_a_suggestion_that_only_says_what_a_text_is_not_stores_nothing(client, store_url):
    before = len(stored_rows(store_url))
    response = suggest(client, {"comment": {"text": "The bridge reopened on Monday."},
                                "attributeScores": {"RUMOR": {"summaryScore": {"value": 0}}}})
    assert response.status_code == 200
    assert len(stored_rows(store_url)) == before


@pytest.mark.parametrize(
    "comment, scores, names",
    [
        ("A rumour spread.", {"RUMOR": {"summaryScore": {"value": 1}}, "SPECULATION": {"summaryScore": {"value": 0.5}}},
         "RUMOR and SPECULATION"),
        ("A rumour spread.", {"RUMOR": {"spanScores": [{"begin": 3, "end": 99, "score": {"value": 1}}]}},
         "attributeScores.RUMOR.spanScores[0]"),
        # 9 falls between the two UTF-16 code units of the emoji.
        ("🔥🔥🔥🔥🔥 x", {"RUMOR": {"spanScores": [{"begin": 0, "end": 9, "score": {"value": 1}}]}},
         "character boundaries"),
        ("A rumour spread.", {"RUMOR": {"spanScores": [{"begin": 2, "score": {"value": 1}}]}},
         "spanScores[0].end"),
        ("A rumour spread.", {"RUMOR": {}}, "attributeScores.RUMOR"),
        ("A rumour spread.", {}, "attributeScores"),
        ("A rumour spread.", {"TOXICITY": {"summaryScore": {"value": 1}}}, "TOXICITY"),
        ("A rumour spread.", {"RUMOR": {"summaryScore": {"value": 2}}}, "summaryScore.value"),
        ("A rumour spread. " * 20, {"RUMOR": {"summaryScore": {"value": 1}}}, "spanScores for the sentences"),
    ],
)
def test_bad_suggestions_are_perspective_400s_and_store_nothing(client, api_schema, store_url, comment, scores, names):
    before = len(stored_rows(store_url))
    response = conforms(api_schema, SUGGEST, suggest(client, {"comment": {"text": comment}, "attributeScores": scores}))
    assert names in google_error(response, 400, "INVALID_REQUEST")
    assert len(stored_rows(store_url)) == before


def test_suggest_refuses_other_languages(client):
    response = suggest(client, {"comment": {"text": "Un rumeur."}, "languages": ["fr"],
                                "attributeScores": {"RUMOR": {"summaryScore": {"value": 1}}}})
    assert "Attribute RUMOR" in google_error(response, 400, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE")


def test_an_unreachable_feedback_store_is_a_503_in_perspective_shape(trained_model_dir, tmp_path, api_schema):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    client = create_app({"MODEL_DIR": str(trained_model_dir),
                         "FEEDBACK_URL": f"sqlite:///{blocker / 'feedback.sqlite3'}"}).test_client()
    response = conforms(api_schema, SUGGEST, suggest(client, {
        "comment": {"text": "A rumour spread."}, "attributeScores": {"RUMOR": {"summaryScore": {"value": 1}}}}))
    assert "unavailable" in google_error(response, 503)
    assert response.get_json()["error"]["status"] == "UNAVAILABLE" and response.headers["Retry-After"]


def test_no_model_is_a_503_in_perspective_shape(tmp_path, api_schema):
    client = create_app({"MODEL_DIR": str(tmp_path / "missing")}).test_client()
    response = conforms(api_schema, ANALYZE, client.post(ANALYZE, json={
        "comment": {"text": COMMENT}, "requestedAttributes": {"RUMOR": {}}}))
    assert "no model" in google_error(response, 503)
