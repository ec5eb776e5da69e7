"""Which features pushed a sentence toward its label.

For a linear model the score of label *k* is a sum of ``weight[k, j] * x[j]``
over the sentence's features; the largest positive terms for the predicted label
are its explanation. Under sigmoid calibration the per-label score is a monotone
function of that sum, so the ranking carries over.
"""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV

from .labels import LABEL_IDS

__all__ = ["LinearExplainer"]


def _linear_weights(estimator) -> tuple[np.ndarray, list[str]]:
    """Weights (n_classes, n_features) and their class order from a fitted linear model."""
    if isinstance(estimator, CalibratedClassifierCV):
        weights = np.mean([c.estimator.coef_ for c in estimator.calibrated_classifiers_], axis=0)
        return weights, [str(c) for c in estimator.classes_]
    if hasattr(estimator, "coef_"):
        return np.asarray(estimator.coef_), [str(c) for c in estimator.classes_]
    raise TypeError(f"cannot explain {type(estimator).__name__}: no linear weights")


def _readable(name: str) -> str:
    # FeatureUnion names look like "words__according to" or "cues__cue:hedge_modal".
    return name.split("__", 1)[1] if "__" in name else name


class LinearExplainer:
    """Explains predictions of a fitted ``Pipeline(features, linear classifier)``."""

    def __init__(self, pipeline):
        weights, classes = _linear_weights(pipeline.steps[-1][1])
        self.weights = weights[[classes.index(label) for label in LABEL_IDS]]
        self.names = np.array([_readable(n) for n in pipeline[:-1].get_feature_names_out()], dtype=object)

    def explain_row(self, row, label_index: int, top_k: int = 5) -> list[dict]:
        """Top features for one sparse feature row (1, n_features) toward one label."""
        row = row.tocsr()
        contributions = row.data * self.weights[label_index, row.indices]
        order = np.argsort(-contributions)[:top_k]
        return [
            {"feature": str(self.names[row.indices[i]]), "weight": round(float(contributions[i]), 4)}
            for i in order
            if contributions[i] > 0
        ]
