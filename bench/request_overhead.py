"""Per-request cost of the service's bookkeeping (request id, API key check, metrics, access log).

Usage: python bench/request_overhead.py [--model DIR] [--requests N] [--repeats R]

In-process (Flask test client, no HTTP), so it isolates what the hooks add: the
same app is timed with its ``before_request``/``after_request`` hooks and with
them removed, on a trivial endpoint (/healthz) and on one-sentence
/v1/classify. The access log goes to a null handler: the cost of formatting the
JSON line is measured, not the terminal. Prints medians of R runs (the machine
is shared and noisy). Without --model, trains one from data/ first.
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

import flask  # noqa: E402

from service import create_app  # noqa: E402
from training import train  # noqa: E402

API_KEY = "bench-key"


def requests_per_second(client, method: str, path: str, count: int, **kwargs) -> float:
    call = getattr(client, method)
    started = time.perf_counter()
    for _ in range(count):
        response = call(path, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="model directory (default: train one from data/)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    model_dir = args.model
    if model_dir is None:
        model_dir = Path(tempfile.mkdtemp()) / "model"
        train([ROOT / "data"], model_dir, evaluate=False)

    bare = create_app({"MODEL_DIR": str(model_dir)})
    bare.before_request_funcs.clear()
    bare.after_request_funcs.clear()
    app = create_app({"MODEL_DIR": str(model_dir), "API_KEYS": f"{API_KEY}:classify", "LOG_LEVEL": "INFO"})
    for handler in logging.getLogger().handlers:
        handler.setStream(open(os.devnull, "w"))  # keep formatting the JSON line, drop the terminal write

    headers = {"Authorization": f"Bearer {API_KEY}"}
    body = {"sentences": ["Police said two men were arrested after the protest."]}
    cases = {
        "healthz": ("get", "/healthz", {}),
        "classify 1 sentence": ("post", "/v1/classify", {"json": body, "headers": headers}),
    }
    results: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeats):
        for variant, instance in (("with hooks", app), ("without hooks", bare)):
            client = instance.test_client()
            for name, (method, path, kwargs) in cases.items():
                rate = requests_per_second(client, method, path, args.requests, **kwargs)
                results.setdefault((variant, name), []).append(rate)

    medians = {key: statistics.median(rates) for key, rates in results.items()}
    print(f"in-process requests/s, median of {args.repeats} x {args.requests} requests")
    for (variant, name), rate in medians.items():
        print(f"  {name:<22} {variant:<14} {rate:>8,.0f} req/s  ({1e6 / rate:,.0f} us/request)")
    for name in cases:
        added = 1e6 / medians[("with hooks", name)] - 1e6 / medians[("without hooks", name)]
        print(f"  hooks add {added:,.0f} us/request on {name}")
    ratio = medians[("with hooks", "classify 1 sentence")] / medians[("with hooks", "healthz")]
    print(f"  one-sentence classify / healthz, with hooks: {ratio:.0%}")
    print(f"hooks alone, best of {args.repeats} x {args.requests} (least disturbed by other load): "
          f"{hooks_alone_microseconds(app, headers, args.requests, args.repeats):.0f} us/request")


def hooks_alone_microseconds(app, headers: dict, count: int, repeats: int) -> float:
    """The app's before/after-request hooks run directly, without the test client around them."""
    before, after = app.before_request_funcs[None], app.after_request_funcs[None]
    with app.test_request_context("/v1/labels", headers=headers):
        request_ctx = flask.globals.request_ctx._get_current_object()
        request_ctx.match_request()
        response = app.response_class("{}", mimetype="application/json")
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            for _ in range(count):
                for hook in before:
                    hook()
                for hook in reversed(after):
                    hook(response)
            timings.append((time.perf_counter() - started) / count)
    return min(timings) * 1e6


if __name__ == "__main__":
    main()
