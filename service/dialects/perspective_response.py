"""Perspective API response bodies from the service's sentence-by-sentence reading.

How a comment's score for an attribute (``summaryScore``) is made from its
sentences: the **maximum** over the sentences of that label's probability.

A tool configured for Perspective thresholds the summary to decide whether a
comment needs attention ("flag anything with RUMOR >= 0.8"). The question it
asks is "does this comment contain a rumor?", not "how much of it is rumor":
with a mean (or a length-weighted mean), one rumor among ten sentences of
established fact would be diluted to about 0.1 and pass unseen, and the same
sentence would score lower the more the writer added around it. The maximum
answers the tool's question, is the same for a one-sentence comment as the
sentence's own score, and never falls when text is added. Its cost: summaries
of the four attributes do not add up to 1, and a long comment has more chances
to contain one high sentence. The share of a text that is rumour or speculation
is what ``POST /v1/analyze`` reports (``rumor_or_speculation_share``).

``scoreThreshold`` drops what is below it, as Perspective does: an attribute
whose summary is below its threshold is left out, and so are the spans below
it. With the maximum, an attribute is kept exactly when at least one of its
sentences reaches the threshold, and those sentences are its spans.

Span offsets are UTF-16 code units, end exclusive, as in Perspective.
"""

from __future__ import annotations

from training import TextReading

from .perspective_request import AnalyzeCommentRequest, SuggestCommentScoreRequest
from .utf16 import Utf16Offsets

__all__ = ["SCORE_TYPE", "analyze_comment_response", "suggest_comment_score_response"]

SCORE_TYPE = "PROBABILITY"


def analyze_comment_response(request: AnalyzeCommentRequest, reading: TextReading | None) -> dict:
    """The ``comments:analyze`` response body.

    Parameters
    ----------
    request : AnalyzeCommentRequest
    reading : TextReading or None
        The comment read sentence by sentence; None when no attribute is left
        to score (all dropped for an unsupported language).
    """
    attribute_scores = {}
    sentences = reading.sentences if reading is not None else ()
    offsets = Utf16Offsets(request.text) if request.span_annotations else None
    for attribute in request.attributes:
        values = [sentence.prediction.scores[attribute.label] for sentence in sentences]
        summary = max(values, default=0.0)
        threshold = attribute.threshold
        if threshold is not None and summary < threshold:
            continue
        scores: dict = {"summaryScore": _score(summary)}
        if offsets is not None:
            scores["spanScores"] = [
                {
                    "begin": offsets.to_utf16(sentence.sentence.start),
                    "end": offsets.to_utf16(sentence.sentence.end),
                    "score": _score(value),
                }
                for sentence, value in zip(sentences, values)
                if threshold is None or value >= threshold
            ]
        attribute_scores[attribute.name] = scores
    body = {"attributeScores": attribute_scores, "languages": list(request.languages)}
    if request.client_token is not None:
        body["clientToken"] = request.client_token
    return body


def suggest_comment_score_response(request: SuggestCommentScoreRequest) -> dict:
    """The ``comments:suggestscore`` response body: the client's token, as Perspective answers."""
    return {"clientToken": request.client_token} if request.client_token is not None else {}


def _score(value: float) -> dict:
    return {"value": value, "type": SCORE_TYPE}
