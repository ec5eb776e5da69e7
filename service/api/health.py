"""Liveness and readiness, for load balancers and orchestrators."""

from flask import Blueprint, current_app, jsonify

from ..model_holder import EXTENSION_KEY

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def live():
    """The process is up and answering."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def ready():
    """A model is loaded and requests can be classified."""
    holder = current_app.extensions[EXTENSION_KEY]
    if holder.classifier is None:
        return jsonify({"status": "not_ready", "reason": "model not loaded"}), 503
    return jsonify({"status": "ready", "model_version": holder.classifier.version})
