"""Honest evaluation: a stratified hold-out split and stratified cross-validation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline

from .labels import LABEL_IDS

__all__ = ["score_predictions", "holdout_evaluation", "cross_validation"]


def score_predictions(true: Sequence[str], predicted: Sequence[str]) -> dict:
    """Per-label precision, recall, F1 and support, macro-F1, accuracy and confusion.

    Parameters
    ----------
    true, predicted : sequence of str
        Label ids, in the same order.

    Returns
    -------
    dict
        ``macro_f1``, ``accuracy``, ``n``, ``per_label`` (label -> precision,
        recall, f1, support) and ``confusion`` (``labels`` and a matrix whose rows
        are true labels and columns predicted labels).
    """
    labels = list(LABEL_IDS)
    precision, recall, f1, support = precision_recall_fscore_support(
        true, predicted, labels=labels, zero_division=0
    )
    matrix = confusion_matrix(true, predicted, labels=labels)
    return {
        "n": int(len(true)),
        "accuracy": float(np.mean(np.asarray(true) == np.asarray(predicted))) if len(true) else 0.0,
        "macro_f1": float(f1_score(true, predicted, labels=labels, average="macro", zero_division=0)),
        "per_label": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": matrix.tolist()},
    }


def holdout_evaluation(
    pipeline: Pipeline, texts: Sequence[str], labels: Sequence[str], test_size: float = 0.2, random_state: int = 0
) -> dict | None:
    """Fit a clone on a stratified training split and score it on the rest.

    Returns None when the corpus is too small for a split with every label on
    both sides.
    """
    n_test = int(round(len(texts) * test_size))
    if n_test < len(set(labels)) or min(np.unique(labels, return_counts=True)[1]) < 2:
        return None
    train_x, test_x, train_y, test_y = train_test_split(
        list(texts), list(labels), test_size=test_size, stratify=list(labels), random_state=random_state
    )
    model = clone(pipeline).fit(train_x, train_y)
    result = score_predictions(test_y, model.predict(test_x))
    result["test_size"] = test_size
    return result


def cross_validation(
    pipeline: Pipeline,
    texts: Sequence[str],
    labels: Sequence[str],
    folds: int = 5,
    random_state: int = 0,
    n_jobs: int | None = None,
) -> dict | None:
    """Stratified k-fold out-of-fold predictions, scored as one set.

    The number of folds shrinks to the size of the rarest label; below two rows
    of some label there is no cross-validation and None is returned.
    """
    smallest = int(min(np.unique(labels, return_counts=True)[1]))
    folds = min(folds, smallest)
    if folds < 2:
        return None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    predicted = cross_val_predict(clone(pipeline), list(texts), list(labels), cv=splitter, n_jobs=n_jobs)
    result = score_predictions(labels, predicted)
    result["folds"] = folds
    return result
