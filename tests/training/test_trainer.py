import pytest

from tests.conftest import TINY_CORPUS, write_csv
from training import CorpusError, train
from training.evaluation import score_predictions


def test_train_without_output_returns_a_working_classifier():
    result = train([TINY_CORPUS], evaluate=False)
    assert result.model_dir is None
    [prediction] = result.classifier.predict(["Posts shared online claim the army has switched sides."])
    assert prediction.label in prediction.scores
    assert prediction.confidence == max(prediction.scores.values())
    assert abs(sum(prediction.scores.values()) - 1) < 1e-3


def test_predictions_keep_input_order_and_fit_the_training_data():
    result = train([TINY_CORPUS], evaluate=False)
    import csv

    rows = list(csv.DictReader(TINY_CORPUS.open(encoding="utf-8")))
    predictions = result.classifier.predict([r["text"] for r in rows])
    agreement = sum(p.label == r["label"] for p, r in zip(predictions, rows)) / len(rows)
    assert agreement > 0.9  # a linear model with n-grams separates its own training data


def test_evaluation_has_holdout_and_cross_validation():
    evaluation = train([TINY_CORPUS], cv_folds=3).metadata["evaluation"]
    assert evaluation["holdout"]["n"] == 10
    assert evaluation["cross_validation"]["n"] == 48 and evaluation["cross_validation"]["folds"] == 3
    assert set(evaluation["cross_validation"]["per_label"]) == {
        "attributed_fact", "official_claim", "speculation", "rumor"}


def test_a_label_with_too_few_rows_is_refused(tmp_path):
    path = write_csv(tmp_path / "a.csv", "text,label\nA.,rumor\nB.,rumor\nC.,speculation\nD.,speculation\n")
    with pytest.raises(CorpusError, match="attributed_fact"):
        train([path])


def test_score_predictions_counts_and_confusion():
    result = score_predictions(["rumor", "rumor", "speculation"], ["rumor", "speculation", "speculation"])
    assert result["per_label"]["rumor"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert result["confusion"]["matrix"][3] == [0, 0, 1, 1]
    assert result["confusion"]["matrix"][2] == [0, 0, 1, 0]
    assert result["accuracy"] == pytest.approx(2 / 3)
