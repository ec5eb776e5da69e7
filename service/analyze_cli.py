"""``python -m service analyze FILE``: the reading ``POST /v1/analyze`` would return, offline.

The model comes from ``--model`` or the service's own setting (``CLAIMS_MODEL_DIR``,
else ``models/default``). The output is the same JSON document as the endpoint's.
Exit codes: 0 success, 2 bad input (file, text, model directory).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from training import ModelLoadError, analyze_text, load_model

from .config import load_settings

EXIT_OK, EXIT_BAD_INPUT = 0, 2


class _BadInput(Exception):
    pass


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise _BadInput(f"{source}: no such file")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _BadInput(f"{source}: not UTF-8 (byte {exc.start})") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service analyze",
                                     description="Read a whole text sentence by sentence, as POST /v1/analyze does.")
    parser.add_argument("file", metavar="FILE", help="UTF-8 text file ('-' for standard input)")
    parser.add_argument("--model", metavar="DIR", help="model directory (default: CLAIMS_MODEL_DIR or models/default)")
    parser.add_argument("--explain", action="store_true", help="add the features behind each label")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        text = _read(args.file)
        if not text.strip():
            raise _BadInput(f"{args.file}: no text to analyze")
        classifier = load_model(args.model or load_settings()["MODEL_DIR"])
    except (_BadInput, ModelLoadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    reading = {"model": {"version": classifier.version}, **analyze_text(classifier, text, args.explain).as_dict()}
    sys.stdout.write(json.dumps(reading, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK
