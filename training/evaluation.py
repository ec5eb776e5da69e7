"""Honest evaluation: a stratified hold-out split and stratified cross-validation,
scored per label, with calibration (expected calibration error and a reliability table)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline

from .labels import LABEL_IDS

__all__ = ["score_predictions", "calibration_report", "holdout_evaluation", "cross_validation", "probabilities_in_label_order"]


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


def calibration_report(true: Sequence[str], probabilities: np.ndarray, bins: int = 10) -> dict:
    """Expected calibration error of the top label and a reliability table.

    Parameters
    ----------
    true : sequence of str
        True label ids.
    probabilities : ndarray of shape (n, 4)
        Columns in :data:`LABEL_IDS` order.
    bins : int
        Equal-width confidence bins over [0, 1].

    Returns
    -------
    dict
        ``ece`` (weighted mean |accuracy - confidence| over bins) and ``table``:
        one row per non-empty bin with ``low``, ``high``, ``count``,
        ``mean_confidence`` and ``accuracy``.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    confidence = probabilities.max(axis=1)
    correct = np.asarray(LABEL_IDS)[probabilities.argmax(axis=1)] == np.asarray(true)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        if not mask.any():
            continue
        mean_conf, acc = float(confidence[mask].mean()), float(correct[mask].mean())
        ece += mask.sum() / len(confidence) * abs(acc - mean_conf)
        table.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": int(mask.sum()),
                      "mean_confidence": mean_conf, "accuracy": acc})
    return {"ece": float(ece), "bins": bins, "table": table}


def probabilities_in_label_order(classes: Sequence[str], probabilities: np.ndarray) -> np.ndarray:
    """Reorder ``predict_proba`` columns from ``classes_`` order to label order."""
    classes = [str(c) for c in classes]
    return np.asarray(probabilities)[:, [classes.index(label) for label in LABEL_IDS]]


def _score_probabilities(true, probabilities) -> dict:
    predicted = np.asarray(LABEL_IDS)[probabilities.argmax(axis=1)]
    result = score_predictions(true, predicted.tolist())
    result["calibration"] = calibration_report(true, probabilities)
    return result


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
    probabilities = probabilities_in_label_order(model.classes_, model.predict_proba(test_x))
    result = _score_probabilities(test_y, probabilities)
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
    """Stratified k-fold out-of-fold probabilities, scored as one set.

    The number of folds shrinks to the size of the rarest label; below two rows
    of some label there is no cross-validation and None is returned.
    """
    smallest = int(min(np.unique(labels, return_counts=True)[1]))
    folds = min(folds, smallest)
    if folds < 2:
        return None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    probabilities = cross_val_predict(
        clone(pipeline), list(texts), list(labels), cv=splitter, n_jobs=n_jobs, method="predict_proba"
    )
    # cross_val_predict orders columns by the sorted class labels.
    probabilities = probabilities_in_label_order(sorted(set(labels)), probabilities)
    result = _score_probabilities(labels, probabilities)
    result["folds"] = folds
    return result
