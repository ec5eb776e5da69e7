"""The evaluation report: scores, confusion, calibration and the most confident errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .classifier import Classifier
from .durable import write_bytes_atomically
from .corpus import Corpus
from .evaluation import calibration_report, score_predictions
from .labels import LABEL_IDS

__all__ = ["build_report", "format_report", "format_scores", "write_report"]


def build_report(classifier: Classifier, corpus: Corpus, n_errors: int = 20) -> dict:
    """Score ``classifier`` on ``corpus``.

    Returns
    -------
    dict
        ``score_predictions`` keys plus ``calibration``, ``model_version`` and
        ``confident_errors``: the ``n_errors`` wrong predictions with the highest
        confidence, each with text, origin (file:line), true and predicted label.
    """
    probabilities = classifier.predict_proba(corpus.texts)
    predicted = np.asarray(LABEL_IDS)[probabilities.argmax(axis=1)]
    report = score_predictions(corpus.labels, predicted.tolist())
    report["calibration"] = calibration_report(corpus.labels, probabilities)
    report["model_version"] = classifier.version
    confidence = probabilities.max(axis=1)
    wrong = [i for i in np.argsort(-confidence) if predicted[i] != corpus.labels[i]][:n_errors]
    report["confident_errors"] = [
        {"text": corpus.texts[i], "origin": corpus.origins[i], "true": corpus.labels[i],
         "predicted": str(predicted[i]), "confidence": round(float(confidence[i]), 4)}
        for i in wrong
    ]
    return report


def format_scores(scores: dict) -> str:
    """Per-label table, macro-F1, confusion matrix and (when present) calibration, as text."""
    lines = [f"{'label':<16} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for label, row in scores["per_label"].items():
        lines.append(f"{label:<16} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:6.3f} {row['support']:8d}")
    lines.append(f"{'macro-F1':<16} {scores['macro_f1']:32.3f}")
    lines += ["", "confusion (rows: true, columns: predicted)",
              " " * 17 + " ".join(f"{label[:8]:>8}" for label in scores["confusion"]["labels"])]
    for label, row in zip(scores["confusion"]["labels"], scores["confusion"]["matrix"]):
        lines.append(f"{label:<16} " + " ".join(f"{v:8d}" for v in row))
    calibration = scores.get("calibration")
    if calibration:
        lines += ["", f"calibration: expected calibration error {calibration['ece']:.3f}",
                  f"{'confidence':<12} {'rows':>6} {'mean conf':>10} {'accuracy':>9}"]
        for b in calibration["table"]:
            lines.append(f"{b['low']:.1f}-{b['high']:.1f}    {b['count']:6d} {b['mean_confidence']:10.3f} {b['accuracy']:9.3f}")
    return "\n".join(lines)


def format_report(report: dict) -> str:
    """The whole report as plain text (also written as report.md)."""
    lines = [f"model {report['model_version']} on {report['n']} rows", "", format_scores(report)]
    errors = report.get("confident_errors")
    if errors:
        lines += ["", f"{len(errors)} most confident errors"]
        for e in errors:
            lines.append(f"- [{e['confidence']:.2f}] true {e['true']}, predicted {e['predicted']} ({e['origin']}): {e['text']}")
    return "\n".join(lines)


def _confusion_png(report: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    matrix = np.asarray(report["confusion"]["matrix"])
    labels = report["confusion"]["labels"]
    figure, axes = plt.subplots(figsize=(5.5, 4.5))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for (i, j), value in np.ndenumerate(matrix):
        axes.text(j, i, str(value), ha="center", va="center", color="white" if value > matrix.max() / 2 else "black")
    axes.set_title(f"macro-F1 {report['macro_f1']:.3f}")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True


def write_report(report: dict, out_dir: str | Path) -> list[Path]:
    """Write report.json, report.md and (with matplotlib) confusion.png into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "report.json", out_dir / "report.md"]
    write_bytes_atomically(written[0], json.dumps(report, indent=2).encode("utf-8"))
    write_bytes_atomically(written[1], (format_report(report) + "\n").encode("utf-8"))
    if _confusion_png(report, out_dir / "confusion.png"):
        written.append(out_dir / "confusion.png")
    return written
