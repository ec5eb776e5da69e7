"""Safe model updates in one process: POST /v1/admin/reload and SIGHUP.

A reload reads the model directory again, validates the model (metadata,
checksum, a smoke prediction) and swaps it in; a model that fails is rejected
and the one serving keeps serving. Reloads across gunicorn workers are tested in
``test_reload_gunicorn.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from service import create_app
from service.model_holder import EXTENSION_KEY
from service.reload_signals import install_worker_reload
from tests.conftest import TINY_CORPUS, write_csv
from training import load_model, train
from training.artifacts import save_model_dir

PROBE = "Unconfirmed reports suggest the governor has left the capital."


@pytest.fixture(scope="session")
def second_model_dir(tmp_path_factory) -> Path:
    """A model trained on different data, so it has another version and other scores."""
    rows = TINY_CORPUS.read_text(encoding="utf-8").splitlines()
    extra = [
        "Residents said the bridge reopened on Monday.,attributed_fact",
        "Forecasters think the storm could strengthen overnight.,speculation",
    ]
    corpus = write_csv(tmp_path_factory.mktemp("second-corpus") / "corpus.csv", "\n".join(rows + extra) + "\n")
    out = tmp_path_factory.mktemp("model") / "second"
    train([corpus], out, evaluate=False)
    return out


def install(source: Path, live: Path, **changes) -> str:
    """Put the model of ``source`` at ``live`` the way training does (staged, renamed into place).

    ``changes`` overwrite metadata entries, to make a model look new or incompatible.
    """
    classifier = load_model(source)
    metadata = {k: v for k, v in classifier.metadata.items() if k != "artifact_sha256"}
    metadata.update(changes)
    return save_model_dir(classifier.pipeline, metadata, live)["version"]


def swap_in_copy(source: Path, live: Path) -> None:
    """Replace ``live`` by a copy of ``source`` with two renames, as training's save does (faster)."""
    staging = live.with_name(live.name + ".staging")
    retired = live.with_name(live.name + ".retired")
    shutil.copytree(source, staging)
    os.rename(live, retired)
    os.rename(staging, live)
    shutil.rmtree(retired)


@pytest.fixture()
def live_dir(tmp_path, trained_model_dir) -> Path:
    live = tmp_path / "models" / "default"
    shutil.copytree(trained_model_dir, live)
    return live


@pytest.fixture()
def live_app(live_dir):
    return create_app({"MODEL_DIR": str(live_dir)})


def served_version(client) -> str:
    return client.get("/v1/model").get_json()["version"]


def test_reload_swaps_in_the_new_model(live_app, live_dir, trained_model_dir, second_model_dir):
    client = live_app.test_client()
    old = served_version(client)
    new = install(second_model_dir, live_dir)
    assert new != old

    response = client.post("/v1/admin/reload")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"previous_version": old, "version": new, "changed": True,
                                   "all_workers_signalled": False}
    assert served_version(client) == new
    classified = client.post("/v1/classify", json={"sentences": [PROBE]}).get_json()
    assert classified["model"]["version"] == new
    assert classified["results"][0] == load_model(second_model_dir).predict([PROBE])[0].as_dict()


def test_reload_without_a_new_model_changes_nothing(live_app):
    client = live_app.test_client()
    holder = live_app.extensions[EXTENSION_KEY]
    serving = holder.classifier
    body = client.post("/v1/admin/reload").get_json()
    assert body["changed"] is False and body["version"] == body["previous_version"] == serving.version
    assert holder.classifier is serving  # not even reloaded


@pytest.mark.parametrize("damage", ["other_sklearn", "checksum", "missing_file", "nan_scores"])
def test_a_bad_model_is_rejected_and_the_old_one_keeps_serving(live_app, live_dir, trained_model_dir, damage):
    client = live_app.test_client()
    old = served_version(client)
    source = load_model(trained_model_dir)
    if damage == "other_sklearn":
        install(trained_model_dir, live_dir, version="v-other-sklearn",
                versions={**source.metadata["versions"], "scikit-learn": "0.0.1"})
        expected = "scikit-learn 0.0.1"
    elif damage == "checksum":
        install(trained_model_dir, live_dir, version="v-damaged")
        with open(live_dir / "model.joblib", "ab") as artifact:  # damaged after it was saved
            artifact.write(b"\0")
        expected = "checksum"
    elif damage == "missing_file":
        install(trained_model_dir, live_dir, version="v-incomplete")
        (live_dir / "model.joblib").unlink()
        expected = "model.joblib is missing"
    else:
        # Passes every file check but predicts NaN: only the smoke prediction catches it.
        pipeline = source.pipeline
        for estimator in _linear_estimators(pipeline.steps[-1][1]):
            estimator.coef_ = np.full_like(estimator.coef_, np.nan)
        metadata = {k: v for k, v in source.metadata.items() if k != "artifact_sha256"}
        save_model_dir(pipeline, dict(metadata, version="v-nan"), live_dir)
        expected = "smoke prediction"

    response = client.post("/v1/admin/reload")

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "model_rejected"
    assert expected in error["message"] and old in error["message"]
    assert str(live_dir.parent) not in error["message"]  # no server paths in responses
    assert served_version(client) == old
    assert client.get("/readyz").status_code == 200
    classified = client.post("/v1/classify", json={"sentences": [PROBE]})
    assert classified.status_code == 200 and classified.get_json()["model"]["version"] == old


def _linear_estimators(final):
    """The fitted linear models inside the pipeline's last step (calibrated or not)."""
    if hasattr(final, "calibrated_classifiers_"):
        return [calibrated.estimator for calibrated in final.calibrated_classifiers_]
    return [final]


def test_reload_makes_a_service_that_started_without_a_model_ready(tmp_path, trained_model_dir):
    live = tmp_path / "models" / "default"
    client = create_app({"MODEL_DIR": str(live)}).test_client()
    assert client.get("/readyz").status_code == 503
    assert client.post("/v1/admin/reload").status_code == 409  # still nothing there

    version = install(trained_model_dir, live)
    response = client.post("/v1/admin/reload")

    assert response.status_code == 200 and response.get_json()["previous_version"] is None
    assert client.get("/readyz").get_json() == {"status": "ready", "model_version": version}


def test_reload_needs_the_admin_role(live_dir):
    client = create_app({"MODEL_DIR": str(live_dir), "API_KEYS": "reader:classify;operator:admin"}).test_client()
    assert client.post("/v1/admin/reload").status_code == 401
    reader = client.post("/v1/admin/reload", headers={"Authorization": "Bearer reader"})
    assert reader.status_code == 403 and reader.get_json()["error"]["code"] == "forbidden"
    assert client.post("/v1/admin/reload", headers={"Authorization": "Bearer operator"}).status_code == 200


def test_requests_in_flight_during_reloads_all_succeed_on_one_consistent_model(
    live_app, live_dir, trained_model_dir, second_model_dir
):
    """Classify from many threads while the model flips back and forth under them.

    Every response must be a 200 whose scores are exactly what the model it names
    gives: a request never mixes two models, whatever moment the swap happens.
    """
    expected = {}
    for source in (trained_model_dir, second_model_dir):
        model = load_model(source)
        expected[model.version] = model.predict([PROBE])[0].as_dict()
    assert len(expected) == 2
    client = live_app.test_client()
    stop = threading.Event()

    def hammer() -> list[tuple[int, str | None, dict | None]]:
        seen = []
        while not stop.is_set():
            response = client.post("/v1/classify", json={"sentences": [PROBE]})
            body = response.get_json() or {}
            result = (body.get("results") or [None])[0]
            seen.append((response.status_code, body.get("model", {}).get("version"), result))
        return seen

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(hammer) for _ in range(4)]
        reloads = []
        for round_number in range(4):
            source = second_model_dir if round_number % 2 == 0 else trained_model_dir
            swap_in_copy(source, live_dir)
            reloads.append(client.post("/v1/admin/reload").get_json())
            time.sleep(0.05)
        stop.set()
        seen = [item for future in futures for item in future.result()]

    assert all(reload["changed"] for reload in reloads), reloads
    assert len(seen) > 20
    assert {status for status, _, _ in seen} == {200}
    assert {version for _, version, _ in seen} == set(expected)  # both models served
    for _, version, result in seen:
        assert result == expected[version]


def test_sighup_reloads_in_place(live_app, live_dir, second_model_dir):
    client = live_app.test_client()
    new = install(second_model_dir, live_dir)
    previous_handler = signal.getsignal(signal.SIGHUP)
    try:
        install_worker_reload(live_app)
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 30
        while served_version(client) != new and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        signal.signal(signal.SIGHUP, previous_handler)
    assert served_version(client) == new
