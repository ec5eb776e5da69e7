"""Bulk scoring without a cluster: planning, reading, rejects and output files.

The partition function is the one Dask runs; here it is called in-process.
"""

import csv
import io
import json
import os

import pytest

pytest.importorskip("pyarrow", reason="bulk scoring needs pyarrow (pip install -e '.[bulk]')")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from tests.conftest import write_csv  # noqa: E402
from training import load_model  # noqa: E402
from training.bulk.outputs import prepare_output_dir, rejects_path, scored_path  # noqa: E402
from training.bulk.readers import Reject, SourceChanged, checked_text, read_rows  # noqa: E402
from training.bulk.sources import BulkInputError, discover_inputs, plan_partitions  # noqa: E402
from training.bulk.worker import ScoreJob, score_partition  # noqa: E402

TRICKY_CSV = (
    'id,text,note\r\n'
    '1,"Police said, on Monday, that two men were arrested.",a\r\n'
    '2,"The minister said:\n""We will not negotiate.""",quoted newline\r\n'
    '3,Shares rose 4%.,\r\n'
    '\r\n'
    '5,"It may rain\n\ntomorrow, forecasters said.",two newlines\r\n'
    '6,Unconfirmed reports say the governor fled.,\r\n'
    '7,Hospital records show 41 people were treated.,\r\n'
)


def plan(path, rows_per_partition, text="text", ident="id"):
    (source,) = discover_inputs([str(path)])
    return plan_partitions(source, text, ident, rows_per_partition)


def all_rows(partitions):
    return [raw for partition in partitions for raw in read_rows(partition)]


def job_for(model_dir, output_dir, max_chars=200):
    metadata = load_model(model_dir).metadata
    return ScoreJob(str(output_dir), str(model_dir), metadata["artifact_sha256"], metadata["version"], max_chars)


@pytest.mark.parametrize("rows_per_partition", [1, 2, 3, 100])
def test_csv_partitions_hold_every_record_once_even_across_quoted_newlines(tmp_path, rows_per_partition):
    path = write_csv(tmp_path / "in.csv", TRICKY_CSV)
    partitions = plan(path, rows_per_partition)
    rows = all_rows(partitions)
    expected = list(csv.reader(io.StringIO(TRICKY_CSV, newline="")))[1:]
    assert [r.row for r in rows] == list(range(1, len(expected) + 1))
    assert [r.text for r in rows] == [record[1] if record else None for record in expected]
    assert rows[3].problem == ("empty", "blank line")
    # Byte ranges tile the file after the header: nothing skipped, nothing read twice.
    assert all(a.byte_stop == b.byte_start for a, b in zip(partitions, partitions[1:]))
    assert partitions[-1].byte_stop == path.stat().st_size
    assert max(p.n_rows for p in partitions) <= rows_per_partition


def test_partition_ids_are_stable_and_follow_the_file(tmp_path):
    path = write_csv(tmp_path / "in.csv", TRICKY_CSV)
    first = [p.pid for p in plan(path, 2)]
    assert first == [p.pid for p in plan(path, 2)]
    assert len(set(first)) == len(first)
    write_csv(path, TRICKY_CSV + "8,One more row.,\r\n")
    assert set(first).isdisjoint(p.pid for p in plan(path, 2))


def test_parquet_partitions_split_row_groups_and_number_rows_across_them(tmp_path):
    path = tmp_path / "in.parquet"
    texts = [f"Sentence number {i}." for i in range(23)]
    pq.write_table(pa.table({"Text": texts, "id": list(range(100, 123))}), path, row_group_size=10)
    partitions = plan(path, 4)
    assert {p.row_group for p in partitions} == {0, 1, 2}
    rows = all_rows(partitions)
    assert [r.text for r in rows] == texts  # column matched without regard to case
    assert [r.row for r in rows] == list(range(1, 24))
    assert [r.id for r in rows] == list(range(100, 123))


def test_score_partition_writes_scores_and_names_every_reject(tmp_path, trained_model_dir):
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_bytes(
        b'{"id": "a", "text": "Police said two men were arrested."}\n'
        b'not json\n'
        b'{"id": "c"}\n'
        b'\n'
        b'{"id": "e", "text": "   "}\n'
        b'{"id": "f", "text": "' + b"x" * 300 + b'"}\n'
        b'{"text": "Posts claim the army \xff switched sides."}\n'
        b'{"text": 42}\n'
        b'["a list"]\n'
        b'{"text": "It may rain tomorrow."}\n'
    )
    job = job_for(trained_model_dir, tmp_path / "out")
    totals = {"rows_scored": 0, "rows_rejected": 0}
    for partition in plan(jsonl, 4):
        stats = score_partition(partition, job)
        totals = {k: totals[k] + stats[k] for k in totals}
    assert totals == {"rows_scored": 2, "rows_rejected": 8}

    scored = pq.read_table(tmp_path / "out" / "scored").sort_by("row").to_pylist()
    assert [(r["id"], r["row"], r["file"]) for r in scored] == [("a", 1, str(jsonl)), ("10", 10, str(jsonl))]
    classifier = load_model(trained_model_dir)
    expected = classifier.predict(["Police said two men were arrested.", "It may rain tomorrow."])
    assert [r["label"] for r in scored] == [p.label for p in expected]
    assert all(r["model_version"] == classifier.version for r in scored)

    rejects = pq.read_table(tmp_path / "out" / "rejects").sort_by("row").to_pylist()
    assert [(r["row"], r["reason"]) for r in rejects] == [
        (2, "malformed"), (3, "missing_text"), (4, "empty"), (5, "empty"), (6, "too_long"),
        (7, "undecodable"), (8, "missing_text"), (9, "malformed"),
    ]
    assert all(r["file"] == str(jsonl) for r in rejects)
    assert "300 characters" in rejects[4]["detail"]


def test_partition_outputs_are_replaced_atomically_and_rejects_come_first(tmp_path, trained_model_dir):
    path = write_csv(tmp_path / "in.csv", TRICKY_CSV)
    (partition,) = plan(path, 100)
    job = job_for(trained_model_dir, tmp_path / "out")
    stats = score_partition(partition, job)
    scored, rejects = scored_path(job.output_dir, partition.pid), rejects_path(job.output_dir, partition.pid)
    assert stats["rows_in"] == 7 and stats["rows_rejected"] == 1
    assert rejects.stat().st_mtime_ns <= scored.stat().st_mtime_ns
    # No temporary file is left beside the outputs.
    assert sorted(p.name for p in scored.parent.iterdir()) == [scored.name]
    footer = json.loads(pq.read_metadata(scored).metadata[b"claims.partition"])
    assert footer == stats


def test_a_file_cut_short_after_planning_fails_its_partition(tmp_path):
    path = write_csv(tmp_path / "in.csv", TRICKY_CSV)
    partitions = plan(path, 100)
    path.write_bytes(path.read_bytes()[: len(TRICKY_CSV) // 2])
    with pytest.raises(SourceChanged, match="expected 7 rows"):
        all_rows(partitions)


def test_rows_without_ids_get_their_row_number(tmp_path, trained_model_dir):
    path = write_csv(tmp_path / "in.csv", "text\nShares rose 4%.\n\nIt may rain.\n")
    job = job_for(trained_model_dir, tmp_path / "out")
    for partition in plan(path, 10):
        score_partition(partition, job)
    scored = pq.read_table(tmp_path / "out" / "scored").to_pylist()
    assert [r["id"] for r in scored] == ["1", "3"]


@pytest.mark.parametrize(
    "text, reason",
    [(None, "missing_text"), (7, "missing_text"), ("  \t", "empty"), ("x" * 11, "too_long"),
     (b"caf\xe9", "undecodable"), ("bad \udcff byte", "undecodable")],
)
def test_checked_text_rejects(text, reason):
    with pytest.raises(Reject) as caught:
        checked_text(text, max_chars=10)
    assert caught.value.reason == reason


def test_checked_text_strips_and_accepts_utf8_bytes():
    assert checked_text("  Café opened.  ", 20) == "Café opened."
    assert checked_text("Café".encode(), 20) == "Café"


def test_bad_inputs_are_reported_before_anything_runs(tmp_path):
    no_text = write_csv(tmp_path / "a.csv", "id,sentence\n1,x\n")
    with pytest.raises(BulkInputError, match=r"a\.csv.*'text' column.*sentence"):
        plan(no_text, 10)
    array = tmp_path / "b.json"
    array.write_text('[{"text": "x"}]\n')
    with pytest.raises(BulkInputError, match="JSON array"):
        plan(array, 10)
    numbers = tmp_path / "c.parquet"
    pq.write_table(pa.table({"text": [1, 2]}), numbers)
    with pytest.raises(BulkInputError, match="not text"):
        plan(numbers, 10)
    (tmp_path / "d.txt").write_text("x\n")
    with pytest.raises(BulkInputError, match="unknown format"):
        discover_inputs([str(tmp_path / "d.txt")])
    with pytest.raises(BulkInputError, match="no such file"):
        discover_inputs([str(tmp_path / "missing.csv")])
    with pytest.raises(BulkInputError, match="matches no"):
        discover_inputs([str(tmp_path / "*.ndjson")])


def test_folders_and_globs_expand_to_sorted_unique_files(tmp_path):
    for name in ("b.csv", "a.jsonl", "sub/c.parquet", ".hidden.csv", "_job.json", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("text\nx\n")
    found = discover_inputs([str(tmp_path), str(tmp_path / "*.csv")])
    assert [os.path.relpath(f.path, tmp_path) for f in found] == ["a.jsonl", "b.csv", "sub/c.parquet"]
    assert [f.format for f in found] == ["jsonl", "csv", "parquet"]


def test_output_folder_of_another_job_is_refused(tmp_path):
    out = tmp_path / "out"
    prepare_output_dir(out, {"fingerprint": "one"})
    leftover = out / "scored" / ".part-x.parquet.tmp-123"
    leftover.parent.mkdir()
    leftover.write_bytes(b"half a file")
    prepare_output_dir(out, {"fingerprint": "one"})  # same job: resumes, and clears the leftover
    assert not leftover.exists()
    with pytest.raises(BulkInputError, match="another scoring job"):
        prepare_output_dir(out, {"fingerprint": "two"})
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "keep.txt").write_text("mine")
    with pytest.raises(BulkInputError, match="not empty"):
        prepare_output_dir(stranger, {"fingerprint": "one"})
