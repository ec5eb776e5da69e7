"""Training a model from labeled CSVs: read, evaluate, fit, save."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import joblib
import numpy as np
import sklearn

from .artifacts import save_model_dir
from .classifier import Classifier
from .corpus import Corpus, CorpusError, CorpusProblem, read_corpus
from .evaluation import cross_validation, holdout_evaluation
from .labels import LABEL_IDS
from .pipeline import CANDIDATE_CONFIGS, DEFAULT_CONFIG, PipelineConfig, build_pipeline

__all__ = ["TrainResult", "train", "train_on_corpus"]

#: Fewest rows per label a training run accepts: below it neither the model nor
#: its evaluation mean anything.
MIN_ROWS_PER_LABEL = 2


@dataclass
class TrainResult:
    """What a training run produced."""

    classifier: Classifier
    metadata: dict
    model_dir: Path | None


def _versions() -> dict:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
    }


def _json_params(pipeline) -> dict:
    """The pipeline's parameters that say how it was built (no fitted state, no objects)."""
    params = {}
    for name, value in pipeline.get_params(deep=True).items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            params[name] = value
        elif isinstance(value, (tuple, list)) and all(isinstance(v, (str, int, float)) for v in value):
            params[name] = list(value)
    return params


def _selection_summary(selection: dict | None) -> dict | None:
    """Per candidate: its configuration and cross-validated macro-F1 and per-label F1."""
    if selection is None:
        return None
    summary = {}
    for name, entry in selection.items():
        scores = entry["cross_validation"] or {}
        summary[name] = {
            "config": entry["config"],
            "cv_macro_f1": scores.get("macro_f1"),
            "cv_f1_per_label": {k: v["f1"] for k, v in scores.get("per_label", {}).items()},
        }
    return summary


def train(
    data_paths: Iterable[str | Path],
    out_dir: str | Path | None = None,
    *,
    evaluate: bool = True,
    cv_folds: int = 5,
    random_state: int = 0,
    config: PipelineConfig | None = None,
    select: bool = False,
    n_jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train a model from labeled CSV files or folders.

    Parameters
    ----------
    data_paths : iterable of str or Path
        CSV files and folders of them.
    out_dir : str or Path, optional
        Where to save the model directory; nothing is written when None. The
        directory is replaced only after training and evaluation succeed.
    evaluate : bool
        Run the hold-out and cross-validated evaluation (recorded in metadata).
    cv_folds : int
        Folds for cross-validation.
    random_state : int
        Seed for splits and solvers.
    config : PipelineConfig, optional
        The pipeline to fit; default :data:`DEFAULT_CONFIG`.
    select : bool
        Choose the configuration by cross-validated macro-F1 over
        :data:`CANDIDATE_CONFIGS` (overrides ``config``); the scores of every
        candidate go into the metadata.
    n_jobs : int, optional
        Parallel jobs for cross-validation (joblib; a Dask backend if active).
    progress : callable, optional
        Receives a short message before each step that may take a while.

    Returns
    -------
    TrainResult

    Raises
    ------
    CorpusError
        When the data is invalid or some label has too few rows.
    """
    say = progress or (lambda message: None)
    say("reading labeled data")
    corpus = read_corpus(data_paths)
    return train_on_corpus(
        corpus, out_dir, evaluate=evaluate, cv_folds=cv_folds, random_state=random_state, config=config,
        select=select, n_jobs=n_jobs, progress=progress,
    )


def train_on_corpus(
    corpus: Corpus,
    out_dir: str | Path | None = None,
    *,
    evaluate: bool = True,
    cv_folds: int = 5,
    random_state: int = 0,
    config: PipelineConfig | None = None,
    select: bool = False,
    n_jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Like :func:`train`, for a corpus already read."""
    say = progress or (lambda message: None)
    counts = corpus.label_counts()
    scarce = [label for label, n in counts.items() if n < MIN_ROWS_PER_LABEL]
    if scarce:
        where = corpus.files[0] if corpus.files else "input"
        raise CorpusError(
            [
                CorpusProblem(
                    where, 0, f"too few rows for label(s) {', '.join(scarce)}: every label needs at least "
                    f"{MIN_ROWS_PER_LABEL} (counts: {counts})"
                )
            ]
        )
    started = time.perf_counter()
    config = config or DEFAULT_CONFIG
    evaluation: dict = {}
    selection = None
    if select:
        selection = {}
        for candidate in CANDIDATE_CONFIGS:
            say(f"model selection: {cv_folds}-fold cross-validation of {candidate.name}")
            scores = cross_validation(
                build_pipeline(candidate, random_state), corpus.texts, corpus.labels, folds=cv_folds,
                random_state=random_state, n_jobs=n_jobs,
            )
            selection[candidate.name] = {"config": candidate.as_dict(), "cross_validation": scores}
        config = max(
            CANDIDATE_CONFIGS, key=lambda c: (selection[c.name]["cross_validation"] or {}).get("macro_f1", 0.0)
        )
        say(f"selected {config.name}")
    pipeline = build_pipeline(config, random_state)
    if evaluate:
        say(f"hold-out evaluation on {len(corpus)} rows")
        evaluation["holdout"] = holdout_evaluation(pipeline, corpus.texts, corpus.labels, random_state=random_state)
        if selection is not None:
            evaluation["cross_validation"] = selection[config.name]["cross_validation"]
        else:
            say(f"{cv_folds}-fold cross-validation")
            evaluation["cross_validation"] = cross_validation(
                pipeline, corpus.texts, corpus.labels, folds=cv_folds, random_state=random_state, n_jobs=n_jobs
            )
    say("fitting the final model on all rows")
    pipeline.fit(corpus.texts, corpus.labels)
    created = datetime.now(timezone.utc)
    data_sha = corpus.sha256()
    metadata = {
        "version": f"{created:%Y%m%dT%H%M%SZ}-{data_sha[:8]}",
        "created": created.isoformat(timespec="seconds"),
        "labels": list(LABEL_IDS),
        "versions": _versions(),
        "training_data": {
            "sha256": data_sha,
            "rows": len(corpus),
            "rows_per_label": counts,
            "duplicates_dropped": corpus.duplicates_dropped,
            "files": len(corpus.files),
        },
        "pipeline": {"name": config.name, "config": config.as_dict(), "params": _json_params(pipeline)},
        "selection": _selection_summary(selection),
        "evaluation": evaluation,
        "training_seconds": round(time.perf_counter() - started, 2),
    }
    model_dir = None
    if out_dir is not None:
        say(f"saving the model to {out_dir}")
        metadata = save_model_dir(pipeline, metadata, out_dir)
        model_dir = Path(out_dir)
    return TrainResult(Classifier(pipeline, metadata), metadata, model_dir)
