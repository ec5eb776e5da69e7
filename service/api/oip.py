"""Open Inference Protocol v2 (KServe, Seldon MLServer): health, metadata and inference under ``/v2``.

The model is served under one name (``CLAIMS_OIP_MODEL_NAME``, default
``claims``) with the loaded model's version. Health and readiness are public,
like ``/healthz`` and ``/readyz``, and answer with an empty body: 200 for yes,
400 for no, as the protocol says. Model metadata and inference need the
``classify`` role when API keys are configured. Tensor checks and bodies live in
``service.dialects``; these views parse, delegate and return.
"""

from flask import Blueprint, Response, current_app, g, jsonify

from training import Classifier

from ..auth import CLASSIFY, require_role
from ..dialects.oip_request import ModelNotFound, inference_request
from ..dialects.oip_response import inference_response, model_metadata, render_oip_error, server_metadata
from ..errors import register_error_dialect
from ..model_holder import EXTENSION_KEY, current_model
from ..observability import note_classified
from ..validation import json_body

PATH_PREFIX = "/v2"

bp = Blueprint("oip", __name__, url_prefix=PATH_PREFIX)
# Every error under /v2 (auth, limits, unknown paths included) as {"error": "..."}.
bp.record_once(lambda state: register_error_dialect(state.app, PATH_PREFIX, render_oip_error))


@bp.get("/health/live")
def server_live():
    return Response(status=200)


@bp.get("/health/ready")
def server_ready():
    """Ready when the one model is loaded."""
    return Response(status=200 if current_app.extensions[EXTENSION_KEY].classifier is not None else 400)


@bp.get("")
def describe_server():
    return jsonify(server_metadata())


@bp.get("/models/<model_name>")
@require_role(CLASSIFY)
def describe_model(model_name: str):
    classifier = _served_model(model_name)
    return jsonify(model_metadata(model_name, classifier.version))


@bp.get("/models/<model_name>/ready")
def model_ready(model_name: str):
    """404 for a model not served here; otherwise ready or not, like ``/v2/health/ready``."""
    _check_model_name(model_name)
    return server_ready()


@bp.post("/models/<model_name>/infer")
@require_role(CLASSIFY)
def infer(model_name: str):
    """Label each sentence of the ``text`` tensor: outputs ``label`` and ``scores``."""
    classifier = _served_model(model_name)
    settings = current_app.config["CLAIMS"]
    request = inference_request(json_body(), settings["MAX_SENTENCES"], settings["MAX_SENTENCE_CHARS"])
    predictions = classifier.predict(request.sentences)
    note_classified(classifier.version, request.sentences, predictions)
    return jsonify(inference_response(model_name, classifier.version, request, g.request_id, predictions))


def _check_model_name(model_name: str) -> None:
    served = current_app.config["CLAIMS"]["OIP_MODEL_NAME"]
    if model_name != served:
        raise ModelNotFound(f"model {model_name!r} is not served here; this server serves {served!r}")


def _served_model(model_name: str) -> Classifier:
    _check_model_name(model_name)
    return current_model()  # 503 when no model is loaded
