"""``comments:suggestscore`` into the feedback store that ``POST /v1/feedback`` writes to.

Each suggested label becomes one feedback row, like a moderator's correction:
``predicted_label`` and ``model_version`` are what the model serving now says
about the text (a Perspective client does not send them). The rows are written
with an idempotency key made from their content, so a client that retries a
suggestion (after a timeout, or a 503 halfway through several spans) stores
each row once.
"""

from __future__ import annotations

from training import Classifier
from training.feedback import FeedbackEntry

from ..feedback_holder import record_feedback
from .perspective_request import SuggestedLabel

__all__ = ["SUGGESTION_NOTE", "store_suggestions"]

SUGGESTION_NOTE = "suggested through Perspective comments:suggestscore"
_IDEMPOTENCY_PREFIX = "perspective-suggestscore:"


def store_suggestions(classifier: Classifier, suggestions: tuple[SuggestedLabel, ...]) -> int:
    """Store every suggestion as feedback; returns how many rows were new (not retries).

    Raises
    ------
    FeedbackStoreUnavailable
        The store cannot be reached (503); rows stored before it failed stay,
        and a retry of the same request does not store them twice.
    """
    if not suggestions:
        return 0
    predictions = classifier.predict([suggestion.text for suggestion in suggestions])
    new_rows = 0
    for suggestion, prediction in zip(suggestions, predictions):
        entry = FeedbackEntry(suggestion.text, suggestion.label, prediction.label, classifier.version, SUGGESTION_NOTE)
        result = record_feedback(entry, _IDEMPOTENCY_PREFIX + entry.digest())
        new_rows += not result.replayed
    return new_rows
