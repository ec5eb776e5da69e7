"""``POST /v1/analyze``: a whole text read sentence by sentence.

Body ``{"text": "...", "explain"?: bool}``. The reply gives every sentence with
its offsets into ``text`` (so a client can highlight it), label, confidence,
scores, attributed source, and a summary. Splitting, attribution and the summary
live in ``training.analysis``; this view only parses, delegates and returns.
"""

from flask import Blueprint, current_app, jsonify

from training import analyze_text

from ..model_holder import current_model
from ..observability import note_classified
from ..validation import json_body, optional_bool, text_field

bp = Blueprint("analyze", __name__, url_prefix="/v1")


@bp.post("/analyze")
def analyze():
    body = json_body()
    text = text_field(body, "text", current_app.config["CLAIMS"]["MAX_TEXT_CHARS"])
    explain = optional_bool(body, "explain")
    classifier = current_model()
    reading = analyze_text(classifier, text, explain=explain)
    note_classified(classifier.version, [r.sentence.text for r in reading.sentences],
                    [r.prediction for r in reading.sentences])
    return jsonify({"model": {"version": classifier.version}, **reading.as_dict()})
