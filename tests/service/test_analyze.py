"""POST /v1/analyze, the moderators' page at GET /, and `python -m service analyze`."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis

from service import create_app
from training import LABEL_IDS, SOURCE_KINDS, analyze_text, load_model

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = (
    "Protests spread to eight cities on Tuesday, according to the Interior Ministry.\n\n"
    '"We will not negotiate with criminals," said Jen Psaki, the White House press secretary. '
    "She added that talks could resume next week.\n\n"
    "Posts shared thousands of times claim the army has switched sides. "
    "Mr. Smith arrived in the U.S. on Jan. 5 and paid $3.50 for coffee."
)


@pytest.fixture(scope="module")
def app(trained_model_dir):
    # One app for the module: building one loads the model, and no test here changes it.
    return create_app({"MODEL_DIR": str(trained_model_dir), "MAX_TEXT_CHARS": 1000, "MAX_BODY_BYTES": 8192})


@pytest.fixture()
def client(app):
    return app.test_client()


def error_of(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == code
    return body["error"]["message"]


def test_analyze_reads_every_sentence_with_offsets_label_and_source(client):
    response = client.post("/v1/analyze", json={"text": ARTICLE})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    sentences = body["sentences"]
    assert [s["text"] for s in sentences] == [
        "Protests spread to eight cities on Tuesday, according to the Interior Ministry.",
        '"We will not negotiate with criminals," said Jen Psaki, the White House press secretary.',
        "She added that talks could resume next week.",
        "Posts shared thousands of times claim the army has switched sides.",
        "Mr. Smith arrived in the U.S. on Jan. 5 and paid $3.50 for coffee.",
    ]
    assert [s["paragraph"] for s in sentences] == [0, 1, 1, 2, 2]
    for index, s in enumerate(sentences):
        assert s["index"] == index
        assert ARTICLE[s["start"] : s["end"]] == s["text"]
        assert list(s["scores"]) == list(LABEL_IDS) and s["confidence"] == s["scores"][s["label"]]
        assert "explanation" not in s
        if s["source"] is not None:
            assert ARTICLE[s["source"]["start"] : s["source"]["end"]] == s["source"]["text"]
    sources = [s["source"] for s in sentences]
    assert (sources[0]["text"], sources[0]["kind"]) == ("the Interior Ministry", "official")
    assert (sources[1]["text"], sources[1]["kind"]) == ("Jen Psaki, the White House press secretary", "official")
    assert sources[2]["via"] == "pronoun" and sources[2]["text"] == sources[1]["text"]
    assert ARTICLE[sources[2]["mention"]["start"] : sources[2]["mention"]["end"]] == "She"
    assert (sources[3]["text"], sources[3]["kind"]) == ("Posts shared thousands of times", "diffuse")
    assert sources[4] is None


def test_summary_counts_what_the_sentences_say(client):
    body = client.post("/v1/analyze", json={"text": ARTICLE}).get_json()
    summary, sentences = body["summary"], body["sentences"]
    assert summary["sentences"] == len(sentences) == 5
    assert list(summary["labels"]) == list(LABEL_IDS)
    for label in LABEL_IDS:
        assert summary["labels"][label] == sum(s["label"] == label for s in sentences)
    unestablished = sum(s["label"] in ("rumor", "speculation") for s in sentences)
    assert summary["rumor_or_speculation_share"] == pytest.approx(unestablished / 5)
    assert list(summary["sources"]) == list(SOURCE_KINDS)
    assert summary["sources"]["official"] == 3 and summary["sources"]["diffuse"] == 1
    assert summary["unattributed"] == 1


def test_explain_adds_the_features_behind_each_label(client):
    body = client.post("/v1/analyze", json={"text": ARTICLE, "explain": True}).get_json()
    for s in body["sentences"]:
        assert isinstance(s["explanation"], list)
        weights = [item["weight"] for item in s["explanation"]]
        assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    assert any(s["explanation"] for s in body["sentences"])


def test_analyze_agrees_with_the_training_api(client, trained_model_dir):
    classifier = load_model(trained_model_dir)
    expected = {"model": {"version": classifier.version}, **analyze_text(classifier, ARTICLE).as_dict()}
    assert client.post("/v1/analyze", json={"text": ARTICLE}).get_json() == expected


@pytest.mark.parametrize(
    "payload, field, code",
    [
        ({}, "text", "invalid_field"),
        ({"text": None}, "text", "invalid_field"),
        ({"text": ["A sentence."]}, "text", "invalid_field"),
        ({"text": 42}, "text", "invalid_field"),
        ({"text": ""}, "text", "invalid_field"),
        ({"text": " \n\t "}, "text", "invalid_field"),
        ({"text": "x" * 1001}, "text", "text_too_long"),
        ({"text": "A sentence.", "explain": "yes"}, "explain", "invalid_field"),
    ],
)
def test_bad_input_names_the_field(client, payload, field, code):
    message = error_of(client.post("/v1/analyze", json=payload), 422, code)
    assert message.startswith(f"{field}:")
    if code == "text_too_long":
        assert "1001" in message and "1000" in message


def test_body_errors_are_the_same_as_for_classify(client):
    error_of(client.post("/v1/analyze", data="text=A", content_type="text/plain"), 415, "unsupported_media_type")
    error_of(client.post("/v1/analyze", data="{", content_type="application/json"), 400, "invalid_json")
    error_of(client.post("/v1/analyze", json={"text": "word " * 2000}), 413, "payload_too_large")
    error_of(client.get("/v1/analyze"), 405, "method_not_allowed")


def test_without_a_model_analyze_is_not_ready(tmp_path):
    client = create_app({"MODEL_DIR": str(tmp_path / "missing")}).test_client()
    error_of(client.post("/v1/analyze", json={"text": ARTICLE}), 503, "model_not_loaded")


def test_analyze_needs_a_key_like_classify_but_the_page_does_not(trained_model_dir):
    client = create_app({"MODEL_DIR": str(trained_model_dir), "API_KEYS": "mod-key:classify;ops:admin"}).test_client()
    error_of(client.post("/v1/analyze", json={"text": ARTICLE}), 401, "unauthorized")
    error_of(client.post("/v1/analyze", json={"text": ARTICLE}, headers={"Authorization": "Bearer ops"}), 403,
             "forbidden")
    ok = client.post("/v1/analyze", json={"text": ARTICLE}, headers={"Authorization": "Bearer mod-key"})
    assert ok.status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/static/analyze.js").status_code == 200


def test_the_document_describes_analyze_and_its_responses_conform(app, client):
    document = client.get("/openapi.json").get_json()
    assert document["components"]["schemas"]["ArticleText"]["maxLength"] == 1000
    operation = schemathesis.openapi.from_dict(document)["/v1/analyze"]["POST"]
    for payload, status in (({"text": ARTICLE, "explain": True}, 200), ({"text": ""}, 422)):
        response = client.post("/v1/analyze", json=payload)
        assert response.status_code == status
        operation.validate_response(response)
    broken = client.post("/v1/analyze", json={"text": ARTICLE})
    body = broken.get_json()
    del body["summary"]["unattributed"]
    broken.set_data(json.dumps(body))
    with pytest.raises(Exception, match="unattributed"):
        operation.validate_response(broken)


def test_the_page_has_a_labelled_form_a_legend_and_only_local_assets(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert re.search(r'<label for="text">', html) and 'id="text"' in html
    for label in LABEL_IDS:
        assert f'data-label="{label}"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(assets) == ["/static/analyze.css", "/static/analyze.js"]
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200
        assert not re.search(r"https?://", served.get_data(as_text=True)), f"{asset} loads something from outside"
    assert not re.search(r"https?://", html)


def test_service_analyze_cli_prints_what_the_endpoint_returns(client, trained_model_dir, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    expected = client.post("/v1/analyze", json={"text": ARTICLE, "explain": True}).get_json()
    # As a user runs it (one subprocess: it checks the `python -m service analyze` dispatch too).
    result = subprocess.run(
        [sys.executable, "-m", "service", "analyze", str(article), "--model", str(trained_model_dir), "--explain"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


def test_training_predict_article_prints_the_same_reading(client, trained_model_dir, tmp_path, capsys):
    from training.cli import main as training_main

    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    expected = client.post("/v1/analyze", json={"text": ARTICLE}).get_json()
    assert training_main(["predict", "--article", "--model", str(trained_model_dir), "--input", str(article)]) == 0
    assert json.loads(capsys.readouterr().out) == expected


def test_service_analyze_cli_rejects_bad_input(trained_model_dir, tmp_path, capsys, monkeypatch):
    from service.analyze_cli import main

    assert main([str(tmp_path / "nope.txt"), "--model", str(trained_model_dir)]) == 2
    assert "no such file" in capsys.readouterr().err
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n ", encoding="utf-8")
    assert main([str(blank), "--model", str(trained_model_dir)]) == 2
    assert "no text" in capsys.readouterr().err
    not_utf8 = tmp_path / "latin1.txt"
    not_utf8.write_bytes("Le ministère a parlé.".encode("latin-1"))
    assert main([str(not_utf8), "--model", str(trained_model_dir)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(ARTICLE))
    assert main(["-", "--model", str(tmp_path / "no-model")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
