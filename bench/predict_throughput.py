"""Single-process batch prediction throughput and model load time.

Usage: python bench/predict_throughput.py [--model DIR] [--sentences N] [--repeats R]

Without --model, trains the default configuration from data/ into a temporary
directory first. Prints the median of R runs and the best (machines here are shared
and noisy: other load can only make a run slower, so the best is the closest to an
idle core),
by wall clock and per CPU-second of the process (numpy/BLAS threads are not used by
prediction, so CPU time is the single-core cost).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import load_model, read_corpus, train  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="model directory (default: train one from data/)")
    parser.add_argument("--data", default=str(ROOT / "data"))
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    corpus = read_corpus([args.data])
    model_dir = args.model
    if model_dir is None:
        model_dir = Path(tempfile.mkdtemp()) / "model"
        train([args.data], model_dir, evaluate=False)
    texts = (corpus.texts * (args.sentences // len(corpus) + 1))[: args.sentences]

    load_times, rates, cpu_rates, explain_rates = [], [], [], []
    for _ in range(args.repeats):
        started = time.perf_counter()
        classifier = load_model(model_dir)
        load_times.append(time.perf_counter() - started)
        started, cpu_started = time.perf_counter(), time.process_time()
        classifier.predict(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
        cpu_rates.append(len(texts) / (time.process_time() - cpu_started))
        started = time.perf_counter()
        classifier.predict(texts[:2000], explain=True)
        explain_rates.append(2000 / (time.perf_counter() - started))
    print(f"model {classifier.version} ({classifier.metadata['pipeline']['name']})")
    print(f"load time, median of {args.repeats}: {statistics.median(load_times) * 1000:.0f} ms")
    print(f"batch predict, {len(texts)} sentences, median of {args.repeats}: {statistics.median(rates):,.0f} sentences/s"
          f" (best {max(rates):,.0f})")
    print(f"  per CPU-second (what one otherwise idle core gives; wall time suffers on a shared machine): "
          f"{statistics.median(cpu_rates):,.0f} sentences/s (best {max(cpu_rates):,.0f}: other tenants' load only slows)")
    print(f"predict with explanations, median: {statistics.median(explain_rates):,.0f} sentences/s")


if __name__ == "__main__":
    main()
