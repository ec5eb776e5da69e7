"""Open Inference Protocol v2 response bodies: metadata, inference outputs, errors.

Errors on ``/v2`` routes are the protocol's ``{"error": "<message>"}`` with the
same HTTP status the native API would use (a 422 from shared validation
becomes 400, the protocol's usual status); the request id stays in the
``X-Request-ID`` header.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata

from flask import Response, jsonify

from training import LABEL_IDS, Prediction

from ..errors import ErrorReply
from .oip_request import INPUT_NAME, LABEL_OUTPUT, SCORES_OUTPUT, STRING_CONTENT_TYPE, InferenceRequest

__all__ = ["PLATFORM", "SERVER_NAME", "inference_response", "model_metadata", "render_oip_error", "server_metadata"]

PLATFORM = "scikit-learn"
SERVER_NAME = "claim-classifier"
#: Column order of ``scores``, told to clients in the tensors' parameters.
_LABEL_ORDER = ",".join(LABEL_IDS)
_OUTPUT_PARAMETERS = {
    LABEL_OUTPUT: {"content_type": STRING_CONTENT_TYPE},
    SCORES_OUTPUT: {"content_type": "np", "labels": _LABEL_ORDER},
}


def server_metadata() -> dict:
    """``GET /v2``: the server's name, version and (no) protocol extensions."""
    try:
        version = metadata.version(SERVER_NAME)
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        version = "unknown"
    return {"name": SERVER_NAME, "version": version, "extensions": []}


def model_metadata(model_name: str, model_version: str) -> dict:
    """``GET /v2/models/<name>``: the tensors the model takes and gives."""
    return {
        "name": model_name,
        "versions": [model_version],
        "platform": PLATFORM,
        "inputs": [
            {"name": INPUT_NAME, "datatype": "BYTES", "shape": [-1],
             "parameters": {"content_type": STRING_CONTENT_TYPE}}
        ],
        "outputs": [
            {"name": LABEL_OUTPUT, "datatype": "BYTES", "shape": [-1], "parameters": _OUTPUT_PARAMETERS[LABEL_OUTPUT]},
            {"name": SCORES_OUTPUT, "datatype": "FP32", "shape": [-1, len(LABEL_IDS)],
             "parameters": _OUTPUT_PARAMETERS[SCORES_OUTPUT]},
        ],
        "parameters": {"labels": _LABEL_ORDER},
    }


def inference_response(model_name: str, model_version: str, request: InferenceRequest, request_id: str,
                       predictions: Sequence[Prediction]) -> dict:
    """The inference response: the outputs asked for, one row per sentence, in input order.

    ``id`` is the request's own, or else the service's request id (the protocol
    wants one in every response).
    """
    count = len(predictions)
    tensors = {
        LABEL_OUTPUT: {"datatype": "BYTES", "shape": [count], "data": [p.label for p in predictions]},
        SCORES_OUTPUT: {
            "datatype": "FP32",
            "shape": [count, len(LABEL_IDS)],
            "data": [p.scores[label] for p in predictions for label in LABEL_IDS],  # row-major
        },
    }
    outputs = [
        {"name": name, **tensors[name], "parameters": _OUTPUT_PARAMETERS[name]} for name in request.outputs
    ]
    return {
        "model_name": model_name,
        "model_version": model_version,
        "id": request.id if request.id is not None else request_id,
        "outputs": outputs,
    }


def render_oip_error(reply: ErrorReply) -> Response:
    """The reply as the protocol's error body."""
    response = jsonify({"error": reply.message})
    response.status_code = 400 if reply.status == 422 else reply.status
    response.headers.update(reply.headers)
    return response
