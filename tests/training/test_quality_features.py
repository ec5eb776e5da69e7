"""Calibration output, explanations and abstaining."""

import numpy as np
import pytest

from tests.conftest import TINY_CORPUS
from training import LABEL_IDS, train
from training.evaluation import calibration_report
from training.pipeline import CANDIDATE_CONFIGS, build_pipeline


@pytest.fixture(scope="module")
def classifier():
    return train([TINY_CORPUS], evaluate=False).classifier


def test_calibration_report_shape_and_ece():
    true = ["rumor", "rumor", "speculation", "speculation"]
    probabilities = np.array(
        [[0.1, 0.1, 0.08, 0.72], [0.1, 0.1, 0.02, 0.78], [0, 0, 0.95, 0.05], [0.05, 0, 0.03, 0.92]]
    )
    report = calibration_report(true, probabilities, bins=10)
    assert [(b["low"], b["count"]) for b in report["table"]] == [(pytest.approx(0.7), 2), (pytest.approx(0.9), 2)]
    seventies, nineties = report["table"]
    assert seventies["accuracy"] == 1.0 and seventies["mean_confidence"] == pytest.approx(0.75)
    assert nineties["accuracy"] == 0.5 and nineties["mean_confidence"] == pytest.approx(0.935)
    assert report["ece"] == pytest.approx(0.5 * 0.25 + 0.5 * 0.435)


def test_training_metadata_has_calibration_tables():
    evaluation = train([TINY_CORPUS], cv_folds=3).metadata["evaluation"]
    for name in ("holdout", "cross_validation"):
        calibration = evaluation[name]["calibration"]
        assert 0 <= calibration["ece"] <= 1
        assert sum(b["count"] for b in calibration["table"]) == evaluation[name]["n"]


def test_explanations_point_toward_the_predicted_label(classifier):
    predictions = classifier.predict(
        ["Unconfirmed reports suggest the dam has burst.", "The minister said the talks had failed."], explain=True
    )
    for prediction in predictions:
        assert prediction.explanation, prediction
        weights = [item["weight"] for item in prediction.explanation]
        assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    rumor_features = {item["feature"] for item in predictions[0].explanation}
    assert predictions[0].label == "rumor"
    assert rumor_features & {"unconfirmed", "reports", "suggest", "cue:unverified_flag"}


def test_explanations_name_hashed_words_from_the_sentence(classifier):
    text = "Posts shared online claim the governor has fled."
    [prediction] = classifier.predict([text], explain=True, top_k=20)
    words = {item["feature"] for item in prediction.explanation if not item["feature"].startswith("cue:")}
    assert words and words <= set(text.lower().replace(".", "").split())


def test_no_explanation_unless_asked(classifier):
    [prediction] = classifier.predict(["Police said two men were arrested."])
    assert prediction.explanation is None and "explanation" not in prediction.as_dict()


def test_abstain_threshold(classifier):
    texts = ["Police said two men were arrested.", "Something happened somewhere."]
    plain = classifier.predict(texts)
    threshold = (plain[0].confidence + plain[1].confidence) / 2
    abstaining = classifier.predict(texts, abstain_below=threshold)
    for before, after in zip(plain, abstaining):
        assert after.scores == before.scores and after.confidence == before.confidence
        assert after.label == (None if before.confidence < threshold else before.label)
    assert sum(p.label is None for p in abstaining) == 1
    assert all(p.label is None for p in classifier.predict(texts, abstain_below=1.01))


@pytest.mark.parametrize("config", CANDIDATE_CONFIGS, ids=lambda c: c.name)
def test_every_candidate_gives_probabilities_over_all_labels(config):
    import csv

    rows = list(csv.DictReader(TINY_CORPUS.open(encoding="utf-8")))
    pipeline = build_pipeline(config).fit([r["text"] for r in rows], [r["label"] for r in rows])
    probabilities = pipeline.predict_proba(["The storm may hit on Friday."])
    assert sorted(pipeline.classes_) == sorted(LABEL_IDS)
    assert probabilities.shape == (1, 4) and probabilities.sum() == pytest.approx(1)


def test_selection_records_every_candidate():
    metadata = train([TINY_CORPUS], cv_folds=3, select=True, evaluate=True).metadata
    assert set(metadata["selection"]) == {c.name for c in CANDIDATE_CONFIGS}
    best = max(metadata["selection"].values(), key=lambda s: s["cv_macro_f1"])
    assert metadata["pipeline"]["config"] == best["config"]
