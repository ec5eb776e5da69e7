"""What the drop-in dialects cost on top of the native API, per request.

Usage: python bench/dialect_overhead.py [--model DIR] [--requests N] [--repeats R]

In-process (Flask test client, no HTTP), API keys on, the access log sent to
/dev/null. Pairs that do the same model work:

* ``POST /v1/classify`` vs ``POST /v2/models/claims/infer`` (3 sentences);
* ``POST /v1/analyze`` vs ``POST /v1alpha1/comments:analyze`` (a 3-sentence
  comment, all four attributes, with span annotations).

Prints the median requests/s of R runs and the difference per request (the
machine is shared and noisy: compare within one run). Without --model, trains
one from data/ first.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from training import train  # noqa: E402

API_KEY = "bench-key"
SENTENCES = ["Police said two men were arrested after the protest.",
             "Posts shared online claim the army has switched sides.",
             "Analysts believe the talks could collapse next week."]
COMMENT = " ".join(SENTENCES)
ATTRIBUTES = {name: {} for name in ("ATTRIBUTED_FACT", "OFFICIAL_CLAIM", "SPECULATION", "RUMOR")}


def requests_per_second(client, path: str, body: dict, count: int) -> float:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    started = time.perf_counter()
    for _ in range(count):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="model directory (default: train one from data/)")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    model_dir = args.model
    if model_dir is None:
        model_dir = Path(tempfile.mkdtemp()) / "model"
        train([ROOT / "data"], model_dir, evaluate=False)

    scratch = Path(tempfile.mkdtemp())  # the feedback store opened at start-up stays out of the checkout
    app = create_app({"MODEL_DIR": str(model_dir), "API_KEYS": f"{API_KEY}:classify",
                      "FEEDBACK_URL": f"sqlite:///{scratch / 'feedback.sqlite3'}"})
    for handler in logging.getLogger().handlers:
        handler.setStream(open(os.devnull, "w"))  # keep formatting the JSON line, drop the terminal write
    client = app.test_client()
    pairs = {
        "3 sentences": (
            ("/v1/classify", {"sentences": SENTENCES}),
            ("/v2/models/claims/infer",
             {"inputs": [{"name": "text", "datatype": "BYTES", "shape": [3], "data": SENTENCES}]}),
        ),
        "3-sentence text": (
            ("/v1/analyze", {"text": COMMENT}),
            ("/v1alpha1/comments:analyze",
             {"comment": {"text": COMMENT}, "requestedAttributes": ATTRIBUTES, "spanAnnotations": True}),
        ),
    }
    rates: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for native, dialect in pairs.values():
            for path, body in (native, dialect):
                rates.setdefault(path, []).append(requests_per_second(client, path, body, args.requests))

    print(f"in-process requests/s, median of {args.repeats} x {args.requests} requests (API keys on)")
    for name, ((native, _), (dialect, _)) in pairs.items():
        native_rate, dialect_rate = statistics.median(rates[native]), statistics.median(rates[dialect])
        print(f"  {name}: {native:<28} {native_rate:>7,.0f} req/s ({1e6 / native_rate:,.0f} us)")
        print(f"  {'':{len(name)}}  {dialect:<28} {dialect_rate:>7,.0f} req/s ({1e6 / dialect_rate:,.0f} us), "
              f"{1e6 / dialect_rate - 1e6 / native_rate:+,.0f} us per request")


if __name__ == "__main__":
    main()
