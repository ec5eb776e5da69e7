"""Shared fixtures: a tiny model trained into a temporary directory, the app, a client.

Tests never read ``models/``: the model they use is trained here, from a small
hand-written corpus in ``tests/fixtures``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service import create_app
from training import train

FIXTURES = Path(__file__).parent / "fixtures"
TINY_CORPUS = FIXTURES / "tiny_corpus.csv"


@pytest.fixture(scope="session", autouse=True)
def _feedback_store_in_temp_dir(tmp_path_factory):
    """Every app a test builds stores feedback in a temporary folder, never in the checkout
    (the default) nor wherever the developer's own CLAIMS_FEEDBACK_URL points."""
    url = f"sqlite:///{tmp_path_factory.mktemp('feedback') / 'feedback.sqlite3'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLAIMS_FEEDBACK_URL", url)
        yield url


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "tiny"
    train([TINY_CORPUS], out, cv_folds=3)
    return out


@pytest.fixture()
def app(trained_model_dir):
    return create_app({"MODEL_DIR": str(trained_model_dir), "MAX_SENTENCES": 5, "MAX_SENTENCE_CHARS": 200,
                       "MAX_BODY_BYTES": 4096})


@pytest.fixture()
def client(app):
    return app.test_client()


def write_csv(path: Path, content: str | bytes) -> Path:
    """Write a CSV for a test, bytes as they are, text as UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path
