"""Operator endpoints (the ``admin`` role: every ``/v1/admin/*`` path needs it)."""

from flask import Blueprint, current_app, jsonify

from ..model_holder import EXTENSION_KEY
from ..reload_signals import propagate_reload

bp = Blueprint("admin", __name__, url_prefix="/v1/admin")


@bp.post("/reload")
def reload_model():
    """Load the model directory's model if it is new: validated, then swapped in.

    409 ``model_rejected`` when it fails validation (the old model keeps serving).
    """
    outcome = current_app.extensions[EXTENSION_KEY].reload()
    # Even when this worker had the model already: another may not (a worker that
    # finds nothing new does nothing, so asking is cheap).
    all_workers = propagate_reload()
    return jsonify({**outcome.as_dict(), "all_workers_signalled": all_workers})
