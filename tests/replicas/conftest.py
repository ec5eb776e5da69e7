"""Fixtures for the replica tests: the feedback tests' throw-away PostgreSQL, and HAProxy."""

from __future__ import annotations

import os

import pytest

# The same server fixture as tests/feedback (re-exported, not copied): a real PostgreSQL
# that skips where none can run, and fails under CI, which installs it.
from tests.feedback.conftest import postgres_cluster, postgres_url  # noqa: F401

from .haproxy_process import HaproxyUnavailable, find_haproxy


@pytest.fixture(scope="session")
def haproxy_binary() -> str:
    """The haproxy executable; skipped where there is none, except in CI, which installs it."""
    try:
        return find_haproxy()
    except HaproxyUnavailable as exc:
        if os.environ.get("CI"):  # .ci/install-system-deps.sh installs haproxy: the test must run
            pytest.fail(f"replica tests cannot run in CI: {exc}")
        pytest.skip(f"replica tests need HAProxy: {exc}")
