"""The FeedbackStore contract, run against every backend (PostgreSQL on a real server)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from training import read_corpus
from training.feedback import (
    FeedbackEntry,
    FeedbackStoreError,
    FeedbackStoreUnavailable,
    IdempotencyConflict,
    export_feedback,
    open_feedback_store,
)
from training.feedback.model import utc_now

TRICKY_TEXT = 'He said, "the dam held"\nthen: «it cracked» — 3,000 evacuated; naïve \'quotes\'\r\nend'


def entry(text="Police said two men were arrested.", label="official_claim", predicted="rumor", note=None):
    return FeedbackEntry(text, label, predicted, "2026-01-01T00:00:00Z-abc", note)


def test_add_gives_uuid_and_utc_time_and_lists_oldest_first(store_url):
    before = utc_now()
    with open_feedback_store(store_url) as store:
        first = store.add(entry("First sentence.")).feedback
        second = store.add(entry("Second sentence.", note="seen twice")).feedback
        listed = list(store.iter_feedback())
        assert store.count() == 2
    assert uuid.UUID(first.id).version == 4 and first.id != second.id
    assert first.created.tzinfo is not None and first.created.utcoffset() == timedelta(0)
    assert before <= first.created <= second.created <= utc_now()
    assert listed == [first, second]


def test_text_round_trips_exactly(store_url):
    with open_feedback_store(store_url) as store:
        stored = store.add(entry(TRICKY_TEXT, note="line one\nline two, with a comma")).feedback
    with open_feedback_store(store_url) as reopened:
        (listed,) = reopened.iter_feedback()
    assert listed.entry.text == TRICKY_TEXT and listed == stored


def test_idempotency_key_replays_the_first_row_and_refuses_a_different_entry(store_url):
    with open_feedback_store(store_url) as store:
        first = store.add(entry(), idempotency_key="key-1")
        again = store.add(entry(), idempotency_key="key-1")
        with pytest.raises(IdempotencyConflict, match="key-1"):
            store.add(entry(label="rumor"), idempotency_key="key-1")
        other = store.add(entry(), idempotency_key="key-2")  # same content, new key: a new row
        assert store.count() == 2
    assert not first.replayed and again.replayed and not other.replayed
    assert again.feedback == first.feedback and other.feedback.id != first.feedback.id


def test_a_new_process_still_knows_the_keys(store_url):
    """Emulated by a second store object: the CSV backend must rebuild its key index from the file."""
    with open_feedback_store(store_url) as store:
        first = store.add(entry(), idempotency_key="key-1").feedback
    with open_feedback_store(store_url) as store:
        replay = store.add(entry(), idempotency_key="key-1")
        assert replay.replayed and replay.feedback == first and store.count() == 1


def test_two_store_objects_interleave_without_losing_keys(store_url):
    """Two writers (as two worker processes would be) each see the other's rows and keys."""
    with open_feedback_store(store_url) as one, open_feedback_store(store_url) as two:
        one.add(entry("From one."), idempotency_key="from-one")
        two.add(entry("From two."), idempotency_key="from-two")
        assert one.add(entry("From two."), idempotency_key="from-two").replayed
        assert two.add(entry("From one."), idempotency_key="from-one").replayed
        assert [row.entry.text for row in one.iter_feedback()] == ["From one.", "From two."]


def test_concurrent_retries_with_one_key_store_one_row(store_url):
    results, errors = [], []
    with open_feedback_store(store_url) as store:
        barrier = threading.Barrier(8)

        def submit():
            barrier.wait()
            try:
                results.append(store.add(entry(), idempotency_key="same"))
            except Exception as exc:  # surfaced below; a thread cannot fail the test itself
                errors.append(exc)

        threads = [threading.Thread(target=submit) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert store.count() == 1
    assert sum(not r.replayed for r in results) == 1
    assert len({r.feedback.id for r in results}) == 1


def test_export_is_a_corpus_that_training_reads(store_url, tmp_path):
    out = tmp_path / "export" / "feedback.csv"
    out.parent.mkdir()
    with open_feedback_store(store_url) as store:
        store.add(entry(TRICKY_TEXT, label="rumor"))
        store.add(entry("The minister said prices could rise.", label="speculation", note="hedged official"))
        assert export_feedback(store, out) == 2
    corpus = read_corpus([out])
    assert corpus.texts == [TRICKY_TEXT.strip(), "The minister said prices could rise."]
    assert corpus.labels == ["rumor", "speculation"]
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "text,label,predicted_label,model_version,note,created,id"
    assert not list(out.parent.glob(".*.tmp"))  # the temporary file was renamed, not left behind


def test_export_latest_per_text_resolves_relabels(store_url, tmp_path):
    out = tmp_path / "feedback.csv"
    with open_feedback_store(store_url) as store:
        store.add(entry("Shares rose 4%.", label="rumor"))
        store.add(entry("Another sentence.", label="attributed_fact"))
        store.add(entry("Shares rose 4%. ", label="attributed_fact"))  # training strips, so the same text
        export_feedback(store, out)
        with pytest.raises(Exception, match="labeled"):
            read_corpus([out])  # both decisions exported: training refuses the conflict
        assert export_feedback(store, out, latest_only=True) == 2
    corpus = read_corpus([out])
    assert dict(zip(corpus.texts, corpus.labels)) == {"Another sentence.": "attributed_fact",
                                                      "Shares rose 4%.": "attributed_fact"}


@pytest.mark.parametrize("url", ["mysql://user:secret@db/feedback", "sqlite://", "sqlite:///:memory:",
                                 "postgresql://user:secret@db:port/feedback", "ftp://x", "no-scheme", "csv://"])
def test_unusable_urls_are_refused_without_showing_passwords(url):
    with pytest.raises(FeedbackStoreError) as caught:
        open_feedback_store(url)
    assert "secret" not in str(caught.value)


def test_readers_do_not_create_a_store_for_a_mistyped_url(tmp_path):
    with pytest.raises(FeedbackStoreError, match="no feedback database file"):
        open_feedback_store(f"sqlite:///{tmp_path / 'typo.sqlite3'}", create=False)
    with pytest.raises(FeedbackStoreError, match="no feedback file"):
        open_feedback_store(f"csv://{tmp_path / 'typo'}", create=False)
    assert list(tmp_path.iterdir()) == []


def test_postgres_without_schema_is_refused_for_readers(postgres_url):
    with pytest.raises(FeedbackStoreError, match="holds no feedback"):
        open_feedback_store(postgres_url, create=False)


def test_unreachable_postgres_is_unavailable_not_a_crash():
    with pytest.raises(FeedbackStoreUnavailable) as caught:
        open_feedback_store("postgresql://someone:secret@127.0.0.1:9/feedback")  # port 9: nothing listens
    assert "secret" not in str(caught.value) and "***" in str(caught.value)

