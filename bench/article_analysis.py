"""Sentence splitting against GUM's gold boundaries, and /v1/analyze throughput.

Usage: python bench/article_analysis.py [--gum DIR] [--model DIR] [--repeats R] [--show-errors N]

1. Boundary agreement on the Wikinews documents of the GUM treebank
   (``../shared/external/gum_wikinews``, read at run time, never copied here).
   Gold sentences are located in each article's text (titles, which are not in
   the text, are skipped); a boundary is the end offset of a sentence. Reports
   precision, recall and F1 of the splitter's boundaries, counting (a) every
   boundary and (b) only boundaries inside paragraphs (paragraph breaks are
   given away by blank lines), plus the share of gold sentences reproduced exactly.
2. Throughput of ``analyze_text`` (split + attribute + classify), of the split
   alone, and of pysbd given the whole text at once (no paragraph split), on a
   2,000-word article made of GUM articles joined with blank lines (``--words``);
   the median of R runs, since the machines here are shared and noisy.

Without --model, trains the default configuration from data/ into a temporary
directory first.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pysbd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import analyze_text, load_model, split_sentences, train  # noqa: E402
from training.segment import split_paragraphs  # noqa: E402

DEFAULT_GUM = ROOT.parent / "shared" / "external" / "gum_wikinews"


def read_gum(folder: Path) -> list[tuple[str, list[tuple[int, int]]]]:
    """(article text, gold sentence spans located in it) per document."""
    with (folder / "gum_wikinews_articles.csv").open(encoding="utf-8", newline="") as stream:
        texts = {row["doc_id"]: row["text"] for row in csv.DictReader(stream)}
    gold = defaultdict(list)
    with (folder / "gum_wikinews_sentences.csv").open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            gold[row["doc_id"]].append(row["text"].strip())
    documents = []
    for doc_id, text in texts.items():
        spans, cursor = [], 0
        for sentence in gold[doc_id]:
            found = text.find(sentence, cursor)
            if found < 0:
                continue  # the title: not part of the article text
            spans.append((found, found + len(sentence)))
            cursor = found + len(sentence)
        documents.append((text, spans))
    return documents


def boundary_scores(documents, show_errors: int = 0) -> dict:
    counts = {"all": [0, 0, 0], "inside_paragraphs": [0, 0, 0]}  # true positives, predicted, gold
    exact = total_gold = 0
    errors = []
    for text, gold_spans in documents:
        predicted = [(s.start, s.end) for s in split_sentences(text)]
        paragraph_ends = {end for _, end in split_paragraphs(text)}
        covered = [(start, end) for start, end in gold_spans]
        gold_ends = {end for _, end in gold_spans}
        # Score only predicted boundaries inside text the gold sentences cover.
        predicted_ends = {end for _, end in predicted if any(s < end <= e for s, e in covered)}
        for name, keep in (("all", lambda end: True), ("inside_paragraphs", lambda end: end not in paragraph_ends)):
            g = {end for end in gold_ends if keep(end)}
            p = {end for end in predicted_ends if keep(end)}
            counts[name][0] += len(g & p)
            counts[name][1] += len(p)
            counts[name][2] += len(g)
        predicted_set = set(predicted)
        exact += sum(1 for span in gold_spans if span in predicted_set)
        total_gold += len(gold_spans)
        if show_errors:
            for end in sorted(predicted_ends ^ gold_ends):
                kind = "extra" if end in predicted_ends else "missed"
                errors.append(f"{kind:>6}: ...{text[max(0, end - 60):end]!r} | {text[end:end + 30]!r}")
    result = {"gold_sentences": total_gold, "exact_sentences": exact / total_gold}
    for name, (tp, predicted, gold) in counts.items():
        precision, recall = tp / predicted, tp / gold
        result[name] = {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall),
                        "gold": gold, "predicted": predicted}
    result["errors"] = errors[:show_errors]
    return result


def article_of(documents, words: int) -> str:
    """GUM articles joined with blank lines, cut at the paragraph that reaches ``words`` words."""
    paragraphs, count = [], 0
    for text, _ in documents:
        for start, end in split_paragraphs(text):
            paragraphs.append(text[start:end])
            count += len(text[start:end].split())
            if count >= words:
                return "\n\n".join(paragraphs)
    return "\n\n".join(paragraphs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gum", default=str(DEFAULT_GUM))
    parser.add_argument("--model", help="model directory (default: train one from data/)")
    parser.add_argument("--data", default=str(ROOT / "data"))
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--show-errors", type=int, default=0, metavar="N", help="print N boundary disagreements")
    args = parser.parse_args()

    documents = read_gum(Path(args.gum))
    scores = boundary_scores(documents, args.show_errors)
    print(f"GUM Wikinews: {len(documents)} articles, {scores['gold_sentences']} gold sentences located in the text")
    for name in ("all", "inside_paragraphs"):
        s = scores[name]
        print(f"  boundaries ({name.replace('_', ' ')}): precision {s['precision']:.3f} recall {s['recall']:.3f} "
              f"F1 {s['f1']:.3f} (gold {s['gold']}, predicted {s['predicted']})")
    print(f"  gold sentences reproduced exactly: {scores['exact_sentences']:.3f}")
    for line in scores["errors"]:
        print("   ", line)

    model_dir = args.model
    if model_dir is None:
        model_dir = Path(tempfile.mkdtemp(prefix="bench-article-")) / "model"
        train([args.data], model_dir, evaluate=False)
    classifier = load_model(model_dir)
    article = article_of(documents, args.words)
    sentence_count = len(split_sentences(article))
    whole_text = pysbd.Segmenter(language="en", clean=False)
    split_rates, analyze_rates, explain_rates, whole_rates = [], [], [], []
    for _ in range(args.repeats):
        started = time.perf_counter()
        whole_text.processor(article).process()  # what paragraph splitting saves
        whole_rates.append(sentence_count / (time.perf_counter() - started))
        started = time.perf_counter()
        split_sentences(article)
        split_rates.append(sentence_count / (time.perf_counter() - started))
        started = time.perf_counter()
        analyze_text(classifier, article)
        analyze_rates.append(sentence_count / (time.perf_counter() - started))
        started = time.perf_counter()
        analyze_text(classifier, article, explain=True)
        explain_rates.append(sentence_count / (time.perf_counter() - started))
    print(f"article: {len(article.split())} words, {len(article)} characters, {sentence_count} sentences; "
          f"median of {args.repeats}")
    for name, rates in (("pysbd, whole text", whole_rates), ("split only", split_rates), ("analyze", analyze_rates),
                        ("analyze, explain", explain_rates)):
        rate = statistics.median(rates)
        print(f"  {name:<17} {rate:8,.0f} sentences/s  ({sentence_count / rate * 1000:6.0f} ms per article)")


if __name__ == "__main__":
    main()
