"""What the service says about itself to machines: its contract and its metrics."""

from flask import Blueprint, Response, current_app

from .. import metrics
from ..openapi import EXTENSION_KEY as OPENAPI_KEY

bp = Blueprint("meta", __name__)


@bp.get("/openapi.json")
def openapi_document():
    return Response(current_app.extensions[OPENAPI_KEY], mimetype="application/json")


@bp.get("/metrics")
def prometheus_metrics():
    return Response(metrics.render(), headers={"Content-Type": metrics.CONTENT_TYPE})
