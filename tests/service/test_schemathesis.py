"""Property-based API test: schemathesis against the running app (gunicorn, 2 workers).

For every operation in /openapi.json, schemathesis generates valid and invalid
requests and checks that no response is a server error, that every status code,
header and body is the one documented, that invalid input is rejected, that the
bearer key is enforced, and (our own check) that no response reveals a traceback
or a server path.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from service.config import load_settings
from service.openapi import load_document

from .gunicorn_server import ROOT, run_gunicorn

API_KEY = "schemathesis-key"
# Small limits keep generated bodies small (fast) while the limits stay exercised.
SERVER_ENV = {
    "CLAIMS_API_KEYS": f"{API_KEY}:classify,admin",
    "CLAIMS_MAX_SENTENCES": "8",
    "CLAIMS_MAX_SENTENCE_CHARS": "300",
    "CLAIMS_MAX_TEXT_CHARS": "2000",
    "CLAIMS_MAX_BODY_BYTES": str(256 * 1024),
}
LEAKS = ("Traceback", "File \"", str(ROOT), "/tmp/", "site-packages", "werkzeug.exceptions", "<!doctype html")


@pytest.fixture(scope="module")
def live_server(trained_model_dir, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("schemathesis")
    env = {**SERVER_ENV, "CLAIMS_FEEDBACK_URL": f"sqlite:///{scratch / 'feedback.sqlite3'}"}
    with run_gunicorn(trained_model_dir, scratch, env=env) as server:
        yield server


def reveals_no_internals(ctx, response, case):
    """No traceback, source path or framework page in any response."""
    text = response.text or ""
    leaks = LEAKS
    if case.path == "/" and response.status_code == 200:
        # The moderators' page (service/page.py) is HTML by design; the rest still applies.
        leaks = tuple(leak for leak in LEAKS if leak != "<!doctype html")
    for leak in leaks:
        if leak in text:
            raise AssertionError(f"response reveals {leak!r}: {text[:300]}")


# The document the server serves with SERVER_ENV's limits (test_contract checks that the
# served copy is exactly this). Loaded eagerly: schemathesis's fixture-based loader does
# not work with this pytest version.
schema = schemathesis.openapi.from_dict(load_document(load_settings(environ=SERVER_ENV)))


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_document(case, live_server):
    case.call_and_validate(
        base_url=live_server.base_url,
        headers={"Authorization": f"Bearer {API_KEY}"},
        additional_checks=[reveals_no_internals],
    )
