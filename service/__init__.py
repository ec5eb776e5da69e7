"""The claim classifier as an HTTP service (Flask application factory)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask

from .config import load_settings
from .errors import register_error_handlers
from .model_holder import EXTENSION_KEY, ModelHolder

__all__ = ["create_app"]


def create_app(config: Mapping | None = None) -> Flask:
    """Build the application.

    Settings come from defaults, then ``CLAIMS_*`` environment variables, then
    ``config`` (tests pass overrides here). The model is loaded once, here.
    """
    settings = load_settings(config)
    logging.basicConfig(level=settings["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask(__name__)
    app.config["CLAIMS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.json.sort_keys = False  # keep label order as defined

    holder = ModelHolder(settings["MODEL_DIR"])
    holder.load()
    app.extensions[EXTENSION_KEY] = holder

    register_error_handlers(app)
    from .api import health, v1

    app.register_blueprint(health.bp)
    app.register_blueprint(v1.bp)
    return app
