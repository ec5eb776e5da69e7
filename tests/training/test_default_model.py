"""Regression floor: the default model trained from data/ on sentences it never saw.

tests/fixtures/heldout_sentences.csv holds 60 sentences written for this test
(15 per label), none of them in data/. Our own sentences are easier than real
news (see docs/model-card.md for the real-news figures), so the floor is high:
falling below it means the corpus or the pipeline broke, not bad luck.
"""

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from training import read_corpus, train
from training.evaluation import score_predictions

DATA = Path(__file__).resolve().parents[2] / "data"
FLOOR_MACRO_F1 = 0.85
FLOOR_PER_LABEL_F1 = 0.75


@pytest.fixture(scope="module")
def default_classifier():
    return train([DATA], evaluate=False).classifier


def test_held_out_sentences_are_not_in_the_corpus():
    held_out = set(read_corpus([FIXTURES / "heldout_sentences.csv"]).texts)
    assert not held_out & set(read_corpus([DATA]).texts)


def test_default_model_keeps_its_floor_on_held_out_sentences(default_classifier):
    held_out = read_corpus([FIXTURES / "heldout_sentences.csv"])
    predicted = [p.label for p in default_classifier.predict(held_out.texts)]
    scores = score_predictions(held_out.labels, predicted)
    assert scores["macro_f1"] >= FLOOR_MACRO_F1, scores
    for label, row in scores["per_label"].items():
        assert row["f1"] >= FLOOR_PER_LABEL_F1, (label, row)
