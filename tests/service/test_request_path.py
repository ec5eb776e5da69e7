"""The cheaper request path gives the old answers: JSON in and out, the body as gunicorn hands it over, ids.

``service/jsonio.py`` parses and serialises with orjson only where that gives the
standard library's result; ``validation.json_body`` reads a ``Content-Length`` body
straight from an input the server terminates (gunicorn sets ``wsgi.input_terminated``;
Flask's test client does not, so the tests here set it).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import uuid

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from service import jsonio
from service.observability import _new_request_id

GUNICORN_LIKE = {"wsgi.input_terminated": True}


# --- parsing -----------------------------------------------------------------------------------

BODIES = [
    b'{"sentences": ["A.", "B."], "explain": true, "abstain_below": 0.5}',
    b'{"a": 12345678901234567890123}',  # past 64 bits: orjson would make it a float
    b'{"a": -9223372036854775809}',
    b'{"a": 18446744073709551615, "b": 1e400, "c": -0.0, "d": 5e-324}',
    b'{"a": 1, "a": 2}',
    b'{"a": "\\u0000 \\ud83d\\ude00 \\ud800"}',  # a lone surrogate: orjson refuses, json accepts
    b'\xef\xbb\xbf{"a": 1}',  # UTF-8 with a BOM
    '{"a": "\u00e9"}'.encode("utf-16"),
    '{"a": "\u00e9"}'.encode("utf-32-le"),
    b'{"a": NaN, "b": Infinity, "c": -Infinity}',
    b"[" * 300 + b"]" * 300,
    b'  {"a": [1, 2.50, 1E2, 1e-7, 0.1e1]}  ',
    b'"just a string"',
    b"",
    b"{'sentences':",
    b'{"a": 1} x',
    b'{"a": 01}',
    b'{"a": "\t"}',
    b'{"a": "\xff"}',
    b"\xff\xfe",
]


def outcome(parse, raw):
    try:
        return "ok", repr(parse(raw))
    except RecursionError:
        return "RecursionError", ""
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included: the message matters
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("raw", BODIES)
def test_loads_gives_what_json_loads_gives(raw):
    assert outcome(jsonio.loads, raw) == outcome(json.loads, raw)


def test_invalid_json_is_described_as_before(client):
    response = client.post("/v1/classify", data='{"sentences": [', content_type="application/json",
                           environ_overrides=GUNICORN_LIKE)
    assert response.status_code == 400
    expected = "request body is not valid JSON: " + str(pytest.raises(ValueError, json.loads, '{"sentences": [').value)
    assert response.get_json()["error"]["message"] == expected


# --- serialising -------------------------------------------------------------------------------

@dataclasses.dataclass
class Point:
    x: int
    when: datetime.date


VALUES = [
    {"model": {"version": "v1"}, "results": [{"label": "rumor", "confidence": 0.93683,
                                              "scores": {"rumor": 0.93683, "speculation": 0.06317}}]},
    {"status": "ok"},
    {"b": 1, "a": [True, False, None, 0, -1, 1.5, "x\n\"\\/\x01"], "c": {}},
    {"text": "caf\u00e9 \u201cquoted\u201d \U0001f600"},  # non-ASCII: json's \u escapes
    {"when": datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.timezone.utc)},  # Flask: HTTP date
    {"day": datetime.date(2026, 11, 28), "point": Point(1, datetime.date(2026, 1, 2))},
    {"amount": decimal.Decimal("1.10"), "id": uuid.UUID(int=7)},
    {1: "int key", "s": "str key"},
    {"big": 2**70, "negative": -(2**70)},
    [1, 2, 3],
    "plain",
    None,
]


def provider_pair(sort_keys: bool):
    fast_app, flask_app = Flask("fast"), Flask("flask")
    fast_app.json = jsonio.FastJSONProvider(fast_app)
    for app in (fast_app, flask_app):
        app.json.sort_keys = sort_keys
    return fast_app, flask_app


@pytest.mark.parametrize("sort_keys", [False, True])
@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_responses_match_flasks_own_provider(value, sort_keys):
    fast_app, flask_app = provider_pair(sort_keys)
    with flask_app.app_context():
        try:
            plain = flask_app.json.response(value)
        except TypeError:  # e.g. sorting int and str keys: the fast provider must fail alike
            with fast_app.app_context(), pytest.raises(TypeError):
                fast_app.json.response(value)
            return
    with fast_app.app_context():
        fast = fast_app.json.response(value)
    assert isinstance(flask_app.json, DefaultJSONProvider) and not isinstance(flask_app.json, jsonio.FastJSONProvider)
    assert fast.get_data() == plain.get_data()
    assert fast.mimetype == plain.mimetype == "application/json"
    assert fast.headers["Content-Length"] == plain.headers["Content-Length"]


def test_float_spelling_is_the_only_difference_and_reads_back_the_same():
    fast_app, flask_app = provider_pair(sort_keys=False)
    value = {"scores": [1e-06, 2.5e-05, 0.000123, 1e16, 0.5]}
    with fast_app.app_context():
        fast = fast_app.json.response(value).get_data()
    with flask_app.app_context():
        plain = flask_app.json.response(value).get_data()
    assert json.loads(fast) == json.loads(plain) == value


def test_indented_output_in_debug_is_flasks():
    fast_app, flask_app = provider_pair(sort_keys=False)
    for app in (fast_app, flask_app):
        app.json.compact = False
    with fast_app.app_context():
        fast = fast_app.json.response({"a": [1, 2]}).get_data()
    with flask_app.app_context():
        plain = flask_app.json.response({"a": [1, 2]}).get_data()
    assert fast == plain and b"\n  " in fast


def test_the_service_uses_the_fast_provider_with_label_order_kept(app, client):
    assert isinstance(app.json, jsonio.FastJSONProvider) and app.json.sort_keys is False
    scores = client.post("/v1/classify", json={"sentences": ["Police said it."]}).get_json()["results"][0]["scores"]
    assert list(scores) == ["attributed_fact", "official_claim", "speculation", "rumor"]


# --- the body as gunicorn hands it over --------------------------------------------------------

def test_a_terminated_body_is_read_and_classified(client):
    plain = client.post("/v1/classify", json={"sentences": ["Police said two men were arrested."]})
    direct = client.post("/v1/classify", json={"sentences": ["Police said two men were arrested."]},
                         environ_overrides=GUNICORN_LIKE)
    assert direct.status_code == plain.status_code == 200
    assert direct.get_json() == plain.get_json()


def test_a_terminated_body_past_the_limit_is_still_a_413(client):
    response = client.post("/v1/classify", data=json.dumps({"sentences": ["x" * 5000]}),
                           content_type="application/json", environ_overrides=GUNICORN_LIKE)
    assert response.status_code == 413 and "4096" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_content_types_with_parameters_or_capitals_are_accepted(client, content_type):
    response = client.post("/v1/classify", data=json.dumps({"sentences": ["A."]}), content_type=content_type,
                           environ_overrides=GUNICORN_LIKE)
    assert response.status_code == 200, response.get_data(as_text=True)


class ShortReads:
    """A WSGI input that returns at most ``step`` bytes per read, as a socket may."""

    def __init__(self, data: bytes, step: int):
        self.data, self.step = data, step

    def read(self, size=-1):
        size = len(self.data) if size is None or size < 0 else size
        part, self.data = self.data[:min(size, self.step)], self.data[min(size, self.step):]
        return part


def test_a_body_that_arrives_in_short_reads_is_read_whole(client):
    body = json.dumps({"sentences": ["Police said two men were arrested."]}).encode()
    response = client.post("/v1/classify", data=body, content_type="application/json",
                           environ_overrides={**GUNICORN_LIKE, "wsgi.input": ShortReads(body, 7)})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_body_cut_short_is_invalid_json_not_a_hang(client):
    body = json.dumps({"sentences": ["Police said two men were arrested."]}).encode()
    response = client.post("/v1/classify", data=body, content_type="application/json",
                           environ_overrides={**GUNICORN_LIKE, "wsgi.input": ShortReads(body[:20], 7)})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("depth, status", [(10, 200), (11, 400)])
def test_the_depth_limit_holds_on_the_direct_path(client, depth, status):
    body = '{"sentences": ["A."], "extra": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"
    response = client.post("/v1/classify", data=body, content_type="application/json",
                           environ_overrides=GUNICORN_LIKE)
    assert response.status_code == status, response.get_data(as_text=True)


def test_brackets_inside_strings_do_not_count_as_nesting(client):
    body = json.dumps({"sentences": ["[[[[[[[[[[[[ {{{{{{{{{{{{ quoted brackets"]})
    response = client.post("/v1/classify", data=body, content_type="application/json",
                           environ_overrides=GUNICORN_LIKE)
    assert response.status_code == 200, response.get_data(as_text=True)


# --- request ids -------------------------------------------------------------------------------

def test_generated_request_ids_are_version_4_uuids():
    ids = {_new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for request_id in ids:
        parsed = uuid.UUID(hex=request_id)
        assert len(request_id) == 32 and request_id == request_id.lower()
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
