"""analyze_text: split, classify and attribute a whole text; the summary."""

import pytest

from training import LABEL_IDS, SOURCE_KINDS, analyze_text, load_model


@pytest.fixture(scope="module")
def classifier(trained_model_dir):
    return load_model(trained_model_dir)


def test_blank_text_reads_as_no_sentences(classifier):
    reading = analyze_text(classifier, " \n\n ")
    assert reading.sentences == ()
    assert reading.summary() == {"sentences": 0, "labels": dict.fromkeys(LABEL_IDS, 0),
                                 "rumor_or_speculation_share": 0.0, "sources": dict.fromkeys(SOURCE_KINDS, 0),
                                 "unattributed": 0}


def test_each_sentence_is_classified_as_it_would_be_alone(classifier):
    text = "Police said two men were arrested. Rumours spread online that the dam had cracked.\n\nIt may rain."
    reading = analyze_text(classifier, text, explain=True)
    alone = classifier.predict([r.sentence.text for r in reading.sentences], explain=True)
    assert [r.prediction for r in reading.sentences] == alone
    summary = reading.summary()
    assert summary["sentences"] == 3
    assert sum(summary["labels"].values()) == 3
    assert summary["unattributed"] + sum(summary["sources"].values()) == 3
    labels = [r.prediction.label for r in reading.sentences]
    assert summary["rumor_or_speculation_share"] == round(sum(l in ("rumor", "speculation") for l in labels) / 3, 4)


def test_as_dict_numbers_sentences_and_keeps_offsets(classifier):
    text = "Officials denied it.\n\nReportedly, the governor fled."
    sentences = analyze_text(classifier, text).as_dict()["sentences"]
    assert [(s["index"], text[s["start"]:s["end"]], s["paragraph"]) for s in sentences] == [
        (0, "Officials denied it.", 0), (1, "Reportedly, the governor fled.", 1)]
    assert sentences[0]["source"]["kind"] == "official"
    assert sentences[1]["source"] == {"text": "Reportedly", "start": 22, "end": 32, "kind": "diffuse",
                                      "cue": "reportedly", "via": "sentence"}
