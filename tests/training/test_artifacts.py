import json

import pytest
import sklearn

from training import ModelLoadError, load_model
from training.artifacts import METADATA_FILE, MODEL_FILE, save_model_dir
from training.trainer import train
from tests.conftest import TINY_CORPUS


@pytest.fixture()
def model_copy(trained_model_dir, tmp_path):
    import shutil

    target = tmp_path / "model"
    shutil.copytree(trained_model_dir, target)
    return target


def edit_metadata(model_dir, change):
    path = model_dir / METADATA_FILE
    metadata = json.loads(path.read_text())
    change(metadata)
    path.write_text(json.dumps(metadata))


def test_round_trip_predicts_the_same(trained_model_dir):
    texts = ["Police said two men were arrested.", "Rumours spread that the mayor quit."]
    first, second = load_model(trained_model_dir), load_model(trained_model_dir)
    assert [p.as_dict() for p in first.predict(texts)] == [p.as_dict() for p in second.predict(texts)]


def test_metadata_records_what_the_issue_asks(trained_model_dir):
    metadata = load_model(trained_model_dir).metadata
    assert metadata["labels"] == ["attributed_fact", "official_claim", "speculation", "rumor"]
    assert metadata["versions"]["scikit-learn"] == sklearn.__version__
    assert {"python", "numpy"} <= set(metadata["versions"])
    assert len(metadata["training_data"]["sha256"]) == 64
    assert metadata["training_data"]["rows_per_label"] == {
        "attributed_fact": 12, "official_claim": 12, "speculation": 12, "rumor": 12}
    assert metadata["evaluation"]["cross_validation"]["macro_f1"] >= 0
    assert metadata["pipeline"]["config"]["classifier"] in {"logreg", "linear_svm", "sgd"}
    assert any(key.startswith("features__words") for key in metadata["pipeline"]["params"])
    assert metadata["evaluation"]["holdout"]["calibration"]["table"]
    assert metadata["version"] and metadata["created"]


def test_tampered_artifact_is_refused(model_copy):
    with open(model_copy / MODEL_FILE, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelLoadError, match="checksum"):
        load_model(model_copy)


def test_other_sklearn_version_is_refused(model_copy):
    edit_metadata(model_copy, lambda m: m["versions"].update({"scikit-learn": "0.24.2"}))
    with pytest.raises(ModelLoadError, match=r"scikit-learn 0\.24\.2.*installed"):
        load_model(model_copy)


def test_other_labels_are_refused(model_copy):
    edit_metadata(model_copy, lambda m: m.update(labels=["true", "false"]))
    with pytest.raises(ModelLoadError, match="labels"):
        load_model(model_copy)


@pytest.mark.parametrize("name", [MODEL_FILE, METADATA_FILE])
def test_incomplete_directory_is_refused(model_copy, name):
    (model_copy / name).unlink()
    with pytest.raises(ModelLoadError, match=name):
        load_model(model_copy)


def test_missing_directory_and_bad_json(tmp_path, model_copy):
    with pytest.raises(ModelLoadError, match="no model directory"):
        load_model(tmp_path / "absent")
    (model_copy / METADATA_FILE).write_text("{not json")
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        load_model(model_copy)


def test_failed_save_leaves_the_old_model_in_place(model_copy):
    before = (model_copy / METADATA_FILE).read_text()

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle")

    with pytest.raises(RuntimeError):
        save_model_dir(Unpicklable(), {"labels": []}, model_copy)
    assert (model_copy / METADATA_FILE).read_text() == before
    assert load_model(model_copy).version
    assert [p.name for p in model_copy.parent.iterdir() if p.name.startswith(".")] == []


def test_failed_training_run_leaves_the_old_model_in_place(model_copy, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nOnly one.,rumor\n")
    before = (model_copy / METADATA_FILE).read_text()
    with pytest.raises(Exception):
        train([bad], model_copy)
    assert (model_copy / METADATA_FILE).read_text() == before


def test_save_replaces_an_existing_model(model_copy, tmp_path):
    old = load_model(model_copy).metadata["training_data"]["sha256"]
    extra = tmp_path / "extra.csv"
    extra.write_text("text,label\nThe ferry left port at dawn on Sunday.,attributed_fact\n")
    result = train([TINY_CORPUS, extra], model_copy, evaluate=False)
    reloaded = load_model(model_copy).metadata
    assert reloaded["training_data"]["sha256"] == result.metadata["training_data"]["sha256"] != old
    assert reloaded["training_data"]["rows"] == 49


def test_model_fitted_with_other_cue_code_is_refused(model_copy):
    """A model saved before the cue families changed must not be served with today's cues."""
    import joblib

    from training.artifacts import file_sha256
    from training.cues import CueFeatures

    pipeline = joblib.load(model_copy / MODEL_FILE)
    cues = next(t for _, t in pipeline.named_steps["features"].transformer_list if isinstance(t, CueFeatures))
    cues.feature_names_ = cues.feature_names_[:-1]  # as if fitted by code with one column fewer
    joblib.dump(pipeline, model_copy / MODEL_FILE)
    edit_metadata(model_copy, lambda m: m.update(artifact_sha256=file_sha256(model_copy / MODEL_FILE)))
    with pytest.raises(ModelLoadError, match=r"older version of the code: retrain"):
        load_model(model_copy)
