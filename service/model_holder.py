"""The model the service classifies with: loaded once, shared by all requests, reloaded safely."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from training import LABEL_IDS, Classifier, ModelLoadError, load_model
from training.artifacts import METADATA_FILE

from . import metrics
from .errors import ModelNotReady, ModelRejected

__all__ = ["ModelHolder", "ReloadOutcome", "current_model", "smoke_check"]

log = logging.getLogger(__name__)
EXTENSION_KEY = "claims_model"

#: One sentence per label (the labeling guide's worked examples): a model must
#: return a well-formed reading of each before it may serve. Correctness is the
#: evaluation's job; this catches a model that cannot predict at all.
SMOKE_SENTENCES = (
    "Hospital records show 41 people were treated for injuries overnight.",
    "The interior minister accused foreign agents of organising the unrest.",
    "The unrest could push fuel prices higher across the region.",
    "Posts shared thousands of times claim the army has switched sides.",
)


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did: ``changed`` is False when the directory held the model already serving."""

    previous_version: str | None
    version: str
    changed: bool

    def as_dict(self) -> dict:
        return asdict(self)


def smoke_check(classifier: Classifier) -> None:
    """Predict :data:`SMOKE_SENTENCES` and check every reading is well formed.

    Raises
    ------
    ModelLoadError
        Naming what was wrong with the predictions (or what the model raised).
    """
    try:
        predictions = classifier.predict(list(SMOKE_SENTENCES))
    except Exception as exc:  # a broken pickle can fail in any way
        raise ModelLoadError(f"the smoke prediction failed: {type(exc).__name__}: {exc}") from None
    if len(predictions) != len(SMOKE_SENTENCES):
        raise ModelLoadError(
            f"the smoke prediction returned {len(predictions)} readings for {len(SMOKE_SENTENCES)} sentences"
        )
    for prediction in predictions:
        scores = prediction.scores
        if prediction.label not in LABEL_IDS or list(scores) != list(LABEL_IDS):
            raise ModelLoadError(f"the smoke prediction gave label {prediction.label!r} and scores for {list(scores)}")
        if not all(math.isfinite(p) and 0.0 <= p <= 1.0 for p in scores.values()) or not math.isclose(
            sum(scores.values()), 1.0, abs_tol=1e-3
        ):
            raise ModelLoadError(f"the smoke prediction gave scores that are not probabilities: {scores}")


def _without_path(message: str, model_dir: str) -> str:
    """A load error for a client: the server's model path replaced by a neutral name."""
    return message.replace(str(Path(model_dir)), "<model dir>").replace(str(model_dir), "<model dir>")


class ModelHolder:
    """Loads a model directory and hands out the loaded classifier; reloads it safely.

    A load failure at start-up does not stop the process: the service stays live
    (``/healthz``) but not ready (``/readyz`` and classification answer 503), and
    the reason is logged, so an orchestrator can tell a broken model from a dead
    process.

    :meth:`reload` reads the model directory again, validates what it finds
    (metadata, checksum, a smoke prediction) and only then replaces the classifier
    reference. Replacing one attribute is atomic in CPython, and views take the
    reference once per request (:func:`current_model`), so a request in flight
    finishes on the model it started with. A model that fails validation is
    rejected and the one already serving keeps serving.
    """

    def __init__(self, model_dir: str):
        self.model_dir = model_dir
        self.classifier: Classifier | None = None
        self.load_error: str | None = None
        self.load_seconds: float | None = None
        self.last_reload_error: str | None = None
        # One reload at a time: two would validate twice and race to swap.
        self._reload_lock = threading.Lock()

    def load(self) -> None:
        """Load at start-up; a failure leaves the service live but not ready."""
        try:
            self._swap_in(self._load_validated())
        except (ModelLoadError, OSError) as exc:  # OSError: unreadable files
            self.classifier, self.load_error = None, str(exc)
            log.error("model not loaded: %s", exc)

    def reload(self) -> ReloadOutcome:
        """Load the model directory's current model if it differs from the one serving.

        Returns
        -------
        ReloadOutcome

        Raises
        ------
        ModelRejected
            The directory holds no valid model; the previous model (if any) still serves.
        """
        with self._reload_lock:
            previous = self.classifier
            previous_version = previous.version if previous is not None else None
            if previous is not None and self._directory_holds(previous):
                return ReloadOutcome(previous_version, previous_version, changed=False)
            try:
                candidate = self._load_validated()
            except (ModelLoadError, OSError) as exc:
                self.last_reload_error = str(exc)
                if previous is None:
                    self.load_error = str(exc)
                log.error("model reload rejected; still serving %s: %s", previous_version or "no model", exc)
                raise ModelRejected(
                    f"model reload rejected, still serving {previous_version or 'no model'}: "
                    + _without_path(str(exc), self.model_dir)
                ) from None
            self._swap_in(candidate)
            self.last_reload_error = None
            return ReloadOutcome(previous_version, candidate.version, changed=True)

    def get(self) -> Classifier:
        if self.classifier is None:
            raise ModelNotReady("no model is loaded; the service is not ready (see /readyz and the logs)")
        return self.classifier

    def _load_validated(self) -> Classifier:
        started = time.perf_counter()
        classifier = load_model(self.model_dir)  # checks metadata, labels, library versions, checksum
        smoke_check(classifier)
        self.load_seconds = time.perf_counter() - started
        return classifier

    def _swap_in(self, classifier: Classifier) -> None:
        self.classifier = classifier  # the swap: one reference assignment
        self.load_error = None
        log.info("model %s loaded in %.3f s", classifier.version, self.load_seconds)
        metrics.observe_model_load(classifier.version, self.load_seconds)

    def _directory_holds(self, classifier: Classifier) -> bool:
        """Whether the directory still holds ``classifier``'s artifact (same version and checksum).

        Reads only ``metadata.json``, so a reload that finds nothing new is cheap.
        """
        try:
            on_disk = json.loads((Path(self.model_dir) / METADATA_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False  # let the full load say what is wrong
        return isinstance(on_disk, dict) and all(
            on_disk.get(key) == classifier.metadata.get(key) for key in ("version", "artifact_sha256")
        )


def current_model() -> Classifier:
    """The classifier of the running app; raises ModelNotReady when there is none."""
    return current_app.extensions[EXTENSION_KEY].get()
