"""A Perspective API drop-in: ``POST /v1alpha1/comments:analyze`` and ``:suggestscore``.

For comment platforms wired to Google Jigsaw's Perspective API: point the
tool's endpoint at this service and use one of its API keys (as ``?key=``, the
way Perspective clients send it, or as a bearer header). The attributes are
the four claim labels in upper case. Request checks, scores and error bodies
live in ``service.dialects``; these views parse, delegate and return.
"""

import logging

from flask import Blueprint, current_app, jsonify

from training import analyze_text

from ..auth import CLASSIFY, accepts_key_parameter, require_role
from ..dialects.perspective_errors import render_perspective_error
from ..dialects.perspective_feedback import store_suggestions
from ..dialects.perspective_request import analyze_comment_request, suggest_comment_score_request
from ..dialects.perspective_response import analyze_comment_response, suggest_comment_score_response
from ..errors import register_error_dialect
from ..model_holder import current_model
from ..observability import note_classified
from ..validation import json_body

log = logging.getLogger(__name__)
PATH_PREFIX = "/v1alpha1"

bp = Blueprint("perspective", __name__, url_prefix=PATH_PREFIX)
# Every error under /v1alpha1 (auth, limits, unknown paths included) in Google's shape.
bp.record_once(lambda state: register_error_dialect(state.app, PATH_PREFIX, render_perspective_error))


@bp.post("/comments:analyze")
@require_role(CLASSIFY)
@accepts_key_parameter
def analyze_comment():
    """Score the comment for each requested attribute; per sentence too with ``spanAnnotations``."""
    request = analyze_comment_request(json_body(), current_app.config["CLAIMS"]["MAX_TEXT_CHARS"])
    reading = None
    if request.attributes:  # none left when all were dropped for the language: nothing to score
        classifier = current_model()
        reading = analyze_text(classifier, request.text)
        note_classified(classifier.version, [r.sentence.text for r in reading.sentences],
                        [r.prediction for r in reading.sentences], may_log_text=not request.do_not_store)
    return jsonify(analyze_comment_response(request, reading))


@bp.post("/comments:suggestscore")
@require_role(CLASSIFY)  # whoever may classify may suggest a label, as with /v1/feedback
@accepts_key_parameter
def suggest_comment_score():
    """Store the suggested labels as feedback for the next retrain; ``doNotStore`` stores nothing."""
    settings = current_app.config["CLAIMS"]
    request = suggest_comment_score_request(json_body(), settings["MAX_TEXT_CHARS"], settings["MAX_SENTENCE_CHARS"])
    if request.do_not_store:
        log.info("suggestscore with doNotStore: %d suggestion(s) checked, none stored", len(request.suggestions))
    else:
        stored = store_suggestions(current_model(), request.suggestions)
        log.info("suggestscore: %d suggestion(s), %d new feedback row(s)", len(request.suggestions), stored)
    return jsonify(suggest_comment_score_response(request))
