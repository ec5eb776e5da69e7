"""``training train --promote-if-better``: a new model replaces the current one only if it
is not worse on a held-out set (or with ``--force``)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from tests.conftest import TINY_CORPUS, write_csv
from training import load_model
from training.cli import EXIT_BAD_INPUT, EXIT_NOT_PROMOTED, EXIT_OK, main
from training.artifacts import file_sha256

LABELS = ["attributed_fact", "official_claim", "speculation", "rumor"]

# Sentences of the tiny corpus's kinds that are not in it: the held-out set.
HELD_OUT = """text,label
"Records show the ferry left port forty minutes late on Sunday.",attributed_fact
"A survey published in May found that rents rose by a fifth.",attributed_fact
"The minister said the new rules would take effect in April.",official_claim
"Police said they had detained three people after the protest.",official_claim
"Analysts say prices could rise again next year.",speculation
"The storm may reach the coast by Friday, forecasters believe.",speculation
"Posts shared online claim the mayor has fled the city.",rumor
"Unconfirmed reports suggest the border crossing has been closed.",rumor
"""


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def holdout(tmp_path):
    return write_csv(tmp_path / "held_out.csv", HELD_OUT)


@pytest.fixture(scope="module")
def scrambled_corpus(tmp_path_factory):
    """The tiny corpus with every label moved to the next one: a model trained on it is poor."""
    with TINY_CORPUS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    lines = ["text,label"] + [
        '"{}",{}'.format(row["text"].replace('"', '""'), LABELS[(LABELS.index(row["label"]) + 1) % 4]) for row in rows
    ]
    return write_csv(tmp_path_factory.mktemp("scrambled") / "scrambled.csv", "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def weak_model_dir(tmp_path_factory, scrambled_corpus):
    out = tmp_path_factory.mktemp("weak") / "model"
    assert main(["train", "--data", str(scrambled_corpus), "--out", str(out), "--no-eval", "--quiet"]) == 0
    return out


def current_at(tmp_path, source):
    current = tmp_path / "models" / "default"
    shutil.copytree(source, current)
    return current


def test_a_better_model_replaces_the_current_one(capsys, tmp_path, holdout, weak_model_dir):
    current = current_at(tmp_path, weak_model_dir)
    old_version = load_model(current).version

    code, out, _ = run(capsys, "train", "--data", TINY_CORPUS, "--out", current, "--no-eval", "--quiet",
                       "--promote-if-better", "--holdout", holdout)

    assert code == EXIT_OK
    promoted = load_model(current)
    assert promoted.version != old_version
    record = promoted.metadata["promotion"]
    assert record["promote"] is True and record["forced"] is False and record["holdout_rows"] == 8
    assert record["current_version"] == old_version
    assert record["candidate_macro_f1"] > record["current_macro_f1"]
    assert "held-out comparison (8 rows)" in out and "promote:" in out


def test_a_worse_model_is_not_saved_and_exits_3(capsys, tmp_path, holdout, trained_model_dir, scrambled_corpus):
    current = current_at(tmp_path, trained_model_dir)
    before = file_sha256(current / "model.joblib"), (current / "metadata.json").read_bytes()

    code, out, err = run(capsys, "train", "--data", scrambled_corpus, "--out", current, "--no-eval", "--quiet",
                         "--promote-if-better", "--holdout", holdout)

    assert code == EXIT_NOT_PROMOTED == 3
    assert "not promoted" in err and "worse than" in err and "--force" in err
    assert (file_sha256(current / "model.joblib"), (current / "metadata.json").read_bytes()) == before
    assert sorted(p.name for p in current.parent.iterdir()) == ["default"]  # no staging left behind
    assert "keep current:" in out


def test_force_replaces_even_a_worse_model_and_says_so(capsys, tmp_path, holdout, trained_model_dir,
                                                       scrambled_corpus):
    current = current_at(tmp_path, trained_model_dir)
    old_version = load_model(current).version

    code, _, _ = run(capsys, "train", "--data", scrambled_corpus, "--out", current, "--no-eval", "--quiet",
                     "--promote-if-better", "--holdout", holdout, "--force")

    assert code == EXIT_OK
    metadata = json.loads((current / "metadata.json").read_text())
    assert metadata["version"] != old_version
    assert metadata["promotion"]["promote"] is False and metadata["promotion"]["forced"] is True


def test_without_a_current_model_the_candidate_is_promoted(capsys, tmp_path, holdout):
    out_dir = tmp_path / "models" / "new"
    code, out, _ = run(capsys, "train", "--data", TINY_CORPUS, "--out", out_dir, "--no-eval", "--quiet",
                       "--promote-if-better", "--holdout", holdout)
    assert code == EXIT_OK and "no current model" in out
    assert load_model(out_dir).metadata["promotion"]["current_version"] is None


def test_a_held_out_set_that_overlaps_training_is_refused_before_training(capsys, tmp_path, trained_model_dir):
    current = current_at(tmp_path, trained_model_dir)
    leaked = write_csv(tmp_path / "leaked.csv", HELD_OUT + "Police said they had arrested 14 people after the match.,"
                       "official_claim\n")
    code, _, err = run(capsys, "train", "--data", TINY_CORPUS, "--out", current, "--promote-if-better",
                       "--holdout", leaked)
    assert code == EXIT_BAD_INPUT
    assert "1 held-out sentence(s) are also in the training data" in err and "arrested 14 people" in err
    assert "fitting" not in err  # refused before any training


@pytest.mark.parametrize(
    "extra, message",
    [(["--promote-if-better"], "needs --holdout"), (["--force"], "only apply with --promote-if-better"),
     (["--holdout", "x.csv"], "only apply with --promote-if-better")],
)
def test_guard_options_must_go_together(capsys, tmp_path, extra, message):
    code, _, err = run(capsys, "train", "--data", TINY_CORPUS, "--out", tmp_path / "m", *extra)
    assert code == EXIT_BAD_INPUT and message in err
    assert not (tmp_path / "m").exists()
