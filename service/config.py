"""Service settings: defaults, then ``CLAIMS_*`` environment variables, then overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DEFAULTS", "ENV_SETTINGS", "load_settings", "SettingsError"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict = {
    "MODEL_DIR": str(PROJECT_ROOT / "models" / "default"),
    "MAX_SENTENCES": 500,
    "MAX_SENTENCE_CHARS": 2000,
    "MAX_BODY_BYTES": 2 * 1024 * 1024,
    "LOG_LEVEL": "INFO",
}

#: Environment variable -> (setting, parser). Only these are read.
ENV_SETTINGS = {
    "CLAIMS_MODEL_DIR": ("MODEL_DIR", str),
    "CLAIMS_MAX_SENTENCES": ("MAX_SENTENCES", int),
    "CLAIMS_MAX_SENTENCE_CHARS": ("MAX_SENTENCE_CHARS", int),
    "CLAIMS_MAX_BODY_BYTES": ("MAX_BODY_BYTES", int),
    "CLAIMS_LOG_LEVEL": ("LOG_LEVEL", str),
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
    for name in ("MAX_SENTENCES", "MAX_SENTENCE_CHARS", "MAX_BODY_BYTES"):
        if not isinstance(settings[name], int) or settings[name] < 1:
            raise SettingsError(f"{name} must be a positive integer, got {settings[name]!r}")
    settings["LOG_LEVEL"] = str(settings["LOG_LEVEL"]).upper()
    return settings
