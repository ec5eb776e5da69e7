"""A whole text read sentence by sentence: label, scores, source, and a summary.

Used by the service's ``POST /v1/analyze``, ``python -m service analyze`` and
``python -m training predict --article``, so all three give the same reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from .attribution import Source, attribute_sentences
from .classifier import Classifier, Prediction
from .labels import LABEL_IDS
from .segment import Sentence, split_sentences
from .source_kinds import SOURCE_KINDS

__all__ = ["SentenceReading", "TextReading", "analyze_text"]

#: Labels whose share of a text the summary reports: content that is not established.
UNESTABLISHED_LABELS = ("rumor", "speculation")


@dataclass(frozen=True)
class SentenceReading:
    """One sentence with its prediction and attributed source (None: the writer's own voice)."""

    sentence: Sentence
    prediction: Prediction
    source: Source | None

    def as_dict(self, index: int) -> dict:
        result = {
            "index": index,
            "start": self.sentence.start,
            "end": self.sentence.end,
            "paragraph": self.sentence.paragraph,
            "text": self.sentence.text,
        }
        result.update(self.prediction.as_dict())
        result["source"] = self.source.as_dict() if self.source is not None else None
        return result


@dataclass(frozen=True)
class TextReading:
    """Every sentence of a text, read, in text order."""

    sentences: tuple[SentenceReading, ...]

    def summary(self) -> dict:
        """Counts per label and per source kind, and the share of rumour or speculation.

        Returns
        -------
        dict
            ``sentences`` (count), ``labels`` (count per label id, every label
            present), ``rumor_or_speculation_share`` (0 to 1, 4 decimals),
            ``sources`` (count per source kind) and ``unattributed`` (sentences
            in the writer's own voice).
        """
        labels = dict.fromkeys(LABEL_IDS, 0)
        kinds = dict.fromkeys(SOURCE_KINDS, 0)
        unattributed = 0
        for reading in self.sentences:
            if reading.prediction.label is not None:
                labels[reading.prediction.label] += 1
            if reading.source is None:
                unattributed += 1
            else:
                kinds[reading.source.kind] += 1
        total = len(self.sentences)
        unestablished = sum(labels[label] for label in UNESTABLISHED_LABELS)
        return {
            "sentences": total,
            "labels": labels,
            "rumor_or_speculation_share": round(unestablished / total, 4) if total else 0.0,
            "sources": kinds,
            "unattributed": unattributed,
        }

    def as_dict(self) -> dict:
        return {"summary": self.summary(), "sentences": [r.as_dict(i) for i, r in enumerate(self.sentences)]}


def analyze_text(classifier: Classifier, text: str, explain: bool = False) -> TextReading:
    """Split a text into sentences, label each, and name the source of each claim.

    Parameters
    ----------
    classifier : Classifier
        A loaded model (:func:`training.load_model`).
    text : str
        A post or a whole article; paragraphs are separated by blank lines.
    explain : bool
        Add each prediction's strongest features.

    Returns
    -------
    TextReading
        Empty when the text holds no sentence (blank text).
    """
    sentences = split_sentences(text)
    predictions = classifier.predict([s.text for s in sentences], explain=explain)
    sources = attribute_sentences(text, sentences)
    return TextReading(tuple(SentenceReading(*row) for row in zip(sentences, predictions, sources)))
