"""The loaded model as the rest of the product sees it: texts in, labels and scores out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .artifacts import ModelLoadError, read_model_dir
from .labels import LABEL_IDS

__all__ = ["Prediction", "Classifier", "load_model"]


@dataclass(frozen=True)
class Prediction:
    """The reading of one sentence.

    Attributes
    ----------
    label : str
        The most probable label id.
    confidence : float
        Its probability.
    scores : dict
        Probability of every label, keys in canonical label order.
    """

    label: str
    confidence: float
    scores: dict[str, float]

    def as_dict(self) -> dict:
        return {"label": self.label, "confidence": self.confidence, "scores": dict(self.scores)}


class Classifier:
    """A fitted pipeline plus its metadata.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted; must expose ``predict_proba`` and ``classes_`` covering all labels.
    metadata : dict
        As written by the trainer (version, labels, metrics, ...).
    """

    def __init__(self, pipeline, metadata: dict):
        classes = [str(c) for c in getattr(pipeline, "classes_", [])]
        if sorted(classes) != sorted(LABEL_IDS):
            raise ModelLoadError(f"model predicts {classes!r}, expected the labels {list(LABEL_IDS)!r}")
        self.pipeline = pipeline
        self.metadata = metadata
        # Columns of predict_proba follow classes_; reorder them once to label order.
        self._column_order = np.array([classes.index(label) for label in LABEL_IDS])

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in :data:`LABEL_IDS` order."""
        if len(texts) == 0:
            return np.zeros((0, len(LABEL_IDS)))
        return self.pipeline.predict_proba(list(texts))[:, self._column_order]

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label every text, in input order."""
        probabilities = self.predict_proba(texts)
        best = probabilities.argmax(axis=1)
        results = []
        for row, top in zip(probabilities.tolist(), best.tolist()):
            scores = {label: round(p, 6) for label, p in zip(LABEL_IDS, row)}
            results.append(Prediction(LABEL_IDS[top], scores[LABEL_IDS[top]], scores))
        return results


def load_model(model_dir: str | Path) -> Classifier:
    """Load and verify a saved model directory.

    Raises
    ------
    ModelLoadError
        When the directory is missing, damaged, or saved by another scikit-learn.
    """
    pipeline, metadata = read_model_dir(model_dir)
    return Classifier(pipeline, metadata)
