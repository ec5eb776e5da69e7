"""Baseline vs. every candidate pipeline on the real-news development set, in one run.

Usage: python bench/compare_on_dev.py [--data data] [--dev ../shared/dev/real_news_dev.csv]

Trains each configuration on our corpus, scores it on the dev set (real news and
posts nobody here wrote; read at run time, never stored) and prints macro-F1,
per-label F1 and the share of the natural-mix ("random") rows labeled right.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import read_corpus  # noqa: E402
from training.evaluation import score_predictions  # noqa: E402
from training.pipeline import BASELINE_CONFIG, CANDIDATE_CONFIGS, build_pipeline  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT / "data"))
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "dev" / "real_news_dev.csv"))
    args = parser.parse_args()
    if not Path(args.dev).exists():
        sys.exit(f"no dev set at {args.dev}")
    corpus = read_corpus([args.data])
    with open(args.dev, encoding="utf-8", newline="") as handle:
        dev = list(csv.DictReader(handle))
    texts, labels = [r["text"] for r in dev], [r["label"] for r in dev]
    natural = [i for i, r in enumerate(dev) if r.get("stratum") == "random"]
    print(f"corpus: {len(corpus)} rows {corpus.label_counts()}; dev: {len(dev)} rows, {len(natural)} natural-mix")
    print(f"{'configuration':<30} {'macro-F1':>8} {'fact':>6} {'offic':>6} {'spec':>6} {'rumor':>6} {'natural acc':>11} {'train s':>8}")
    for config in (BASELINE_CONFIG, *CANDIDATE_CONFIGS):
        started = time.perf_counter()
        pipeline = build_pipeline(config).fit(corpus.texts, corpus.labels)
        seconds = time.perf_counter() - started
        predicted = list(pipeline.predict(texts))
        scores = score_predictions(labels, predicted)
        f1 = [scores["per_label"][label]["f1"] for label in scores["per_label"]]
        natural_acc = sum(predicted[i] == labels[i] for i in natural) / max(1, len(natural))
        print(f"{config.name:<30} {scores['macro_f1']:8.3f} " + " ".join(f"{v:6.3f}" for v in f1)
              + f" {natural_acc:11.3f} {seconds:8.1f}")


if __name__ == "__main__":
    main()
