"""Service settings: defaults, then ``CLAIMS_*`` environment variables, then overrides."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DEFAULTS", "ENV_SETTINGS", "load_settings", "SettingsError"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict = {
    "MODEL_DIR": str(PROJECT_ROOT / "models" / "default"),
    "MAX_SENTENCES": 500,
    "MAX_SENTENCE_CHARS": 2000,
    # POST /v1/analyze: characters of one whole text (an article is typically 5,000-20,000).
    "MAX_TEXT_CHARS": 100_000,
    "MAX_BODY_BYTES": 2 * 1024 * 1024,
    "LOG_LEVEL": "INFO",
    # Below this top probability a result says "label": null (route it to a person); None: never.
    "ABSTAIN_BELOW": None,
    "MAX_JSON_DEPTH": 10,
    "LOG_FORMAT": "json",
    # Debug only: puts the submitted sentences into the access log.
    "LOG_REQUEST_TEXT": False,
    # API keys (service/auth.py): plain "key:role,role;key2:role" and/or a file of hashed keys.
    "API_KEYS": "",
    "API_KEYS_FILE": "",
    # Moderators' feedback (training/feedback): sqlite:///PATH, postgresql://... or csv:///DIR.
    "FEEDBACK_URL": f"sqlite:///{PROJECT_ROOT / 'feedback' / 'feedback.sqlite3'}",
    # The model's name in Open Inference Protocol URLs (/v2/models/<name>/infer).
    "OIP_MODEL_NAME": "claims",
}


def boolean(text: str) -> bool:
    """Parse an on/off environment value; anything else is a ValueError."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


#: Environment variable -> (setting, parser). Only these are read.
ENV_SETTINGS = {
    "CLAIMS_MODEL_DIR": ("MODEL_DIR", str),
    "CLAIMS_MAX_SENTENCES": ("MAX_SENTENCES", int),
    "CLAIMS_MAX_SENTENCE_CHARS": ("MAX_SENTENCE_CHARS", int),
    "CLAIMS_MAX_TEXT_CHARS": ("MAX_TEXT_CHARS", int),
    "CLAIMS_MAX_BODY_BYTES": ("MAX_BODY_BYTES", int),
    "CLAIMS_LOG_LEVEL": ("LOG_LEVEL", str),
    "CLAIMS_ABSTAIN_BELOW": ("ABSTAIN_BELOW", float),
    "CLAIMS_MAX_JSON_DEPTH": ("MAX_JSON_DEPTH", int),
    "CLAIMS_LOG_FORMAT": ("LOG_FORMAT", str),
    "CLAIMS_LOG_REQUEST_TEXT": ("LOG_REQUEST_TEXT", boolean),
    "CLAIMS_API_KEYS": ("API_KEYS", str),
    "CLAIMS_API_KEYS_FILE": ("API_KEYS_FILE", str),
    "CLAIMS_FEEDBACK_URL": ("FEEDBACK_URL", str),
    "CLAIMS_OIP_MODEL_NAME": ("OIP_MODEL_NAME", str),
}


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


def load_settings(overrides: Mapping | None = None, environ: Mapping | None = None) -> dict:
    """Merge defaults, environment and explicit overrides (last wins), and check them."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for variable, (name, parse) in ENV_SETTINGS.items():
        if variable in environ and environ[variable] != "":
            try:
                settings[name] = parse(environ[variable])
            except ValueError:
                raise SettingsError(f"{variable}={environ[variable]!r} is not a valid {parse.__name__}") from None
    settings.update(overrides or {})
    for name in ("MAX_SENTENCES", "MAX_SENTENCE_CHARS", "MAX_TEXT_CHARS", "MAX_BODY_BYTES", "MAX_JSON_DEPTH"):
        if not isinstance(settings[name], int) or settings[name] < 1:
            raise SettingsError(f"{name} must be a positive integer, got {settings[name]!r}")
    abstain = settings["ABSTAIN_BELOW"]
    if abstain is not None and (isinstance(abstain, bool) or not isinstance(abstain, (int, float)) or not 0 <= abstain <= 1):
        raise SettingsError(f"ABSTAIN_BELOW must be a number from 0 to 1, got {abstain!r}")
    settings["LOG_LEVEL"] = str(settings["LOG_LEVEL"]).upper()
    settings["LOG_FORMAT"] = str(settings["LOG_FORMAT"]).lower()
    if settings["LOG_FORMAT"] not in ("json", "text"):
        raise SettingsError(f"LOG_FORMAT must be 'json' or 'text', got {settings['LOG_FORMAT']!r}")
    # One URL path segment: a slash or a space would make the model unreachable.
    model_name = settings["OIP_MODEL_NAME"]
    if not isinstance(model_name, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", model_name):
        raise SettingsError(f"OIP_MODEL_NAME must be 1-64 of A-Z a-z 0-9 . _ -, got {model_name!r}")
    return settings
