"""The loaded model as the rest of the product sees it: texts in, labels and scores out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .artifacts import ModelLoadError, read_model_dir
from .cues import CueFeatures
from .explain import LinearExplainer
from .inference import compile_pipeline
from .labels import LABEL_IDS

__all__ = ["Prediction", "Classifier", "load_model"]


@dataclass(slots=True)
class Prediction:
    """The reading of one sentence.

    Attributes
    ----------
    label : str or None
        The most probable label id; None when its probability is below the
        abstain threshold asked for (the sentence needs a person).
    confidence : float
        Probability of the most probable label.
    scores : dict
        Probability of every label, keys in canonical label order.
    explanation : list of dict or None
        When asked for: the features that pushed most toward the most probable
        label, each ``{"feature", "weight"}``, strongest first.
    """

    label: str | None
    confidence: float
    scores: dict[str, float]
    explanation: list[dict] | None = field(default=None)

    def as_dict(self) -> dict:
        result = {"label": self.label, "confidence": self.confidence, "scores": dict(self.scores)}
        if self.explanation is not None:
            result["explanation"] = self.explanation
        return result


class Classifier:
    """A fitted pipeline plus its metadata.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted ``features`` then a probabilistic linear classifier, whose
        ``classes_`` are the four labels.
    metadata : dict
        As written by the trainer (version, labels, metrics, ...).
    """

    def __init__(self, pipeline, metadata: dict):
        classes = [str(c) for c in getattr(pipeline, "classes_", [])]
        if sorted(classes) != sorted(LABEL_IDS):
            raise ModelLoadError(f"model predicts {classes!r}, expected the labels {list(LABEL_IDS)!r}")
        self.pipeline = pipeline
        self.metadata = metadata
        self._classes = classes
        self._label_order = [classes.index(label) for label in LABEL_IDS]  # classes_ order -> label order
        self._explainer: LinearExplainer | None = None
        # The same numbers as the pipeline without its per-call overhead (10-200x
        # faster for one sentence, by pipeline); None when the pipeline has steps it
        # does not reproduce exactly, and then the pipeline itself is used.
        self._compiled = compile_pipeline(pipeline)

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))

    def _features(self, texts: Sequence[str]):
        if self._compiled is not None:
            return self._compiled.features(texts)
        return self.pipeline[:-1].transform(list(texts))

    def _probabilities(self, features) -> np.ndarray:
        final = self._compiled if self._compiled is not None else self.pipeline.steps[-1][1]
        return np.asarray(final.predict_proba(features))[:, self._label_order]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in :data:`LABEL_IDS` order."""
        if len(texts) == 0:
            return np.zeros((0, len(LABEL_IDS)))
        if self._compiled is not None:  # no feature matrix needed: the leanest path
            if len(texts) == 1:  # one sentence: plain Python beats numpy's per-call cost
                return np.array([self._compiled.predict_proba_one(texts[0])])[:, self._label_order]
            return self._compiled.predict_proba_texts(texts)[:, self._label_order]
        return self._probabilities(self._features(texts))

    def predict(
        self, texts: Sequence[str], explain: bool = False, abstain_below: float | None = None, top_k: int = 5
    ) -> list[Prediction]:
        """Label every text, in input order.

        Parameters
        ----------
        texts : sequence of str
        explain : bool
            Add the ``top_k`` features that pushed most toward each label.
        abstain_below : float, optional
            When the top probability is below this, ``label`` is None.
        top_k : int
            Features per explanation.
        """
        if len(texts) == 0:
            return []
        if len(texts) == 1 and not explain and self._compiled is not None:
            return [self._predict_one(texts[0], abstain_below)]
        if explain:  # explanations read each sentence's feature row
            features = self._features(texts)
            probabilities = self._probabilities(features)
        else:
            probabilities = self.predict_proba(texts)
        best = probabilities.argmax(axis=1)
        if explain and self._explainer is None:
            self._explainer = LinearExplainer(self.pipeline)
        # Rounding and conversion once for the whole matrix: per-value Python calls
        # cost as much as the classifier itself in large batches.
        rows = np.round(probabilities, 6).tolist()
        results = []
        for i, (row, top) in enumerate(zip(rows, best.tolist())):
            scores = dict(zip(LABEL_IDS, row))
            confidence = row[top]
            label = None if abstain_below is not None and confidence < abstain_below else LABEL_IDS[top]
            explanation = self._explainer.explain_row(texts[i], features[i], top, top_k) if explain else None
            results.append(Prediction(label, confidence, scores, explanation))
        return results

    def _predict_one(self, text: str, abstain_below: float | None) -> Prediction:
        """:meth:`predict` for one text without numpy: the same numbers, rounded the same way."""
        probabilities = self._compiled.predict_proba_one(text)
        ordered = [probabilities[i] for i in self._label_order]
        top = ordered.index(max(ordered))  # the first maximum, as argmax
        # round(x * 1e6) / 1e6 is what numpy's round(x, 6) computes (half to even).
        row = [round(p * 1e6) / 1e6 for p in ordered]
        confidence = row[top]
        label = None if abstain_below is not None and confidence < abstain_below else LABEL_IDS[top]
        return Prediction(label, confidence, dict(zip(LABEL_IDS, row)), None)


def load_model(model_dir: str | Path) -> Classifier:
    """Load and verify a saved model directory.

    Raises
    ------
    ModelLoadError
        When the directory is missing, damaged, or saved by another scikit-learn.
    """
    pipeline, metadata = read_model_dir(model_dir)
    check_features_match_code(pipeline, where=str(model_dir))
    return Classifier(pipeline, metadata)


def check_features_match_code(pipeline, where: str) -> None:
    """Refuse a model whose custom feature columns differ from what the installed code computes."""
    for step in _estimators(pipeline):
        if isinstance(step, CueFeatures):
            try:
                step.check_columns_match_code()
            except ValueError as exc:
                raise ModelLoadError(f"{where}: {exc}") from None


def _estimators(estimator):
    yield estimator
    for child in getattr(estimator, "steps", []):
        yield from _estimators(child[1])
    for child in getattr(estimator, "transformer_list", []):
        yield from _estimators(child[1])

