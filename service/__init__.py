"""The claim classifier as an HTTP service (Flask application factory)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from . import auth, observability, openapi
from .config import load_settings
from .errors import register_error_handlers
from .feedback_holder import EXTENSION_KEY as FEEDBACK_EXTENSION_KEY
from .feedback_holder import FeedbackHolder
from .jsonio import FastJSONProvider
from .logging_setup import configure_logging
from .model_holder import EXTENSION_KEY, ModelHolder

__all__ = ["create_app"]


def create_app(config: Mapping | None = None) -> Flask:
    """Build the application.

    Settings come from defaults, then ``CLAIMS_*`` environment variables, then
    ``config`` (tests pass overrides here). The model is loaded once, here.
    """
    settings = load_settings(config)
    configure_logging(settings["LOG_LEVEL"], settings["LOG_FORMAT"])
    app = Flask(__name__)
    app.json = FastJSONProvider(app)  # Flask's JSON output, serialised by orjson where that is the same
    # Never debug mode, whatever FLASK_DEBUG says: the debugger runs code and shows tracebacks.
    app.config["DEBUG"] = False
    app.config["CLAIMS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.json.sort_keys = False  # keep label order as defined

    holder = ModelHolder(settings["MODEL_DIR"])
    holder.load()
    app.extensions[EXTENSION_KEY] = holder
    feedback = FeedbackHolder(settings["FEEDBACK_URL"])
    feedback.open()  # creates the schema on first start; a failure disables only /v1/feedback
    app.extensions[FEEDBACK_EXTENSION_KEY] = feedback

    register_error_handlers(app)
    observability.init_app(app)  # first: a 401 from auth already carries the request id
    auth.init_app(app, settings)
    openapi.init_app(app, settings)
    from .api import feedback as feedback_api
    from . import page
    from .api import admin, analyze, health, meta, v1
    from .api import oip, perspective

    app.register_blueprint(health.bp)
    app.register_blueprint(meta.bp)
    app.register_blueprint(v1.bp)
    app.register_blueprint(analyze.bp)
    app.register_blueprint(page.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(feedback_api.bp)
    app.register_blueprint(perspective.bp)  # Perspective API drop-in, /v1alpha1
    app.register_blueprint(oip.bp)  # Open Inference Protocol v2, /v2
    return app
