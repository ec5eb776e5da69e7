"""Train, evaluate and load the claim classifier.

The service and other callers use only this surface; nothing outside ``training``
calls scikit-learn directly.
"""

from .artifacts import ModelLoadError
from .classifier import Classifier, Prediction, load_model
from .corpus import Corpus, CorpusError, read_corpus
from .labels import LABEL_IDS, LABELS, Label, normalize_label
from .trainer import TrainResult, train

__all__ = [
    "LABELS",
    "LABEL_IDS",
    "Classifier",
    "Corpus",
    "CorpusError",
    "Label",
    "ModelLoadError",
    "Prediction",
    "TrainResult",
    "load_model",
    "normalize_label",
    "read_corpus",
    "train",
]
