"""API keys and roles for ``/v1/*``.

Keys come from ``CLAIMS_API_KEYS`` (plain ``key:role,role;key2:role``) and/or
``CLAIMS_API_KEYS_FILE`` (one ``<sha256 hex of key> <role>[,<role>...]`` per line,
``#`` comments). Only SHA-256 digests are kept in memory, and a presented key is
compared with every stored digest in constant time, so neither the keys nor the
timing of a comparison give a key away.

Which role an endpoint needs: a view may say so with :func:`require_role`;
otherwise ``/v1/admin/*`` needs ``admin``, the rest of ``/v1/*`` needs
``classify``, and everything else (health, metrics, the OpenAPI document) is
public. A new ``/v1`` blueprint is therefore protected without doing anything.
When no keys are configured, nothing is enforced and start-up logs a warning.

A view marked with :func:`accepts_key_parameter` also takes the key as a
``?key=<key>`` query parameter, the way Perspective API clients send it; the
``Authorization`` header wins when both are sent. Only those views: a key in a
URL ends up in proxy logs and browser history, so it is not offered elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, request

from .config import SettingsError
from .errors import Forbidden, Unauthorized

__all__ = ["ROLES", "ApiKeyStore", "require_role", "accepts_key_parameter", "init_app", "hash_key"]

log = logging.getLogger(__name__)

CLASSIFY, ADMIN = "classify", "admin"
ROLES = frozenset({CLASSIFY, ADMIN})
EXTENSION_KEY = "claims_auth"
PUBLIC = None  # require_role(PUBLIC) opens a /v1 endpoint to everyone

_ROLE_ATTRIBUTE = "_claims_required_role"
_KEY_PARAMETER_ATTRIBUTE = "_claims_accepts_key_parameter"
KEY_PARAMETER = "key"
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_BEARER = re.compile(r"Bearer +(\S+) *", re.IGNORECASE)


def hash_key(key: str) -> str:
    """The SHA-256 hex digest of a key, as written in a key file."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKeyStore:
    """SHA-256 digests of the accepted keys and the roles each one grants."""

    entries: tuple[tuple[bytes, frozenset[str]], ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.entries)

    @classmethod
    def from_settings(cls, settings: dict) -> "ApiKeyStore":
        entries = list(_parse_plain_keys(settings.get("API_KEYS") or ""))
        if settings.get("API_KEYS_FILE"):
            entries.extend(_parse_key_file(Path(settings["API_KEYS_FILE"])))
        merged: dict[bytes, frozenset[str]] = {}
        for digest, roles in entries:  # the same key listed twice gets the union of its roles
            merged[digest] = merged.get(digest, frozenset()) | roles
        return cls(tuple(merged.items()))

    def roles_for(self, key: str) -> frozenset[str] | None:
        """The roles of ``key``, or None when it is not a configured key.

        Every stored digest is compared, with :func:`hmac.compare_digest`, so the
        time taken does not depend on which key (if any) matched.
        """
        presented = hashlib.sha256(key.encode("utf-8")).digest()
        found = None
        for digest, roles in self.entries:
            if hmac.compare_digest(digest, presented):
                found = roles
        return found


def require_role(role: str | None) -> Callable:
    """Decorate a view to need ``role`` (or :data:`PUBLIC` for none), overriding the path rule."""
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {sorted(ROLES)}")

    def mark(view: Callable) -> Callable:
        setattr(view, _ROLE_ATTRIBUTE, role)
        return view

    return mark


def accepts_key_parameter(view: Callable) -> Callable:
    """Decorate a view to accept the API key as ``?key=<key>`` as well as in the header."""
    setattr(view, _KEY_PARAMETER_ATTRIBUTE, True)
    return view


def init_app(app: Flask, settings: dict) -> ApiKeyStore:
    """Load the keys and check every request before its view runs."""
    store = ApiKeyStore.from_settings(settings)
    app.extensions[EXTENSION_KEY] = store
    if store.enabled:
        log.info("API keys enabled: %d key(s) configured", len(store.entries))
    else:
        log.warning(
            "!!! NO API KEYS CONFIGURED: /v1/* is open to anyone who can reach this service. "
            "Set CLAIMS_API_KEYS or CLAIMS_API_KEYS_FILE in production. !!!"
        )
    app.before_request(_authorize)
    return store


def _required_role() -> str | None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is not None and hasattr(view, _ROLE_ATTRIBUTE):
        return getattr(view, _ROLE_ATTRIBUTE)
    path = request.path
    if path == "/v1/admin" or path.startswith("/v1/admin/"):
        return ADMIN
    if path == "/v1" or path.startswith("/v1/"):
        return CLASSIFY
    return None


def _authorize() -> None:
    store: ApiKeyStore = current_app.extensions[EXTENSION_KEY]
    if not store.enabled:
        return
    role = _required_role()
    if role is None:
        return
    header = request.headers.get("Authorization")
    if header:
        match = _BEARER.fullmatch(header)
        if match is None:
            raise Unauthorized("the Authorization header must be 'Bearer <key>'")
        key = match.group(1)
    elif not _accepts_key_parameter():
        raise Unauthorized("this endpoint needs an API key: send 'Authorization: Bearer <key>'")
    elif request.args.get(KEY_PARAMETER):
        key = request.args[KEY_PARAMETER]
    else:
        raise Unauthorized(
            f"this endpoint needs an API key: send 'Authorization: Bearer <key>' or '?{KEY_PARAMETER}=<key>'"
        )
    roles = store.roles_for(key)
    if roles is None:
        raise Unauthorized("the API key is not recognised")
    if role not in roles:
        raise Forbidden(f"this API key lacks the '{role}' role this endpoint needs")


def _accepts_key_parameter() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, _KEY_PARAMETER_ATTRIBUTE, False))


def _parse_plain_keys(value: str) -> Iterable[tuple[bytes, frozenset[str]]]:
    for position, item in enumerate((part.strip() for part in value.split(";")), start=1):
        if not item:
            continue
        key, separator, roles = item.rpartition(":")
        # Never echo the key itself: the message says which entry, not what it holds.
        where = f"CLAIMS_API_KEYS entry {position}"
        if not separator or not key.strip():
            raise SettingsError(f"{where}: expected '<key>:<role>[,<role>...]'")
        yield hashlib.sha256(key.strip().encode("utf-8")).digest(), _parse_roles(roles, where)


def _parse_key_file(path: Path) -> Iterable[tuple[bytes, frozenset[str]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"CLAIMS_API_KEYS_FILE {path} cannot be read: {exc}") from None
    for number, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{number}"
        parts = line.split()
        if len(parts) != 2 or not _HEX_DIGEST.fullmatch(parts[0].lower()):
            raise SettingsError(f"{where}: expected '<sha256 hex of key> <role>[,<role>...]'")
        yield bytes.fromhex(parts[0]), _parse_roles(parts[1], where)


def _parse_roles(text: str, where: str) -> frozenset[str]:
    roles = frozenset(role.strip() for role in text.split(",") if role.strip())
    if not roles:
        raise SettingsError(f"{where}: no role given; roles are {sorted(ROLES)}")
    unknown = roles - ROLES
    if unknown:
        raise SettingsError(f"{where}: unknown role(s) {sorted(unknown)}; roles are {sorted(ROLES)}")
    return roles
