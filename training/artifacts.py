"""Saving and loading model directories (``model.joblib`` + ``metadata.json``).

A model directory is written next to its destination under a temporary name and
renamed into place, so a crash or a failed run never leaves a half-written model
where the service looks for one. Loading checks the metadata against this
installation (labels, scikit-learn version) and the artifact against the SHA-256
recorded when it was saved.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import joblib
import sklearn

from .labels import LABEL_IDS
from .durable import fsync_dir

__all__ = ["MODEL_FILE", "METADATA_FILE", "ModelLoadError", "save_model_dir", "read_model_dir", "file_sha256"]

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"


class ModelLoadError(RuntimeError):
    """A model directory is missing, damaged, or made for another installation."""


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model_dir(model, metadata: dict, out_dir: str | Path) -> dict:
    """Write ``model`` and ``metadata`` into ``out_dir``, replacing it atomically.

    Parameters
    ----------
    model : object
        The fitted pipeline (anything joblib can pickle).
    metadata : dict
        JSON-serialisable facts about the model; ``artifact_sha256`` is added.
    out_dir : str or Path
        Destination folder; its parent is created when missing.

    Returns
    -------
    dict
        The metadata as written, with ``artifact_sha256``.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        model_path = staging / MODEL_FILE
        with open(model_path, "wb") as handle:
            joblib.dump(model, handle)
            handle.flush()
            os.fsync(handle.fileno())
        metadata = dict(metadata, artifact_sha256=file_sha256(model_path))
        with open(staging / METADATA_FILE, "w", encoding="utf-8") as handle:
            json.dump(metadata, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(staging, 0o755)
        _swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return metadata


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    # A directory cannot be renamed over a non-empty one, so the old model steps
    # aside first and comes back if the second rename fails.
    retired = None
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.rmdir(retired)
        os.rename(out_dir, retired)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        if retired is not None:
            os.rename(retired, out_dir)
        raise
    fsync_dir(out_dir.parent)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def read_model_dir(model_dir: str | Path) -> tuple[object, dict]:
    """Load and verify a model directory written by :func:`save_model_dir`.

    Returns
    -------
    (model, metadata)

    Raises
    ------
    ModelLoadError
        With a message that says what is wrong and what to do about it.
    """
    model_dir = Path(model_dir)
    model_path, meta_path = model_dir / MODEL_FILE, model_dir / METADATA_FILE
    if not model_dir.is_dir():
        raise ModelLoadError(f"no model directory at {model_dir}; train one with `python -m training train`")
    for required in (model_path, meta_path):
        if not required.is_file():
            raise ModelLoadError(f"{model_dir} is not a complete model directory: {required.name} is missing")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{meta_path} is not valid JSON: {exc}") from None
    if not isinstance(metadata, dict):
        raise ModelLoadError(f"{meta_path} must hold a JSON object")
    check_metadata(metadata, where=str(meta_path))
    actual = file_sha256(model_path)
    if actual != metadata.get("artifact_sha256"):
        raise ModelLoadError(
            f"{model_path} does not match the checksum recorded in {METADATA_FILE} "
            "(file changed or damaged after saving); retrain or restore the model"
        )
    try:
        model = joblib.load(model_path)
    except Exception as exc:  # unpickling can raise almost anything
        raise ModelLoadError(f"{model_path} could not be unpickled: {type(exc).__name__}: {exc}") from None
    return model, metadata


def check_metadata(metadata: dict, where: str = "metadata") -> None:
    """Refuse a model whose labels or scikit-learn version differ from this installation."""
    labels = metadata.get("labels")
    if labels != list(LABEL_IDS):
        raise ModelLoadError(f"{where}: model labels {labels!r} differ from this version's {list(LABEL_IDS)!r}")
    versions = metadata.get("versions") or {}
    saved = versions.get("scikit-learn")
    if saved != sklearn.__version__:
        raise ModelLoadError(
            f"{where}: model was saved with scikit-learn {saved}, but {sklearn.__version__} is installed; "
            "a pickled model must be loaded with the version that saved it: retrain it, or install "
            f"scikit-learn=={saved}"
        )
