"""Train, evaluate and load the claim classifier.

The service and other callers use only this surface; nothing outside ``training``
calls scikit-learn directly.
"""

from .analysis import SentenceReading, TextReading, analyze_text
from .artifacts import ModelLoadError
from .attribution import Source
from .classifier import Classifier, Prediction, load_model
from .corpus import Corpus, CorpusError, read_corpus
from .labels import LABEL_IDS, LABELS, Label, normalize_label
from .segment import Sentence, split_sentences
from .source_kinds import SOURCE_KINDS
from .trainer import TrainResult, train

__all__ = [
    "LABELS",
    "LABEL_IDS",
    "SOURCE_KINDS",
    "Classifier",
    "Corpus",
    "CorpusError",
    "Label",
    "ModelLoadError",
    "Prediction",
    "Sentence",
    "SentenceReading",
    "Source",
    "TextReading",
    "TrainResult",
    "analyze_text",
    "load_model",
    "normalize_label",
    "read_corpus",
    "split_sentences",
    "train",
]
