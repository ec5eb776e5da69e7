"""``python -m training export-feedback``: store -> corpus CSV -> ``training train``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from training import read_corpus
from training.cli import main
from training.feedback import FeedbackEntry, open_feedback_store

from .conftest import url_for


def fill(url):
    with open_feedback_store(url) as store:
        store.add(FeedbackEntry("Shares rose 4% amid speculation of a bid.", "rumor", "speculation", "v1"))
        store.add(FeedbackEntry("Economists expect the bank to raise rates.", "speculation", "rumor", "v1", "forecast"))
        store.add(FeedbackEntry("Shares rose 4% amid speculation of a bid.", "attributed_fact", "rumor", "v2"))


@pytest.mark.parametrize("backend", ["sqlite", "csv", "postgresql"])
def test_export_then_read_as_training_data(backend, tmp_path, request, capsys):
    url = url_for(backend, tmp_path, request)
    fill(url)
    out = tmp_path / "feedback-export.csv"
    assert main(["export-feedback", "--url", url, "--out", str(out), "--latest-per-text"]) == 0
    assert "2 feedback row(s)" in capsys.readouterr().out
    corpus = read_corpus([out])
    assert dict(zip(corpus.texts, corpus.labels)) == {
        "Economists expect the bank to raise rates.": "speculation",
        "Shares rose 4% amid speculation of a bid.": "attributed_fact",  # the later correction wins
    }


def test_exported_feedback_trains_a_model(tmp_path):
    """The whole loop as the lead runs it: export, then train on the corpus plus the export."""
    from tests.conftest import TINY_CORPUS

    url = url_for("sqlite", tmp_path, None)
    with open_feedback_store(url) as store:
        store.add(FeedbackEntry("A viral post claims the bridge was sabotaged overnight.", "rumor", "attributed_fact",
                                "v1"))
    out = tmp_path / "feedback.csv"
    run = subprocess.run([sys.executable, "-m", "training", "export-feedback", "--url", url, "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert main(["train", "--data", str(TINY_CORPUS), str(out), "--out", str(tmp_path / "model"), "--no-eval",
                 "--quiet"]) == 0
    assert (tmp_path / "model" / "metadata.json").is_file()


def test_url_comes_from_the_environment_when_not_given(tmp_path, monkeypatch, capsys):
    url = url_for("csv", tmp_path, None)
    fill(url)
    monkeypatch.setenv("CLAIMS_FEEDBACK_URL", url)
    assert main(["export-feedback", "--out", str(tmp_path / "all.csv")]) == 0
    assert (tmp_path / "all.csv").read_text(encoding="utf-8").count("\n") == 4  # header + every row


@pytest.mark.parametrize(
    "args, message",
    [
        (["--url", "sqlite:///{tmp}/missing.sqlite3"], "no feedback database file"),
        (["--url", "redis://localhost/0"], "not supported"),
        (["--url", "csv://{tmp}/nothing-here"], "no feedback file"),
    ],
)
def test_bad_input_exits_2_with_a_message(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CLAIMS_FEEDBACK_URL", raising=False)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["export-feedback", *args, "--out", str(tmp_path / "out.csv")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "missing.sqlite3").exists()


def test_missing_url_and_missing_folder_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CLAIMS_FEEDBACK_URL", raising=False)
    assert main(["export-feedback", "--out", str(tmp_path / "out.csv")]) == 2
    assert "--url" in capsys.readouterr().err
    url = url_for("csv", tmp_path, None)
    fill(url)
    assert main(["export-feedback", "--url", url, "--out", str(tmp_path / "no" / "out.csv")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_unreachable_database_exits_1(tmp_path, capsys):
    assert main(["export-feedback", "--url", "postgresql://x:secret@127.0.0.1:9/db",
                 "--out", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert "127.0.0.1" in err and "secret" not in err
