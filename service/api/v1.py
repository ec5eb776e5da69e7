"""The native API: classify sentences, list labels, describe the model."""

from flask import Blueprint, current_app, jsonify

from training import LABELS

from ..model_holder import current_model
from ..observability import note_classified
from ..validation import json_body, optional_bool, optional_probability, sentence_list

bp = Blueprint("v1", __name__, url_prefix="/v1")

#: Metadata keys never shown to clients (none of them may carry server paths).
_PUBLIC_METADATA = ("version", "created", "labels", "versions", "training_data", "pipeline", "evaluation")


@bp.post("/classify")
def classify():
    app = current_app._get_current_object()  # one context lookup for settings and serialiser
    settings = app.config["CLAIMS"]
    body = json_body()
    sentences = sentence_list(body, "sentences", settings["MAX_SENTENCES"], settings["MAX_SENTENCE_CHARS"])
    explain = optional_bool(body, "explain")
    abstain_below = optional_probability(body, "abstain_below", settings["ABSTAIN_BELOW"])
    classifier = current_model()
    predictions = classifier.predict(sentences, explain=explain, abstain_below=abstain_below)
    version = classifier.version
    note_classified(version, sentences, predictions)
    results = [prediction.as_dict() for prediction in predictions]
    return app.json.response({"model": {"version": version}, "results": results})  # what jsonify() does


@bp.get("/labels")
def labels():
    return jsonify({"labels": [{"id": l.id, "name": l.name, "definition": l.definition} for l in LABELS]})


@bp.get("/model")
def model():
    metadata = current_model().metadata
    return jsonify({key: metadata[key] for key in _PUBLIC_METADATA if key in metadata})
