"""Finding the input files of a bulk job and cutting them into partitions.

A partition is a contiguous run of rows of one file, described by where it lies
(byte range for CSV and JSON lines, row group and offset for Parquet) and by the
1-based number of its first row. Planning reads each file once on the client,
with constant memory; the partition ids it derives from the file and the range
are stable from one run to the next, which is what makes a re-run resume.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "FORMATS_BY_SUFFIX",
    "BulkInputError",
    "InputFile",
    "Partition",
    "decoded_lines",
    "discover_inputs",
    "plan_partitions",
]

#: File name endings the job reads, and the reader each one gets. ``.json`` is
#: read as JSON lines (one object per line), the shape most exporters write.
FORMATS_BY_SUFFIX = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class BulkInputError(ValueError):
    """An input or option the user must fix before the job can start."""


@dataclass(frozen=True)
class InputFile:
    """One file to score.

    Attributes
    ----------
    path : str
        Absolute path, as workers open it (on a cluster, shared storage).
    name : str
        The path as the user gave or globbed it; reported in outputs and rejects.
    format : {"csv", "jsonl", "parquet"}
    size, mtime_ns : int
        Identify this version of the file: a changed file is a different job.
    """

    path: str
    name: str
    format: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Partition:
    """A contiguous run of rows of one input file, scored by one task.

    Attributes
    ----------
    pid : str
        Stable id derived from the file and the range; names the output file.
    source : InputFile
    first_row : int
        1-based number, within the file, of the partition's first row (data rows
        only: a CSV header is not counted).
    n_rows : int
    byte_start, byte_stop : int or None
        CSV and JSON lines: the byte range holding exactly these rows.
    row_group, group_offset : int or None
        Parquet: the row group and the index of the first row inside it.
    text_field, id_field : str or int or None
        Where to find the text and the id: a column index for CSV, a key or
        column name otherwise; ``id_field`` is None when the file has no ids.
    """

    pid: str
    source: InputFile
    first_row: int
    n_rows: int
    text_field: str | int
    id_field: str | int | None
    byte_start: int | None = None
    byte_stop: int | None = None
    row_group: int | None = None
    group_offset: int | None = None


def discover_inputs(inputs: Iterable[str]) -> list[InputFile]:
    """Expand files, folders (searched recursively) and glob patterns into input files.

    Raises
    ------
    BulkInputError
        A path that does not exist, a pattern or folder with no readable file,
        or a file whose format is not known from its name.
    """
    found: dict[str, InputFile] = {}
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file() and _is_data_file(p))
            if not candidates:
                raise BulkInputError(f"{item}: folder holds no {_known_suffixes()} file")
        elif path.is_file():
            if path.suffix.lower() not in FORMATS_BY_SUFFIX:
                raise BulkInputError(f"{item}: unknown format; expected a name ending in {_known_suffixes()}")
            candidates = [path]
        elif glob.has_magic(item):
            candidates = sorted(Path(p) for p in glob.glob(item, recursive=True) if _is_data_file(Path(p)))
            if not candidates:
                raise BulkInputError(f"{item}: pattern matches no {_known_suffixes()} file")
        else:
            raise BulkInputError(f"{item}: no such file or folder")
        for candidate in candidates:
            absolute = str(candidate.resolve())
            if absolute not in found:
                stat = candidate.stat()
                found[absolute] = InputFile(absolute, str(candidate), FORMATS_BY_SUFFIX[candidate.suffix.lower()],
                                            stat.st_size, stat.st_mtime_ns)
    return list(found.values())


def _is_data_file(path: Path) -> bool:
    # Hidden and underscore names are skipped, as Spark and Arrow do (_SUCCESS, _metadata, _job.json).
    return path.is_file() and path.suffix.lower() in FORMATS_BY_SUFFIX and not path.name.startswith((".", "_"))


def _known_suffixes() -> str:
    return "/".join(sorted(FORMATS_BY_SUFFIX))


def plan_partitions(
    source: InputFile, text_column: str, id_column: str, rows_per_partition: int
) -> list[Partition]:
    """Cut one input file into partitions of at most ``rows_per_partition`` rows.

    Raises
    ------
    BulkInputError
        When the file has no text column (CSV header, Parquet schema) or is not
        in the format its name says.
    """
    if rows_per_partition < 1:
        raise BulkInputError(f"rows per partition must be positive, got {rows_per_partition}")
    planner = {"csv": _plan_csv, "jsonl": _plan_jsonl, "parquet": _plan_parquet}[source.format]
    return planner(source, text_column, id_column, rows_per_partition)


def _partition_id(source: InputFile, first_row: int, where: tuple) -> str:
    # The file's identity and the exact range: the same command over the same
    # files gives the same ids, so finished partitions are recognised on a re-run.
    digest = hashlib.sha256(
        json.dumps([source.path, source.size, source.mtime_ns, first_row, *where]).encode()
    ).hexdigest()[:12]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(source.name).stem)[:40] or "input"
    return f"{stem}-{digest}-r{first_row:010d}"


def decoded_lines(handle: BinaryIO, stop: int | None = None, counter: list[int] | None = None) -> Iterator[str]:
    """Lines of a binary file as text, undecodable bytes kept as lone surrogates.

    Planning and reading both feed the CSV parser through this one function, so
    they agree on where every record ends. ``counter[0]`` is advanced by the bytes
    of each line handed out; reading stops at byte ``stop``.
    """
    position = handle.tell()
    for raw in handle:
        if stop is not None and position >= stop:
            return
        position += len(raw)
        if counter is not None:
            counter[0] += len(raw)
        yield raw.decode("utf-8", "surrogateescape")


def _match_column(columns: list[str], wanted: str) -> int | None:
    """Index of ``wanted`` among ``columns``: exact match first, then ignoring case and spaces."""
    if wanted in columns:
        return columns.index(wanted)
    folded = [c.strip().lower() for c in columns]
    return folded.index(wanted.strip().lower()) if wanted.strip().lower() in folded else None


def _ranges(source: InputFile, boundaries: list[tuple[int, int]], **fields) -> list[Partition]:
    """Partitions from ``(row count, byte offset)`` marks taken every so many rows."""
    partitions = []
    for (rows_before, start), (rows_after, stop) in zip(boundaries, boundaries[1:]):
        first_row = rows_before + 1
        partitions.append(
            Partition(
                _partition_id(source, first_row, (start, stop)), source, first_row, rows_after - rows_before,
                byte_start=start, byte_stop=stop, **fields,
            )
        )
    return partitions


def _plan_csv(source: InputFile, text_column: str, id_column: str, rows_per_partition: int) -> list[Partition]:
    with open(source.path, "rb") as handle:
        consumed = [0]
        reader = csv.reader(decoded_lines(handle, counter=consumed))
        try:
            header = next(reader)
        except StopIteration:
            return []
        except csv.Error as exc:
            raise BulkInputError(f"{source.name}: unreadable CSV header: {exc}") from None
        header = [cell.lstrip("\ufeff") for cell in header]
        text_index = _match_column(header, text_column)
        if text_index is None:
            raise BulkInputError(
                f"{source.name}: CSV header has no {text_column!r} column (columns: {', '.join(header)}); "
                "name it with --text-column"
            )
        boundaries = [(0, consumed[0])]
        rows = 0
        while True:
            try:
                next(reader)
            except StopIteration:
                break
            except csv.Error:
                pass  # still a row: the reader rejects it with the parser's message
            rows += 1
            if rows % rows_per_partition == 0:
                boundaries.append((rows, consumed[0]))
        if boundaries[-1][0] != rows:
            boundaries.append((rows, consumed[0]))
    return _ranges(source, boundaries, text_field=text_index, id_field=_match_column(header, id_column))


def _plan_jsonl(source: InputFile, text_column: str, id_column: str, rows_per_partition: int) -> list[Partition]:
    boundaries = [(0, 0)]
    rows = offset = 0
    with open(source.path, "rb") as handle:
        for line in handle:
            if rows == 0 and line.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
                raise BulkInputError(f"{source.name}: holds a JSON array; expected JSON lines (one object per line)")
            rows += 1
            offset += len(line)
            if rows % rows_per_partition == 0:
                boundaries.append((rows, offset))
    if boundaries[-1][0] != rows:
        boundaries.append((rows, offset))
    return _ranges(source, boundaries, text_field=text_column, id_field=id_column)


def _plan_parquet(source: InputFile, text_column: str, id_column: str, rows_per_partition: int) -> list[Partition]:
    try:
        metadata = pq.read_metadata(source.path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BulkInputError(f"{source.name}: not a readable Parquet file: {exc}") from None
    schema = metadata.schema.to_arrow_schema()
    text_index = _match_column(schema.names, text_column)
    if text_index is None:
        raise BulkInputError(
            f"{source.name}: Parquet file has no {text_column!r} column (columns: {', '.join(schema.names)}); "
            "name it with --text-column"
        )
    text_type = schema.field(text_index).type
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type) or pa.types.is_binary(text_type)
            or pa.types.is_large_binary(text_type) or pa.types.is_string_view(text_type)):
        raise BulkInputError(f"{source.name}: column {schema.names[text_index]!r} holds {text_type}, not text")
    id_index = _match_column(schema.names, id_column)
    fields = {
        "text_field": schema.names[text_index],
        "id_field": None if id_index is None else schema.names[id_index],
    }
    partitions, rows_before = [], 0
    for group in range(metadata.num_row_groups):
        group_rows = metadata.row_group(group).num_rows
        for offset in range(0, group_rows, rows_per_partition):
            n_rows = min(rows_per_partition, group_rows - offset)
            first_row = rows_before + offset + 1
            partitions.append(
                Partition(_partition_id(source, first_row, (group, offset, n_rows)), source, first_row, n_rows,
                          row_group=group, group_offset=offset, **fields)
            )
        rows_before += group_rows
    return partitions
