"""Promote a newly trained model only if it is not worse than the one it would replace.

``python -m training train --promote-if-better --holdout HELD_OUT.csv --out DIR``
trains a candidate without touching ``DIR``, then scores the candidate and the
model currently in ``DIR`` on the same held-out rows and replaces ``DIR`` (the
usual atomic save) only when the candidate's macro-F1 is at least the current
model's. The held-out set is labeled data kept out of every training run (for
example a slice of the moderators' corrections set aside before retraining):
only rows neither model learned from make the comparison fair, so a held-out
set that shares sentences with the training data is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from .artifacts import ModelLoadError, save_model_dir
from .classifier import Classifier, load_model
from .corpus import Corpus
from .evaluation import score_predictions

__all__ = ["PromotionDecision", "HeldOutOverlap", "check_unseen", "decide_promotion", "format_promotion", "promote"]


class HeldOutOverlap(ValueError):
    """The held-out set shares sentences with the training data."""


@dataclass(frozen=True)
class PromotionDecision:
    """The comparison on the held-out set and what it decided.

    Attributes
    ----------
    promote : bool
        The candidate may replace the current model (not worse, or nothing to compare).
    reason : str
        One sentence a person can read in a log.
    holdout_rows : int
    candidate_version : str
    candidate_macro_f1 : float
    current_version, current_macro_f1 : str or None, float or None
        None when there is no loadable current model.
    per_label_f1 : dict
        ``{"candidate": {label: f1}, "current": {label: f1} or None}``.
    """

    promote: bool
    reason: str
    holdout_rows: int
    candidate_version: str
    candidate_macro_f1: float
    current_version: str | None
    current_macro_f1: float | None
    per_label_f1: dict

    def as_dict(self) -> dict:
        return asdict(self)


def _score(classifier: Classifier, holdout: Corpus) -> dict:
    return score_predictions(holdout.labels, [p.label for p in classifier.predict(holdout.texts)])


def check_unseen(holdout: Corpus, training_texts: Iterable[str]) -> None:
    """Refuse a held-out set that shares sentences with the training data.

    Raises
    ------
    HeldOutOverlap
        Saying how many sentences are shared, with one of them.
    """
    shared = set(holdout.texts) & set(training_texts)
    if shared:
        example = min(shared)
        raise HeldOutOverlap(
            f"{len(shared)} held-out sentence(s) are also in the training data (e.g. {example!r}); "
            "a held-out set must be kept out of training"
        )


def decide_promotion(candidate: Classifier, current_dir: str | Path, holdout: Corpus) -> PromotionDecision:
    """Score ``candidate`` and the model in ``current_dir`` on ``holdout``.

    Parameters
    ----------
    candidate : Classifier
        The newly trained model.
    current_dir : str or Path
        The model directory the candidate would replace.
    holdout : Corpus
        Labeled rows kept out of training (see :func:`check_unseen`).

    Returns
    -------
    PromotionDecision
        ``promote`` is True when the candidate's macro-F1 is not lower than the
        current model's, or when there is no current model that loads (the
        service could not serve it either).
    """
    candidate_scores = _score(candidate, holdout)
    candidate_f1 = candidate_scores["macro_f1"]
    per_label = {"candidate": {k: v["f1"] for k, v in candidate_scores["per_label"].items()}, "current": None}
    common = dict(holdout_rows=len(holdout), candidate_version=candidate.version, candidate_macro_f1=candidate_f1)
    try:
        current = load_model(current_dir)
    except ModelLoadError as exc:
        return PromotionDecision(
            True, f"no current model to compare with ({exc})", current_version=None, current_macro_f1=None,
            per_label_f1=per_label, **common,
        )
    current_scores = _score(current, holdout)
    current_f1 = current_scores["macro_f1"]
    per_label["current"] = {k: v["f1"] for k, v in current_scores["per_label"].items()}
    # "Not worse": a tie promotes (the newer data wins); a tolerance only absorbs float noise.
    better = candidate_f1 >= current_f1 - 1e-9
    verdict = "not worse than" if better else "worse than"
    reason = (
        f"candidate {candidate.version} macro-F1 {candidate_f1:.4f} is {verdict} current {current.version} "
        f"macro-F1 {current_f1:.4f} on {len(holdout)} held-out rows"
    )
    return PromotionDecision(better, reason, current_version=current.version, current_macro_f1=current_f1,
                             per_label_f1=per_label, **common)


def promote(candidate: Classifier, decision: PromotionDecision, out_dir: str | Path, forced: bool = False) -> dict:
    """Save ``candidate`` into ``out_dir`` (atomically), recording the comparison in its metadata.

    Returns
    -------
    dict
        The metadata as written.
    """
    metadata = {k: v for k, v in candidate.metadata.items() if k != "artifact_sha256"}
    metadata["promotion"] = dict(decision.as_dict(), forced=forced)
    return save_model_dir(candidate.pipeline, metadata, out_dir)


def format_promotion(decision: PromotionDecision) -> str:
    """The comparison as a small table: macro-F1 and per-label F1 of both models."""
    current = decision.per_label_f1["current"]
    lines = [
        f"held-out comparison ({decision.holdout_rows} rows):",
        f"  {'':<16} {'candidate':>10} {'current':>10}",
        f"  {'macro-F1':<16} {decision.candidate_macro_f1:10.4f} "
        + (f"{decision.current_macro_f1:10.4f}" if decision.current_macro_f1 is not None else f"{'-':>10}"),
    ]
    for label, f1 in decision.per_label_f1["candidate"].items():
        lines.append(f"  {label:<16} {f1:10.4f} " + (f"{current[label]:10.4f}" if current else f"{'-':>10}"))
    lines.append(("promote: " if decision.promote else "keep current: ") + decision.reason)
    return "\n".join(lines)
