"""Reading the rows of one partition, and deciding which rows can be scored.

Readers stream: they hold one line (CSV, JSON lines) or one record batch
(Parquet) at a time, so a worker's memory does not grow with the partition or
the file. A row that cannot be read is reported, with its file and row number,
instead of stopping the job.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import NamedTuple

import pyarrow.parquet as pq

from .sources import Partition, decoded_lines

__all__ = ["RawRow", "Reject", "SourceChanged", "read_rows", "checked_text", "id_text"]

#: Parquet rows decoded per record batch.
_PARQUET_BATCH_ROWS = 4096

#: Reject reasons; the manifest counts rejects by these codes.
EMPTY, TOO_LONG, UNDECODABLE, MISSING_TEXT, MALFORMED = "empty", "too_long", "undecodable", "missing_text", "malformed"


class RawRow(NamedTuple):
    """A row as read: its 1-based number in the file, its text and id as found, or why it is unreadable."""

    row: int
    text: object
    id: object
    problem: tuple[str, str] | None = None


class Reject(Exception):
    """Why a row cannot be scored: a ``reason`` code and a ``detail`` for people."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class SourceChanged(RuntimeError):
    """An input file no longer holds the rows planned for it (edited during the job)."""


def read_rows(partition: Partition) -> Iterator[RawRow]:
    """Every row of ``partition`` in file order, exactly ``partition.n_rows`` of them.

    Raises
    ------
    SourceChanged
        When the file ends before the planned rows do.
    """
    reader = {"csv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows}[partition.source.format]
    count = 0
    for count, raw in enumerate(reader(partition), start=1):
        yield raw
    if count != partition.n_rows:
        raise SourceChanged(
            f"{partition.source.name}: expected {partition.n_rows} rows from row {partition.first_row}, "
            f"found {count}; the file changed after the job was planned, so re-run it"
        )


def _csv_rows(partition: Partition) -> Iterator[RawRow]:
    with open(partition.source.path, "rb") as handle:
        handle.seek(partition.byte_start)
        reader = csv.reader(decoded_lines(handle, stop=partition.byte_stop))
        for row in range(partition.first_row, partition.first_row + partition.n_rows):
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RawRow(row, None, None, (MALFORMED, f"malformed CSV: {exc}"))
                continue
            if not record:
                yield RawRow(row, None, None, (EMPTY, "blank line"))
                continue
            text = record[partition.text_field] if len(record) > partition.text_field else None
            row_id = None
            if partition.id_field is not None and len(record) > partition.id_field:
                row_id = record[partition.id_field]
            yield RawRow(row, text, row_id)


def _jsonl_rows(partition: Partition) -> Iterator[RawRow]:
    with open(partition.source.path, "rb") as handle:
        handle.seek(partition.byte_start)
        row = partition.first_row
        for line in handle:
            if row >= partition.first_row + partition.n_rows:
                return
            yield _json_row(row, line, partition)
            row += 1


def _json_row(row: int, line: bytes, partition: Partition) -> RawRow:
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RawRow(row, None, None, (UNDECODABLE, f"not UTF-8 (byte {exc.start} of the line)"))
    if row == 1:
        decoded = decoded.lstrip("\ufeff")
    if not decoded.strip():
        return RawRow(row, None, None, (EMPTY, "blank line"))
    try:
        record = json.loads(decoded)
    except ValueError as exc:
        return RawRow(row, None, None, (MALFORMED, f"invalid JSON: {exc}"))
    if not isinstance(record, dict):
        return RawRow(row, None, None, (MALFORMED, f"a JSON {type(record).__name__}, not an object"))
    return RawRow(row, _field(record, partition.text_field), _field(record, partition.id_field))


def _field(record: dict, key: str | None):
    if key is None:
        return None
    if key in record:
        return record[key]
    folded = key.strip().lower()
    for name, value in record.items():
        if name.strip().lower() == folded:
            return value
    return None


def _parquet_rows(partition: Partition) -> Iterator[RawRow]:
    columns = [partition.text_field] + ([partition.id_field] if partition.id_field is not None else [])
    parquet = pq.ParquetFile(partition.source.path)
    skip, remaining, row = partition.group_offset, partition.n_rows, partition.first_row
    try:
        for batch in parquet.iter_batches(
            batch_size=_PARQUET_BATCH_ROWS, row_groups=[partition.row_group], columns=columns
        ):
            if skip >= batch.num_rows:
                skip -= batch.num_rows
                continue
            batch = batch.slice(skip, remaining)
            skip = 0
            texts = batch.column(0).to_pylist()
            ids = batch.column(1).to_pylist() if len(columns) > 1 else [None] * len(texts)
            for text, row_id in zip(texts, ids):
                yield RawRow(row, text, row_id)
                row += 1
            remaining -= batch.num_rows
            if remaining == 0:
                return
    finally:
        parquet.close()


def checked_text(text: object, max_chars: int) -> str:
    """The text to classify, stripped of surrounding white space.

    Raises
    ------
    Reject
        When the text is missing, not text, not valid UTF-8, empty or too long.
    """
    if text is None:
        raise Reject(MISSING_TEXT, "no text")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Reject(UNDECODABLE, f"text is not UTF-8 (byte {exc.start})") from None
    if not isinstance(text, str):
        raise Reject(MISSING_TEXT, f"text is {type(text).__name__}, not a string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates stand for bytes that were not UTF-8
        raise Reject(UNDECODABLE, f"text is not UTF-8 (at character {exc.start})") from None
    text = text.strip()
    if not text:
        raise Reject(EMPTY, "empty text")
    if len(text) > max_chars:
        raise Reject(TOO_LONG, f"text has {len(text)} characters; the limit is {max_chars}")
    return text


def id_text(value: object, row: int) -> str:
    """The row's id as a string; its row number when it has none."""
    if value is None or value == "":
        return str(row)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        # Undecodable bytes of a CSV id become U+FFFD rather than costing the row.
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return str(value)
