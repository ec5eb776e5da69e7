"""The model the service classifies with, loaded once and shared by all requests."""

from __future__ import annotations

import logging
import time

from flask import current_app

from training import Classifier, ModelLoadError, load_model

from .errors import ModelNotReady

__all__ = ["ModelHolder", "current_model"]

log = logging.getLogger(__name__)
EXTENSION_KEY = "claims_model"


class ModelHolder:
    """Loads a model directory at start-up and hands out the loaded classifier.

    A load failure does not stop the process: the service stays live (``/healthz``)
    but not ready (``/readyz`` and classification answer 503), and the reason is
    logged, so an orchestrator can tell a broken model from a dead process.
    """

    def __init__(self, model_dir: str):
        self.model_dir = model_dir
        self.classifier: Classifier | None = None
        self.load_error: str | None = None
        self.load_seconds: float | None = None

    def load(self) -> None:
        started = time.perf_counter()
        try:
            self.classifier = load_model(self.model_dir)
        except ModelLoadError as exc:
            self.classifier, self.load_error = None, str(exc)
            log.error("model not loaded: %s", exc)
            return
        self.load_error = None
        self.load_seconds = time.perf_counter() - started
        log.info("model %s loaded in %.3f s", self.classifier.version, self.load_seconds)

    def get(self) -> Classifier:
        if self.classifier is None:
            raise ModelNotReady("no model is loaded; the service is not ready (see /readyz and the logs)")
        return self.classifier


def current_model() -> Classifier:
    """The classifier of the running app; raises ModelNotReady when there is none."""
    return current_app.extensions[EXTENSION_KEY].get()
