"""Per-request cost of the service's bookkeeping (request id, API key check, metrics, access log).

Usage: python bench/request_overhead.py [--model DIR] [--requests N] [--repeats R] [--no-breakdown]

In-process (Flask test client, no HTTP), so it isolates what the hooks add: the
same app is timed with its ``before_request``/``after_request`` hooks and with
them removed, on a trivial endpoint (/healthz) and on one-sentence
/v1/classify. The access log goes to a null handler: the cost of formatting the
JSON line is measured, not the terminal. Metrics are in multiprocess mode, as
under gunicorn. Prints medians of R runs (the machine is shared and noisy).
Without --model, trains one from data/ first.

Then a breakdown of a one-sentence /v1/classify into its parts (reading and
checking the body, the model, the response, the per-label counter, the request
metrics, the access-log line, all hooks), each timed on its own in a loop, best
of R: what a one-sentence request costs beyond the trivial endpoint, and where.
Under gunicorn (``bench/load.py``) every figure is higher, by the web server's
own work and by other processes on the machine, but the parts compare alike.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Metrics as under gunicorn: prometheus-client's multiprocess mode (values written to
# files), chosen when it is first imported.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="claims-bench-metrics-"))

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
    parser.add_argument("--no-breakdown", action="store_true", help="skip the per-part breakdown")
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
    if not args.no_breakdown:
        print(f"parts of a one-sentence classify, each alone, best of {args.repeats} x {args.requests}:")
        for part, microseconds in breakdown(app, headers, body["sentences"], args.requests, args.repeats).items():
            print(f"  {part:<58} {microseconds:7.1f} us")


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


def breakdown(app, headers: dict, sentences: list[str], count: int, repeats: int) -> dict[str, float]:
    """Microseconds per call of each part of a one-sentence classify, timed alone (best of ``repeats``)."""
    from service import metrics, observability, validation
    from service.model_holder import EXTENSION_KEY

    def best(call, number=count) -> float:
        return min(timeit.repeat(call, number=number, repeat=repeats)) / number * 1e6

    data = json.dumps({"sentences": sentences}).encode()
    # As gunicorn hands a request over: a Content-Length body on an input it terminates.
    def context():
        return app.test_request_context("/v1/classify", method="POST", data=data, content_type="application/json",
                                        headers=headers, environ_overrides={"wsgi.input_terminated": True})

    def fresh_input(environ):  # the request's body unread again, werkzeug's stream not yet made
        environ["wsgi.input"] = io.BytesIO(data)
        flask.request.__dict__.pop("stream", None)

    classifier = app.extensions[EXTENSION_KEY].classifier
    predictions = classifier.predict(sentences)
    version = classifier.version
    reply = {"model": {"version": version}, "results": [p.as_dict() for p in predictions]}
    fields = {"method": "POST", "route": "/v1/classify", "status": 200, "duration_ms": 0.5, "sentences": 1,
              "model_version": version}
    with context():
        environ = flask.request.environ
        parts = {"request body: read, parse, depth check (json_body)": max(
            best(lambda: (fresh_input(environ), validation.json_body())) - best(lambda: fresh_input(environ)), 0.0)}
        parts["model: Classifier.predict, one sentence"] = best(lambda: classifier.predict(sentences))
        parts["response: serialise the classify reply"] = best(lambda: flask.jsonify(reply))
        parts["response: serialise /healthz's reply"] = best(lambda: flask.jsonify({"status": "ok"}))
        parts["note_classified: per-label counter, log fields"] = best(
            lambda: observability.note_classified(version, sentences, predictions))
        parts["metrics: request counter + latency histogram"] = best(
            lambda: metrics.observe_request("/v1/classify", "POST", 200, 0.0005, version))
        parts["access log: one JSON line (every request)"] = best(
            lambda: observability.access_log.info("%s %s %d %.1f ms", "POST", "/v1/classify", 200, 0.5,
                                                  extra=fields))
    parts["all before/after-request hooks (every request)"] = hooks_alone_microseconds(app, headers, count, repeats)
    return parts


if __name__ == "__main__":
    main()
