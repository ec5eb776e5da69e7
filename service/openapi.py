"""The OpenAPI document: read once at start-up from ``openapi.yaml``, served as JSON.

The file is the single description of the HTTP contract; engineers adding an
endpoint add its path there. The limits a deployment configures are written into
the served copy, so a client (or schemathesis) sees the limits actually in force.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import yaml
from flask import Flask

__all__ = ["DOCUMENT_PATH", "load_document", "init_app", "EXTENSION_KEY"]

DOCUMENT_PATH = Path(__file__).with_name("openapi.yaml")
EXTENSION_KEY = "claims_openapi"


@functools.lru_cache(maxsize=8)
def _parsed_json(path: str, modified_ns: int) -> str:
    # Parsing the YAML takes about a second in pure Python; every app built in one
    # process (tests build hundreds) shares one parse, keyed by the file's mtime.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as stream:
        return json.dumps(yaml.load(stream, Loader=loader))


def load_document(settings: dict, path: Path = DOCUMENT_PATH) -> dict:
    """The OpenAPI document as a dict, with ``settings``' limits filled in."""
    document = json.loads(_parsed_json(str(path), path.stat().st_mtime_ns))
    schemas = document["components"]["schemas"]
    schemas["SentenceList"]["maxItems"] = settings["MAX_SENTENCES"]
    schemas["Sentence"]["maxLength"] = settings["MAX_SENTENCE_CHARS"]
    schemas["ArticleText"]["maxLength"] = settings["MAX_TEXT_CHARS"]
    return document


def init_app(app: Flask, settings: dict) -> None:
    """Serialise the document once; serving it is then a copy of bytes."""
    app.extensions[EXTENSION_KEY] = json.dumps(load_document(settings), ensure_ascii=False).encode("utf-8")
