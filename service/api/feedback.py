"""``POST /v1/feedback``: a moderator's correction of a label, kept for the next retrain."""

from flask import Blueprint, current_app, jsonify

from ..auth import CLASSIFY, require_role
from ..feedback_holder import record_feedback
from ..feedback_input import feedback_entry, idempotency_key
from ..validation import json_body

bp = Blueprint("feedback", __name__, url_prefix="/v1")


@bp.post("/feedback")
@require_role(CLASSIFY)  # whoever may classify may report a wrong label
def submit_feedback():
    """201 with the stored row; 200 and ``Idempotent-Replayed: true`` for a retry of one already stored."""
    entry = feedback_entry(json_body(), current_app.config["CLAIMS"]["MAX_SENTENCE_CHARS"])
    result = record_feedback(entry, idempotency_key())
    response = jsonify(result.feedback.as_dict())
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
        return response, 200
    return response, 201
