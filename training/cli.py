"""Command line: ``python -m training {train,evaluate,predict,validate}``.

Exit codes: 0 success, 2 bad input (data, arguments, model directory), 1 any
other failure.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path

from .artifacts import ModelLoadError
from .classifier import load_model
from .corpus import CorpusError, read_corpus
from .evaluation import score_predictions
from .labels import LABEL_IDS
from .trainer import train

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the user must fix (exit code 2)."""


class _Progress:
    """Prints each step to stderr with the time elapsed since the command started."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.started:6.1f}s] {message} ...", file=sys.stderr, flush=True)


def _format_scores(result: dict) -> str:
    lines = [f"{'label':<16} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for label, row in result["per_label"].items():
        lines.append(
            f"{label:<16} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:6.3f} {row['support']:8d}"
        )
    lines.append(f"{'macro-F1':<16} {result['macro_f1']:32.3f}")
    lines.append("confusion (rows true, columns predicted): " + " ".join(result["confusion"]["labels"]))
    for label, row in zip(result["confusion"]["labels"], result["confusion"]["matrix"]):
        lines.append(f"  {label:<16} " + " ".join(f"{v:6d}" for v in row))
    return "\n".join(lines)


def cmd_train(args) -> int:
    progress = _Progress(args.quiet)
    result = train(args.data, args.out, evaluate=not args.no_eval, cv_folds=args.cv_folds, progress=progress)
    meta = result.metadata
    print(f"model {meta['version']} saved to {args.out}")
    print(f"rows per label: {meta['training_data']['rows_per_label']}")
    for name in ("holdout", "cross_validation"):
        scores = meta["evaluation"].get(name)
        if scores:
            print(f"\n{name.replace('_', ' ')} ({scores['n']} rows):\n{_format_scores(scores)}")
    return EXIT_OK


def cmd_evaluate(args) -> int:
    progress = _Progress(args.quiet)
    progress(f"loading model {args.model}")
    classifier = load_model(args.model)
    progress("reading labeled data")
    corpus = read_corpus(args.data)
    progress(f"classifying {len(corpus)} rows")
    predicted = [p.label for p in classifier.predict(corpus.texts)]
    result = score_predictions(corpus.labels, predicted)
    result["model_version"] = classifier.version
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"model {classifier.version} on {len(corpus)} rows\n{_format_scores(result)}")
    return EXIT_OK


def _read_texts(source: str | None) -> list[str]:
    """Sentences from a CSV with a ``text`` column, or one per line."""
    if source is None:
        raw = sys.stdin.read()
        name = "<stdin>"
    else:
        path = Path(source)
        if not path.is_file():
            raise BadInput(f"{source}: no such file")
        try:
            raw = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadInput(f"{source}: not UTF-8 (byte {exc.start})") from None
        name = source
    if name.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(raw, newline=""))
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "text" not in fields:
            raise BadInput(f"{name}: CSV header has no 'text' column")
        column = (reader.fieldnames or [])[fields.index("text")]
        return [row[column].strip() for row in reader if (row.get(column) or "").strip()]
    return [line.strip() for line in raw.splitlines() if line.strip()]


def cmd_predict(args) -> int:
    classifier = load_model(args.model)
    texts = _read_texts(args.input)
    out = sys.stdout
    for text, prediction in zip(texts, classifier.predict(texts)):
        out.write(json.dumps({"text": text, **prediction.as_dict()}, ensure_ascii=False) + "\n")
    return EXIT_OK


def cmd_validate(args) -> int:
    corpus = read_corpus(args.paths)
    print(f"{len(corpus.files)} file(s), {len(corpus)} rows after dropping {corpus.duplicates_dropped} exact duplicate(s)")
    for label, count in corpus.label_counts().items():
        print(f"  {label:<16} {count:6d}")
    print("no conflicting labels")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description="Train and use the claim classifier.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("train", help="train a model from labeled CSVs and save it")
    p.add_argument("--data", nargs="+", required=True, metavar="PATH", help="CSV files or folders")
    p.add_argument("--out", required=True, metavar="DIR", help="model directory to write (replaced atomically)")
    p.add_argument("--cv-folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--no-eval", action="store_true", help="skip hold-out and cross-validation")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_train)

    p = commands.add_parser("evaluate", help="score a saved model on labeled CSVs")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--data", nargs="+", required=True, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = commands.add_parser("predict", help="label sentences; JSON lines out")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--input", metavar="FILE", help="one sentence per line, or a .csv with a text column (default stdin)")
    p.set_defaults(func=cmd_predict)

    p = commands.add_parser("validate", help="check labeled CSVs and print counts")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CorpusError as exc:
        print(f"error: invalid labeled data:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ModelLoadError, BadInput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # the last line of defence: a message, not a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
