"""Reading and validating labeled CSV files.

A corpus file is UTF-8 (a BOM is allowed) with a header row holding at least the
columns ``text`` and ``label``; other columns are ignored. Every problem is reported
with the file and the line it starts on, and all problems of a run are collected so
a user can fix them in one pass.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .labels import LABEL_IDS, normalize_label

__all__ = [
    "MAX_TEXT_CHARS",
    "Corpus",
    "CorpusError",
    "CorpusProblem",
    "find_csv_files",
    "read_corpus",
]

#: Longest text accepted in a training row. News sentences rarely pass 600 characters;
#: anything far longer is usually a whole paragraph pasted into one cell.
MAX_TEXT_CHARS = 2000
_MAX_REPORTED_PROBLEMS = 50


@dataclass(frozen=True)
class CorpusProblem:
    """One defect in the input, located by file and 1-based line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class CorpusError(ValueError):
    """The labeled input cannot be used; ``problems`` lists every defect found."""

    def __init__(self, problems: list[CorpusProblem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:_MAX_REPORTED_PROBLEMS])
        more = len(problems) - _MAX_REPORTED_PROBLEMS
        if more > 0:
            shown += f"\n... and {more} more problems"
        super().__init__(shown)


@dataclass
class Corpus:
    """Validated, de-duplicated rows in input order.

    Attributes
    ----------
    texts, labels : list of str
        Parallel lists; labels are canonical ids.
    origins : list of str
        ``file:line`` of each kept row, for error reports.
    duplicates_dropped : int
        Exact repeats (same text, same label) that were skipped.
    files : list of str
        The files read, in order.
    """

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    duplicates_dropped: int = 0
    files: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def label_counts(self) -> dict[str, int]:
        """Rows per label, every label present (zero when absent)."""
        counts = Counter(self.labels)
        return {label: counts.get(label, 0) for label in LABEL_IDS}

    def sha256(self) -> str:
        """Digest of the rows' content (text and label), independent of file layout."""
        digest = hashlib.sha256()
        for text, label in zip(self.texts, self.labels):
            digest.update(text.encode("utf-8") + b"\x1f" + label.encode("utf-8") + b"\x1e")
        return digest.hexdigest()


def find_csv_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (searched recursively for ``*.csv``) into a sorted list.

    Raises
    ------
    CorpusError
        When a path does not exist or a folder holds no CSV file.
    """
    found: list[Path] = []
    problems: list[CorpusProblem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.csv") if p.is_file())
            if not files:
                problems.append(CorpusProblem(str(path), 0, "folder holds no .csv file"))
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(CorpusProblem(str(path), 0, "no such file or folder"))
    if problems:
        raise CorpusError(problems)
    return found


def _decode(path: Path, problems: list[CorpusProblem]) -> str | None:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            CorpusProblem(str(path), line, f"bytes that are not UTF-8 at byte {exc.start}; save the file as UTF-8")
        )
        return None


def read_corpus(paths: Iterable[str | Path], max_text_chars: int = MAX_TEXT_CHARS) -> Corpus:
    """Read labeled CSV files or folders of them into one validated corpus.

    Parameters
    ----------
    paths : iterable of str or Path
        CSV files and/or folders (searched recursively).
    max_text_chars : int
        Longest accepted text, in characters.

    Returns
    -------
    Corpus
        Rows in file order with exact duplicates dropped.

    Raises
    ------
    CorpusError
        Listing every problem found, each with file and line: missing columns,
        unknown labels, empty or over-long text, undecodable bytes, and the same
        text labeled differently in two places.
    """
    corpus = Corpus()
    problems: list[CorpusProblem] = []
    first_seen: dict[str, tuple[str, str]] = {}  # text -> (label, origin)
    for path in find_csv_files(paths):
        corpus.files.append(str(path))
        content = _decode(path, problems)
        if content is None:
            continue
        _read_rows(path, content, corpus, first_seen, problems, max_text_chars)
    if problems:
        raise CorpusError(problems)
    return corpus


def _read_rows(path, content, corpus, first_seen, problems, max_text_chars):
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(CorpusProblem(str(path), 1, "file is empty; expected a header with text,label"))
        return
    columns = [name.strip().lower() for name in header]
    missing = [name for name in ("text", "label") if name not in columns]
    if missing:
        problems.append(
            CorpusProblem(str(path), 1, f"header lacks column(s) {', '.join(missing)}; found: {', '.join(header)}")
        )
        return
    text_at, label_at = columns.index("text"), columns.index("label")
    line = reader.line_num + 1
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue  # blank line
            _check_row(path, start, row, text_at, label_at, corpus, first_seen, problems, max_text_chars)
    except csv.Error as exc:
        problems.append(CorpusProblem(str(path), reader.line_num, f"malformed CSV: {exc}"))


def _check_row(path, line, row, text_at, label_at, corpus, first_seen, problems, max_text_chars):
    def problem(message):
        problems.append(CorpusProblem(str(path), line, message))

    if len(row) <= max(text_at, label_at):
        problem(f"row has {len(row)} field(s); the header promises at least {max(text_at, label_at) + 1}")
        return
    text, raw_label = row[text_at].strip(), row[label_at]
    label = normalize_label(raw_label)
    if label is None:
        problem(f"unknown label {raw_label!r}; valid labels: {', '.join(LABEL_IDS)}")
    if not text:
        problem("empty text")
    elif len(text) > max_text_chars:
        problem(f"text is {len(text)} characters long; the limit is {max_text_chars}")
    if label is None or not text or len(text) > max_text_chars:
        return
    origin = f"{path}:{line}"
    seen = first_seen.get(text)
    if seen is None:
        first_seen[text] = (label, origin)
        corpus.texts.append(text)
        corpus.labels.append(label)
        corpus.origins.append(origin)
    elif seen[0] == label:
        corpus.duplicates_dropped += 1
    else:
        problem(f"same text labeled {label!r} here and {seen[0]!r} at {seen[1]}")
