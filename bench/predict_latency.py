"""Per-call prediction cost: the compiled path (what the service uses) against the pipeline.

Usage: python bench/predict_latency.py [--model DIR] [--repeats 7]

Prints, for 1, 100 and 2,000 sentences per call, the CPU time of one call (best of
``--repeats``; CPU time, not wall time, so other jobs on a shared machine disturb it
less) through ``Classifier.predict_proba`` (compiled, ``training/inference.py``) and
through the fitted scikit-learn ``Pipeline.predict_proba``, and checks that both give
the same probabilities. Without --model, trains the default model from data/ first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import load_model, read_corpus, train  # noqa: E402
from training.evaluation import probabilities_in_label_order  # noqa: E402


def best_cpu_ms(call, repeats: int, inner: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(inner):
            call()
        best = min(best, (time.process_time() - started) / inner)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="model directory (default: train one from data/)")
    parser.add_argument("--data", default=str(ROOT / "data"))
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    texts = read_corpus([args.data]).texts
    model_dir = args.model
    if model_dir is None:
        model_dir = Path(tempfile.mkdtemp()) / "model"
        train([args.data], model_dir, evaluate=False)
    classifier = load_model(model_dir)
    pipeline = classifier.pipeline
    compiled = "compiled" if classifier._compiled is not None else "NOT compiled (pipeline used)"
    print(f"model {classifier.version} ({classifier.metadata['pipeline']['name']}), {compiled}")
    print(f"{'sentences/call':>14} {'compiled ms':>12} {'pipeline ms':>12} {'speed-up':>9} {'max |diff|':>11}")
    for n in (1, 100, 2000):
        batch = texts[:n]
        inner = {1: 200, 100: 10, 2000: 1}[n]
        fast = best_cpu_ms(lambda: classifier.predict_proba(batch), args.repeats, inner)
        slow = best_cpu_ms(lambda: pipeline.predict_proba(batch), args.repeats, max(1, inner // 10))
        reference = probabilities_in_label_order(pipeline.classes_, pipeline.predict_proba(batch))
        gap = float(np.max(np.abs(classifier.predict_proba(batch) - reference)))
        print(f"{n:>14} {fast:12.3f} {slow:12.3f} {slow / fast:8.1f}x {gap:11.1e}")


if __name__ == "__main__":
    main()
