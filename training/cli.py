"""Command line: ``python -m training {train,evaluate,predict,score,validate,export-feedback}``.

Exit codes: 0 success, 2 bad input (data, arguments, model directory), 1 any
other failure, 3 ``train --promote-if-better``: the new model scored worse than the
current one on the held-out set and was not saved (the current model is untouched).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from pathlib import Path

from .analysis import analyze_text
from .artifacts import ModelLoadError
from .classifier import load_model
from .corpus import MAX_TEXT_CHARS, CorpusError, read_corpus
from .pipeline import CANDIDATE_CONFIGS, DEFAULT_CONFIG
from .promotion import HeldOutOverlap, check_unseen, decide_promotion, format_promotion, promote
from .report import build_report, format_report, format_scores, write_report
from .trainer import train

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_NOT_PROMOTED = 0, 1, 2, 3


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


def _bulk():
    """The bulk-scoring package, imported only by the commands that use Dask."""
    try:
        from . import bulk
    except ImportError as exc:
        raise BadInput(f"this command needs Dask and pyarrow ({exc}); install them: pip install -e '.[bulk]'") from None
    return bulk


def cmd_train(args) -> int:
    progress = _Progress(args.quiet)
    if (args.holdout or args.force) and not args.promote_if_better:
        raise BadInput("--holdout and --force only apply with --promote-if-better")
    if args.promote_if_better and not args.holdout:
        raise BadInput("--promote-if-better needs --holdout: labeled CSVs kept out of training")
    # With the guard, nothing is written until the comparison says so.
    out = None if args.promote_if_better else args.out
    holdout = None
    if args.promote_if_better:
        holdout = read_corpus(args.holdout)
        try:
            check_unseen(holdout, read_corpus(args.data).texts)  # before spending time on training
        except HeldOutOverlap as exc:
            raise BadInput(str(exc)) from None
    config = next(c for c in CANDIDATE_CONFIGS if c.name == args.config)
    options = dict(
        evaluate=not args.no_eval, cv_folds=args.cv_folds, config=config, select=args.select, progress=progress
    )
    if args.scheduler:
        import joblib

        # Cross-validation fits (n_jobs=-1) go to the cluster through joblib's Dask
        # backend; n_jobs=1 keeps the pipeline's own nested joblib calls (and the
        # final fit) local instead of shipping small pieces of them over the network.
        with _bulk().dask_client(args.scheduler), joblib.parallel_config(backend="dask", n_jobs=1):
            result = train(args.data, out, n_jobs=-1, **options)
    else:
        result = train(args.data, out, **options)
    meta = result.metadata
    if args.promote_if_better:
        decision = decide_promotion(result.classifier, args.out, holdout)
        print(format_promotion(decision))
        if not decision.promote and not args.force:
            print(f"not promoted: {decision.reason}; {args.out} is unchanged (--force replaces it anyway)",
                  file=sys.stderr)
            return EXIT_NOT_PROMOTED
        meta = promote(result.classifier, decision, args.out, forced=not decision.promote)
    print(f"model {meta['version']} ({meta['pipeline']['name']}) saved to {args.out}")
    print(f"rows per label: {meta['training_data']['rows_per_label']}")
    for name in ("holdout", "cross_validation"):
        scores = meta["evaluation"].get(name)
        if scores:
            print(f"\n{name.replace('_', ' ')} ({scores['n']} rows):\n{format_scores(scores)}")
    return EXIT_OK


def cmd_evaluate(args) -> int:
    progress = _Progress(args.quiet)
    progress(f"loading model {args.model}")
    classifier = load_model(args.model)
    progress("reading labeled data")
    corpus = read_corpus(args.data)
    progress(f"classifying {len(corpus)} rows")
    report = build_report(classifier, corpus)
    if args.report:
        for path in write_report(report, args.report):
            progress(f"wrote {path}")
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return EXIT_OK


def _read_input(source: str | None) -> tuple[str, str]:
    """The whole input as text, and its name for messages."""
    if source is None:
        return sys.stdin.read(), "<stdin>"
    path = Path(source)
    if not path.is_file():
        raise BadInput(f"{source}: no such file")
    try:
        return path.read_bytes().decode("utf-8-sig"), source
    except UnicodeDecodeError as exc:
        raise BadInput(f"{source}: not UTF-8 (byte {exc.start})") from None


def _read_texts(source: str | None) -> list[str]:
    """Sentences from a CSV with a ``text`` column, or one per line."""
    raw, name = _read_input(source)
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
    if args.article:
        # The whole input is one text: the same reading as the service's POST /v1/analyze.
        text, name = _read_input(args.input)
        if not text.strip():
            raise BadInput(f"{name}: no text to analyze")
        reading = {"model": {"version": classifier.version}, **analyze_text(classifier, text, args.explain).as_dict()}
        sys.stdout.write(json.dumps(reading, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    texts = _read_texts(args.input)
    out = sys.stdout
    for text, prediction in zip(texts, classifier.predict(texts, explain=args.explain)):
        out.write(json.dumps({"text": text, **prediction.as_dict()}, ensure_ascii=False) + "\n")
    return EXIT_OK


def cmd_score(args) -> int:
    bulk = _bulk()
    try:
        manifest = bulk.score(
            args.input, args.model, args.output, text_column=args.text_column, id_column=args.id_column,
            max_chars=args.max_chars, scheduler=args.scheduler,
            partition_rows=bulk.DEFAULT_PARTITION_ROWS if args.partition_rows is None else args.partition_rows,
            workers=args.workers, progress=not args.quiet,
        )
    except bulk.BulkInputError as exc:
        raise BadInput(str(exc)) from None
    print(
        f"scored {manifest['rows_scored']} of {manifest['rows_in']} rows with model {manifest['model_version']} "
        f"in {manifest['duration_seconds']:.1f}s ({manifest['partitions_already_done']} of "
        f"{manifest['partitions']} partitions were already done) -> {args.output}"
    )
    if manifest["rows_rejected"]:
        print(f"rejected {manifest['rows_rejected']} rows {manifest['rejected_by_reason']}: see "
              f"{Path(args.output) / manifest['rejects']}")
    return EXIT_OK


def cmd_validate(args) -> int:
    corpus = read_corpus(args.paths)
    print(f"{len(corpus.files)} file(s), {len(corpus)} rows after dropping {corpus.duplicates_dropped} exact duplicate(s)")
    for label, count in corpus.label_counts().items():
        print(f"  {label:<16} {count:6d}")
    print("no conflicting labels")
    return EXIT_OK


def cmd_export_feedback(args) -> int:
    # Imported here so that the other commands never load SQLAlchemy.
    from .feedback import FeedbackStoreError, FeedbackStoreUnavailable, export_feedback, open_feedback_store

    url = args.url or os.environ.get("CLAIMS_FEEDBACK_URL")
    if not url:
        raise BadInput("give --url or set CLAIMS_FEEDBACK_URL")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise BadInput(f"{out.parent}: no such folder")
    try:
        with open_feedback_store(url, create=False) as store:
            written = export_feedback(store, out, latest_only=args.latest_per_text)
    except FeedbackStoreUnavailable:
        raise  # not the user's input: exit 1
    except FeedbackStoreError as exc:
        raise BadInput(str(exc)) from None
    print(f"{written} feedback row(s) from {store.url} written to {out}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description="Train and use the claim classifier.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("train", help="train a model from labeled CSVs and save it")
    p.add_argument("--data", nargs="+", required=True, metavar="PATH", help="CSV files or folders")
    p.add_argument("--out", required=True, metavar="DIR", help="model directory to write (replaced atomically)")
    p.add_argument("--cv-folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--no-eval", action="store_true", help="skip hold-out and cross-validation")
    p.add_argument("--config", choices=[c.name for c in CANDIDATE_CONFIGS], default=DEFAULT_CONFIG.name,
                   help=f"pipeline configuration (default {DEFAULT_CONFIG.name})")
    p.add_argument("--select", action="store_true",
                   help="choose the pipeline by cross-validated macro-F1 over the candidate grid")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run cross-validation on this Dask scheduler (tcp://HOST:8786)")
    p.add_argument("--promote-if-better", action="store_true",
                   help="replace --out only if the new model's macro-F1 on --holdout is not below the current "
                        "model's; otherwise exit 3 and leave it")
    p.add_argument("--holdout", nargs="+", metavar="PATH",
                   help="labeled CSVs kept out of training, for --promote-if-better")
    p.add_argument("--force", action="store_true",
                   help="with --promote-if-better: compare and report, but replace the current model anyway")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_train)

    p = commands.add_parser("evaluate", help="score a saved model on labeled CSVs")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--data", nargs="+", required=True, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--report", metavar="DIR", help="also write report.json, report.md and confusion.png here")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = commands.add_parser("predict", help="label sentences; JSON lines out (or, with --article, one JSON reading)")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--input", metavar="FILE", help="one sentence per line, or a .csv with a text column (default stdin)")
    p.add_argument("--article", action="store_true",
                   help="the input is one whole text: split it into sentences, name sources, summarise")
    p.add_argument("--explain", action="store_true", help="add the features behind each label")
    p.set_defaults(func=cmd_predict)

    p = commands.add_parser("score", help="label CSV, JSON-lines or Parquet files on Dask; Parquet out")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--input", nargs="+", required=True, metavar="PATH", help="files, folders or glob patterns")
    p.add_argument("--output", required=True, metavar="DIR", help="output folder; re-running resumes into it")
    p.add_argument("--text-column", default="text", metavar="NAME", help="column or key of the text (default text)")
    p.add_argument("--id-column", default="id", metavar="NAME",
                   help="column or key of the id (default id; the row number when absent)")
    p.add_argument("--max-chars", type=int, default=MAX_TEXT_CHARS, metavar="N",
                   help=f"reject longer texts (default {MAX_TEXT_CHARS})")
    p.add_argument("--partition-rows", type=int, metavar="N",
                   help="rows per partition: the unit of work and of resuming (default 20000)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local cluster worker processes (default: one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="use a running Dask scheduler (tcp://HOST:8786)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_score)

    p = commands.add_parser("validate", help="check labeled CSVs and print counts")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_validate)

    p = commands.add_parser("export-feedback", help="write moderators' feedback as a corpus CSV for train")
    p.add_argument("--url", metavar="URL", help="the feedback store (default: $CLAIMS_FEEDBACK_URL), "
                   "e.g. sqlite:///feedback/feedback.sqlite3, postgresql://..., csv:///DIR")
    p.add_argument("--out", required=True, metavar="FILE.csv", help="CSV to write (replaced atomically)")
    p.add_argument("--latest-per-text", action="store_true",
                   help="keep only the newest feedback per text (train refuses a text labeled two ways)")
    p.set_defaults(func=cmd_export_feedback)
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
