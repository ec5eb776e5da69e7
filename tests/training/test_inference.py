"""The compiled prediction path gives the pipeline's own numbers, or stands aside."""

from __future__ import annotations

import csv
import logging

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from tests.conftest import TINY_CORPUS
from training import Classifier
from training.cues import CueFeatures
from training.inference import compile_pipeline
from training.pipeline import BASELINE_CONFIG, CANDIDATE_CONFIGS, DEFAULT_CONFIG, PipelineConfig, build_pipeline

EDGE_TEXTS = ["", "?", "#tag @user", "Ω≈ç √∫˜ µ≤≥÷", "word " * 300, "He said: \"No.\" She said: 'Yes.'"]


@pytest.fixture(scope="module")
def tiny():
    with TINY_CORPUS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def fitted(config: PipelineConfig, tiny) -> Pipeline:
    texts, labels = tiny
    return build_pipeline(config, random_state=0).fit(texts, labels)


CONFIGS = [*CANDIDATE_CONFIGS, BASELINE_CONFIG, PipelineConfig("tfidf-words-cues-logreg", classifier="logreg",
                                                                 words="tfidf", word_ngrams=2)]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.name)
def test_compiled_features_and_probabilities_equal_the_pipelines(config, tiny):
    pipeline = fitted(config, tiny)
    compiled = compile_pipeline(pipeline)
    assert compiled is not None, f"{config.name} should compile"
    texts = tiny[0] + EDGE_TEXTS
    expected_features = pipeline[:-1].transform(texts)
    features = compiled.features(texts)
    assert features.shape == expected_features.shape
    assert abs(expected_features - features).max() <= 1e-12
    expected = pipeline.steps[-1][1].predict_proba(expected_features)
    np.testing.assert_allclose(compiled.predict_proba(features), expected, rtol=0, atol=1e-12)
    assert compiled.classes_ == [str(c) for c in pipeline.classes_]
    # The one-sentence path (plain Python) gives the same numbers, sentence by sentence.
    one_by_one = np.array([compiled.predict_proba_one(text) for text in texts])
    np.testing.assert_allclose(one_by_one, expected, rtol=0, atol=1e-12)


def test_the_default_model_is_served_by_the_compiled_path(tiny):
    classifier = Classifier(fitted(DEFAULT_CONFIG, tiny), {"version": "t"})
    assert classifier._compiled is not None  # else every request pays scikit-learn's per-call overhead


def test_a_pipeline_it_cannot_reproduce_falls_back_to_scikit_learn(tiny, caplog):
    texts, labels = tiny
    union = FeatureUnion([("words", TfidfVectorizer()), ("cues", CueFeatures())])
    pipeline = Pipeline([("features", union), ("classifier", KNeighborsClassifier(n_neighbors=3))]).fit(texts, labels)
    with caplog.at_level(logging.INFO, logger="training.inference"):
        assert compile_pipeline(pipeline) is None
    assert "KNeighborsClassifier" in caplog.text
    classifier = Classifier(pipeline, {"version": "knn"})
    expected = pipeline.predict_proba(texts[:5])
    got = np.array([[p.scores[label] for label in map(str, pipeline.classes_)] for p in classifier.predict(texts[:5])])
    np.testing.assert_allclose(got, expected, atol=1e-6)


class _ShiftedCues(CueFeatures):
    """Cue features whose ``transform`` no longer matches ``dense_features``."""

    def transform(self, X):
        return super().transform(X) * 2.0


def test_a_compiled_form_that_differs_from_the_pipeline_is_refused(tiny, caplog):
    texts, labels = tiny
    union = FeatureUnion([("words", TfidfVectorizer()), ("cues", _ShiftedCues())])
    pipeline = Pipeline([
        ("features", union), ("classifier", CalibratedClassifierCV(cv=3)),
    ]).fit(texts, labels)
    with caplog.at_level(logging.WARNING, logger="training.inference"):
        assert compile_pipeline(pipeline) is None
    assert "differs" in caplog.text


def test_a_model_that_predicts_nan_is_not_compiled(tiny):
    pipeline = fitted(DEFAULT_CONFIG, tiny)
    final = pipeline.steps[-1][1]
    for model in [c.estimator for c in getattr(final, "calibrated_classifiers_", [])] or [final]:
        model.coef_ = np.full_like(model.coef_, np.nan)
    assert compile_pipeline(pipeline) is None  # NaN never "matches": the pipeline answers for itself


def test_the_default_words_block_reuses_the_cue_tokens(tiny):
    # One tokenisation per sentence feeds both blocks; a config change that breaks
    # this silently doubles the tokenising cost of every prediction.
    from training.inference import _reads_word_tokens

    words = fitted(DEFAULT_CONFIG, tiny).steps[0][1].transformer_list[0][1]
    assert _reads_word_tokens(words)
    assert not _reads_word_tokens(TfidfVectorizer(ngram_range=(1, 2)))


def test_one_sentence_and_batch_predictions_agree(tiny):
    classifier = Classifier(fitted(DEFAULT_CONFIG, tiny), {"version": "t"})
    texts = tiny[0][:20] + EDGE_TEXTS
    batch = classifier.predict(texts)
    for text, expected in zip(texts, batch):
        (alone,) = classifier.predict([text])
        assert alone.label == expected.label
        assert alone.scores == pytest.approx(expected.scores, abs=2e-6)  # rounded to 6 places either way


def test_one_sentence_path_abstains_like_the_batch_path(tiny):
    classifier = Classifier(fitted(DEFAULT_CONFIG, tiny), {"version": "t"})
    texts = tiny[0][:20]
    threshold = sorted(p.confidence for p in classifier.predict(texts))[10]  # half abstain
    batch = classifier.predict(texts, abstain_below=threshold)
    alone = [classifier.predict([text], abstain_below=threshold)[0] for text in texts]
    assert [p.label for p in alone] == [p.label for p in batch]
    assert any(p.label is None for p in alone) and any(p.label is not None for p in alone)
