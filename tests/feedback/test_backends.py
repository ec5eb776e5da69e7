"""What only one kind of backend does: the CSV file's crash repair, the SQL schema's versioning."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, select, update

from training import read_corpus
from training.feedback import FeedbackEntry, FeedbackStoreError, open_feedback_store
from training.feedback.csv_store import CSV_FILE
from training.feedback.schema import SCHEMA_VERSION, schema_version_table

from .conftest import url_for


def entry(text):
    return FeedbackEntry(text, "rumor", "attributed_fact", "v1", None)


def test_the_live_csv_is_itself_a_corpus_training_reads(tmp_path):
    with open_feedback_store(f"csv://{tmp_path}") as store:
        store.add(entry("Posts claim the army has switched sides."))
        store.add(entry('Unconfirmed reports, "shared widely", say\nthe governor left.'))
    corpus = read_corpus([tmp_path / CSV_FILE])
    assert corpus.labels == ["rumor", "rumor"] and len(corpus.texts) == 2


def test_a_torn_row_from_a_killed_writer_is_cut_off_before_the_next_append(tmp_path):
    with open_feedback_store(f"csv://{tmp_path}") as store:
        store.add(entry("Complete row."))
    path = tmp_path / CSV_FILE
    with path.open("ab") as handle:  # what a writer killed mid-row leaves: no newline, an open quote
        handle.write(b'"Half a sentence, cut')
    with open_feedback_store(f"csv://{tmp_path}") as store:
        assert [row.entry.text for row in store.iter_feedback()] == ["Complete row."]
        store.add(entry("Next row."))
        assert [row.entry.text for row in store.iter_feedback()] == ["Complete row.", "Next row."]
    assert b"Half a sentence" not in path.read_bytes()
    assert read_corpus([path]).texts == ["Complete row.", "Next row."]


def test_a_lost_lock_file_means_trusting_the_file(tmp_path):
    with open_feedback_store(f"csv://{tmp_path}") as store:
        store.add(entry("First."))
    (tmp_path / (CSV_FILE + ".lock")).unlink()
    with open_feedback_store(f"csv://{tmp_path}") as store:
        store.add(entry("Second."))
        assert store.count() == 2


def test_a_file_cut_short_while_in_use_is_refused_not_padded(tmp_path):
    with open_feedback_store(f"csv://{tmp_path}") as store:
        store.add(entry("First."))
        store.add(entry("Second."))
        path = tmp_path / CSV_FILE
        path.write_bytes(path.read_bytes()[:-10])
        with pytest.raises(FeedbackStoreError, match="shorter"):
            store.add(entry("Third."))


def test_a_csv_with_another_header_is_refused_at_open(tmp_path):
    (tmp_path / CSV_FILE).write_text("text,label\nA sentence.,rumor\n", encoding="utf-8")
    with pytest.raises(FeedbackStoreError, match="header"):
        open_feedback_store(f"csv://{tmp_path}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_schema_version_is_recorded_and_a_newer_database_refused(backend, tmp_path, request):
    url = url_for(backend, tmp_path, request)
    open_feedback_store(url).close()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as conn:
            assert conn.execute(select(schema_version_table.c.version)).scalar_one() == SCHEMA_VERSION
            conn.execute(update(schema_version_table).values(version=SCHEMA_VERSION + 1))
    finally:
        engine.dispose()
    with pytest.raises(FeedbackStoreError, match="newer"):
        open_feedback_store(url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_replicas_starting_together_make_the_schema_once(backend, tmp_path, request):
    url = url_for(backend, tmp_path, request)
    barrier, errors, stores = threading.Barrier(6), [], []

    def start_replica():
        barrier.wait()
        try:
            stores.append(open_feedback_store(url))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start_replica) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for number, store in enumerate(stores):
        store.add(entry(f"Sentence {number}."))
    assert stores[0].count() == 6
    for store in stores:
        store.close()
