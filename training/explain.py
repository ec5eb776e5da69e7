"""Which features pushed a sentence toward its label.

For a linear model the score of label *k* is a sum of ``weight[k, j] * x[j]``
over the sentence's features; the largest positive terms for the predicted label
are its explanation. Under sigmoid calibration each label's probability is a
monotone function of that sum, so the ranking carries over.

Hashed word features have no stored names; the explainer re-reads the sentence's
own n-grams and hashes them to find which word stands behind each column.
"""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.pipeline import Pipeline
from sklearn.utils import murmurhash3_32

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


class _Block:
    """One FeatureUnion block: its column range and how to name its columns."""

    def __init__(self, name, transformer, offset):
        self.name, self.offset = name, offset
        hasher = transformer.steps[0][1] if isinstance(transformer, Pipeline) else transformer
        if isinstance(hasher, HashingVectorizer):
            self.width = hasher.n_features
            self._analyzer = hasher.build_analyzer()
            self._names = None
        else:
            self._names = np.asarray(transformer.get_feature_names_out(), dtype=object)
            self.width = len(self._names)
            self._analyzer = None

    def namer(self, text: str):
        """Column (within the block) -> readable name, for one sentence."""
        if self._names is not None:
            return lambda column: str(self._names[column])
        hashed = {abs(murmurhash3_32(term, seed=0)) % self.width: term for term in self._analyzer(text)}
        return lambda column: hashed.get(column, f"{self.name}#{column}")


class LinearExplainer:
    """Explains predictions of a fitted ``Pipeline(features=FeatureUnion, classifier=linear)``."""

    def __init__(self, pipeline):
        weights, classes = _linear_weights(pipeline.steps[-1][1])
        self.weights = weights[[classes.index(label) for label in LABEL_IDS]]
        self.blocks, offset = [], 0
        for name, transformer in pipeline.named_steps["features"].transformer_list:
            block = _Block(name, transformer, offset)
            self.blocks.append(block)
            offset += block.width

    def explain_row(self, text: str, row, label_index: int, top_k: int = 5) -> list[dict]:
        """Top features of one sentence (its sparse feature row) toward one label."""
        row = row.tocsr()
        contributions = row.data * self.weights[label_index, row.indices]
        namers = {}
        explanation = []
        for i in np.argsort(-contributions)[:top_k]:
            if contributions[i] <= 0:
                break
            column = int(row.indices[i])
            block = next(b for b in reversed(self.blocks) if column >= b.offset)
            if block.name not in namers:
                namers[block.name] = block.namer(text)
            explanation.append(
                {"feature": namers[block.name](column - block.offset), "weight": round(float(contributions[i]), 4)}
            )
        return explanation
