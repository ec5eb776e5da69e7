"""The project's own corpus in data/ meets the corpus issue's bar."""

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from training import LABEL_IDS, read_corpus
from training.quality import near_duplicate_pairs

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def rows():
    found = []
    for path in sorted(DATA.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames[:4] == ["text", "label", "topic", "hard"], path
            found.extend(dict(row, file=path.name) for row in reader)
    return found


def test_validates_without_conflicts_or_duplicates():
    corpus = read_corpus([DATA])  # raises on conflicts and bad rows
    assert corpus.duplicates_dropped == 0


def test_size_and_label_counts(rows):
    counts = Counter(row["label"] for row in rows)
    assert len(rows) >= 4000
    assert set(counts) == set(LABEL_IDS)
    assert min(counts.values()) >= 800, counts


def test_at_least_twenty_topics_each_with_every_label(rows):
    by_topic = defaultdict(Counter)
    for row in rows:
        by_topic[row["topic"]][row["label"]] += 1
    full = [topic for topic, labels in by_topic.items() if set(labels) == set(LABEL_IDS)]
    assert len(full) >= 20, sorted(by_topic)


def test_hard_cases_are_marked_and_frequent(rows):
    assert {row["hard"] for row in rows} <= {"true", "false"}
    assert sum(row["hard"] == "true" for row in rows) / len(rows) >= 0.15


def test_contrast_pairs_differ_in_label(rows):
    groups = defaultdict(list)
    for row in rows:
        if row.get("pair"):
            groups[row["pair"]].append(row["label"])
    assert len(groups) >= 100
    for pair, labels in groups.items():
        assert len(labels) >= 2 and len(set(labels)) >= 2, pair


def test_near_duplicates_under_one_percent(rows):
    pairs = near_duplicate_pairs([row["text"] for row in rows])
    involved = {i for pair in pairs for i in pair}
    assert len(involved) / len(rows) < 0.01, [(rows[i]["text"], rows[j]["text"]) for i, j in pairs[:10]]


def test_near_duplicate_detector_catches_swaps_and_spares_rewrites():
    texts = [
        "Police in Lyon said 14 people were arrested on Friday.",
        "Police in Lille said 9 people were arrested on Friday!",  # one name swapped, number changed
        "Residents in Lyon fear more arrests could follow next week.",
        "POLICE IN LYON SAID 14 PEOPLE WERE ARRESTED ON FRIDAY",
    ]
    assert near_duplicate_pairs(texts) == [(0, 1), (0, 3), (1, 3)]
