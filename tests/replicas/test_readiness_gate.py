"""The balancer sends traffic only to replicas whose ``/readyz`` says a model is loaded.

One replica starts with an empty model directory (live, not ready); the other
server in ``deploy/haproxy.cfg`` is a loopback port nobody listens on. With no
ready replica, clients get HAProxy's documented 503 ``no_replica_available`` in the
service's error shape. Installing a model and reloading the replica (step 2 of the
rollout in docs/scale-out.md) brings it into rotation on its next health checks.
"""

from __future__ import annotations

import json
import shutil

import requests

from tests.service.gunicorn_server import free_port, run_gunicorn

from .haproxy_process import run_haproxy

CLASSIFY = {"sentences": ["The ministry said the bridge would reopen on Monday."]}


def test_a_replica_without_a_model_gets_no_traffic_until_it_loads_one(haproxy_binary, trained_model_dir, tmp_path):
    live_dir = tmp_path / "models" / "default"  # empty until the model is installed below
    nobody = f"127.0.0.1:{free_port()}"
    with (
        run_gunicorn(live_dir, tmp_path / "replica", env={"CLAIMS_LOG_LEVEL": "WARNING"}, workers=1,
                     expect_ready=False) as replica,
        run_haproxy([replica.base_url.removeprefix("http://"), nobody], tmp_path / "haproxy") as balancer,
    ):
        balancer.wait_for_status("replica1", "DOWN")
        balancer.wait_for_status("replica2", "DOWN")
        # Out because /readyz answered 503, although the process is up and live.
        assert "replicas/replica1 is DOWN, reason: Layer7 wrong status, code: 503" in balancer.log()
        assert requests.get(replica.base_url + "/healthz", timeout=5).status_code == 200

        refused = requests.post(balancer.base_url + "/v1/classify", json=CLASSIFY, timeout=10)

        shutil.copytree(trained_model_dir, live_dir)
        reloaded = requests.post(replica.base_url + "/v1/admin/reload", timeout=60)
        balancer.wait_for_status("replica1", "UP")
        served = requests.post(balancer.base_url + "/v1/classify", json=CLASSIFY, timeout=10)

    assert refused.status_code == 503
    assert refused.headers["Content-Type"] == "application/json" and refused.headers["Retry-After"] == "5"
    assert refused.json()["error"]["code"] == "no_replica_available"
    version = json.loads((trained_model_dir / "metadata.json").read_text())["version"]
    assert reloaded.status_code == 200 and reloaded.json()["version"] == version and reloaded.json()["changed"]
    assert served.status_code == 200 and served.json()["model"]["version"] == version
