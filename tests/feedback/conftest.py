"""Fixtures for the feedback store: one URL per backend, PostgreSQL being a real throw-away server."""

from __future__ import annotations

import os

import pytest

from .pg_cluster import PostgresCluster, PostgresUnavailable

BACKENDS = ("sqlite", "csv", "postgresql")


@pytest.fixture(scope="session")
def postgres_cluster():
    """A PostgreSQL server for the whole session; skipped where none can run, except in CI."""
    try:
        cluster = PostgresCluster().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):  # CI installs the server (.ci/install-system-deps.sh): these tests must run
            pytest.fail(f"PostgreSQL tests cannot run in CI: {exc}")
        pytest.skip(f"no PostgreSQL server for the feedback tests: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture()
def postgres_url(postgres_cluster) -> str:
    """A new, empty database on the session's server."""
    return postgres_cluster.create_database()


def url_for(backend: str, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'feedback.sqlite3'}"
    if backend == "csv":
        return f"csv://{tmp_path / 'store'}"  # tmp_path is absolute: csv:///tmp/...
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    """The URL of an empty store, once per backend."""
    return url_for(request.param, tmp_path, request)
