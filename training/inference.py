"""The fitted pipeline's probabilities, computed without scikit-learn's per-call overhead.

For one sentence, almost all of ``Pipeline.predict_proba``'s time is overhead:
every step of a ``FeatureUnion`` into a linear model validates its input again
(tens of ``check_array`` calls), builds sparse matrices for a handful of values,
and a calibrated model multiplies by ``coef_.T``, a transposed view scipy copies
whole on every call. That caps a web worker at a few hundred one-sentence requests
a second however small the model.

:func:`compile_pipeline` reads the fitted parameters once (the vectorizers'
``build_analyzer()``, ``vocabulary_`` and ``idf_``; the linear models' ``coef_`` and
``intercept_``; the sigmoid calibrators' ``a_`` and ``b_``) and
:class:`CompiledPipeline` computes the same numbers with small numpy operations on
the sentence's non-zero features: term counts, TF-IDF weighting and L2
normalisation, then one product with a dense matrix holding only the weight rows of
features that have any weight. Blocks it does not specialise use their own
``transform``.

It is checked against the pipeline on sample sentences when built: any
difference beyond float rounding, or a step it does not know, and
:func:`compile_pipeline` returns None so the caller keeps using the pipeline.
"""

from __future__ import annotations

import itertools
import logging
import math
import operator
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils import murmurhash3_32

from .cues import TOKEN_PATTERN, CueFeatures, word_tokens

__all__ = ["CompiledPipeline", "compile_pipeline", "CHECK_SENTENCES"]

log = logging.getLogger(__name__)

#: Sentences the compiled form must score exactly like the pipeline: every label's
#: kind, posts with markers, numbers and quotes, repeated words, a question, and
#: text with no words at all.
CHECK_SENTENCES = (
    "Hospital records show 41 people were treated for injuries overnight.",
    '"We will not negotiate with criminals," the president said.',
    "The unrest could push fuel prices higher across the region, analysts believe.",
    "Posts shared thousands of times claim the army has switched sides, the army said, the army.",
    "BREAKING: #flood @cityhall reportedly evacuated, unconfirmed reports say",
    "Is the minister about to resign?",
    "Shares rose 4.5% to 1,230 pence on Tuesday, Müller's café said.",
    "...",
)

#: Largest difference from the pipeline's numbers accepted (float summation order only).
TOLERANCE = 1e-9

#: From this many texts on, a HashingVectorizer's own (compiled) transform, and
#: counting vocabulary terms with numpy, are faster than counting them per text in
#: Python; below it, their fixed overhead dominates.
_BATCH = 16

# Non-zero features as coordinates: (row, column, value) arrays, row-major.
Coordinates = tuple[np.ndarray, np.ndarray, np.ndarray]


class _Unsupported(Exception):
    """A step the compiled form does not reproduce; the pipeline is used instead."""


class CompiledPipeline:
    """Features and probabilities of a fitted ``Pipeline(features, classifier)``.

    Build it with :func:`compile_pipeline`, which also verifies it.

    Attributes
    ----------
    classes_ : list of str
        Column order of the probabilities, as the pipeline's ``classes_``.
    """

    def __init__(self, blocks, weights: sparse.csr_matrix, intercepts, calibration, n_models, classes):
        # (batch: (texts, tokens) -> Coordinates, one text: (text, tokens) -> (columns, values), width)
        self._blocks: list[tuple[Callable, Callable, int]] = blocks
        self._n_features = sum(width for _, _, width in blocks)
        # Only features with a weight matter: a dense (rows_used + 1, models * classes)
        # matrix and a map from feature column to its row (the last row, all zeros,
        # for the rest) replace weight matrices as wide as the feature space.
        used = np.unique(weights.nonzero()[0])
        self._row_of = np.full(self._n_features, len(used), dtype=np.intp)
        self._row_of[used] = np.arange(len(used))
        self._weights = np.vstack([weights[used].toarray(), np.zeros((1, weights.shape[1]))])
        self._intercepts = np.asarray(intercepts, dtype=np.float64)  # (n_models * n_classes,)
        # The same weights as Python lists, one per output column, for one sentence.
        self._weight_columns = self._weights.T.tolist()
        self._row_list = self._row_of.tolist()
        self._intercept_list = self._intercepts.tolist()
        self._calibration = calibration  # (a, b) of the sigmoid calibrators, or None for softmax
        self._n_models = n_models
        self.classes_ = classes

    def _coordinates(self, texts: list[str], ordered: bool = True) -> Coordinates:
        rows, columns, values = [], [], []
        offset = 0
        # Tokenised once for every block that reads word tokens (words and cues).
        tokens = [word_tokens(text) for text in texts]
        for transform, _, width in self._blocks:
            row, column, value = transform(texts, tokens)
            rows.append(row)
            columns.append(column + offset)
            values.append(value)
            offset += width
        row, column, value = np.concatenate(rows), np.concatenate(columns), np.concatenate(values)
        if len(texts) == 1 or not ordered:  # one row: block after block is already column order
            return row, column, value
        order = np.argsort(row, kind="stable")  # row-major; within a row, blocks stay in column order
        return row[order], column[order], value[order]

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The feature matrix the pipeline's ``features`` step would give, CSR."""
        texts = list(texts)
        row, column, value = self._coordinates(texts)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=len(texts)))])
        return sparse.csr_matrix((value, column, indptr), shape=(len(texts), self._n_features))

    def predict_proba(self, features: sparse.csr_matrix) -> np.ndarray:
        """Probabilities for a feature matrix from :meth:`features`, columns in :attr:`classes_` order."""
        features = features.tocsr()
        row = np.repeat(np.arange(features.shape[0]), np.diff(features.indptr))
        return self._probabilities((row, features.indices, features.data), features.shape[0])

    def predict_proba_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities straight from texts, without building a sparse matrix."""
        texts = list(texts)
        # The scatter-add into probabilities does not need row-major order: no sort.
        return self._probabilities(self._coordinates(texts, ordered=False), len(texts))

    def predict_proba_one(self, text: str) -> list[float]:
        """Probabilities of one text, in :attr:`classes_` order, in plain Python where it pays.

        A one-sentence request spends most of its model time in the fixed cost of
        numpy calls made for a handful of values; this path makes a few, on one
        small matrix. Checked against the pipeline like the batch path.
        """
        tokens = word_tokens(text)
        columns: list[int] = []
        values: list[float] = []
        offset = 0
        for _, one, width in self._blocks:
            block_columns, block_values = one(text, tokens)
            columns.extend([column + offset for column in block_columns] if offset else block_columns)
            values.extend(block_values)
            offset += width
        # A few dozen multiply-adds per output: faster in Python (C-level map and sum
        # over one output's weights at a time) than numpy's per-call cost.
        rows = list(map(self._row_list.__getitem__, columns))
        decisions = [intercept + sum(map(operator.mul, values, map(weights.__getitem__, rows)))
                     for intercept, weights in zip(self._intercept_list, self._weight_columns)]
        if self._calibration is None:  # softmax, as scikit-learn computes it
            top = max(decisions)
            exps = [math.exp(d - top) for d in decisions]
            total = sum(exps)
            return [e / total for e in exps]
        return self._from_decisions(np.array([decisions]), 1)[0].tolist()

    def _probabilities(self, coordinates: Coordinates, n_rows: int) -> np.ndarray:
        row, column, value = coordinates
        contributions = value[:, None] * self._weights[self._row_of[column]]
        # Sum each sentence's contributions: one bincount per output column is the
        # cheapest scatter-add for thousands of sentences.
        decisions = np.column_stack(
            [np.bincount(row, weights=contributions[:, j], minlength=n_rows) for j in range(contributions.shape[1])]
        ) + self._intercepts
        return self._from_decisions(decisions, n_rows)

    def _from_decisions(self, decisions: np.ndarray, n_rows: int) -> np.ndarray:
        n_classes = len(self.classes_)
        if self._calibration is None:  # multinomial logistic regression: softmax, as scikit-learn computes it
            exp = np.exp(decisions - decisions.max(axis=1, keepdims=True))
            return exp / exp.sum(axis=1, keepdims=True)
        a, b = self._calibration
        per_model = expit(-(a * decisions + b)).reshape(n_rows, self._n_models, n_classes)
        totals = per_model.sum(axis=2, keepdims=True)
        uniform = np.full_like(per_model, 1.0 / n_classes)
        per_model = np.divide(per_model, totals, out=uniform, where=totals != 0)
        per_model[(1.0 < per_model) & (per_model <= 1.0 + 1e-5)] = 1.0  # as scikit-learn does
        return per_model.mean(axis=1)


def _tfidf_weighting(tfidf) -> Callable[[Coordinates, int], Coordinates]:
    """TfidfTransformer's (or TfidfVectorizer's) weighting of raw counts, on coordinates."""
    if tfidf.norm not in (None, "l2"):
        raise _Unsupported(f"TF-IDF norm={tfidf.norm!r}")
    idf = np.asarray(tfidf.idf_, dtype=np.float64) if tfidf.use_idf else None
    sublinear, l2 = tfidf.sublinear_tf, tfidf.norm == "l2"

    def weigh(coordinates: Coordinates, n_rows: int) -> Coordinates:
        row, column, value = coordinates
        value = value.astype(np.float64)
        if sublinear:
            value = np.log(value) + 1.0
        if idf is not None:
            value = value * idf[column]
        if l2:
            norms = np.sqrt(np.bincount(row, weights=value * value, minlength=n_rows))
            norms[norms == 0.0] = 1.0
            value = value / norms[row]
        return row, column, value

    return weigh


def _tfidf_weighting_one(tfidf) -> Callable[[list[int], list[float]], list[float]]:
    """The same weighting as :func:`_tfidf_weighting`, for one text's (columns, counts) in plain Python."""
    idf = np.asarray(tfidf.idf_, dtype=np.float64).tolist() if tfidf.use_idf else None
    sublinear, l2 = tfidf.sublinear_tf, tfidf.norm == "l2"

    def weigh(columns: list[int], values: list[float]) -> list[float]:
        if sublinear:
            values = [math.log(v) + 1.0 for v in values]
        if idf is not None:
            values = [v * idf[c] for c, v in zip(columns, values)]
        if l2:
            norm = math.sqrt(sum(v * v for v in values)) or 1.0
            values = [v / norm for v in values]
        return values

    return weigh


def _count_one(terms, column_of: Callable[[str], int | None], binary: bool) -> tuple[list[int], list[float]]:
    """One text's term counts as (columns, values), columns in first-seen order (in C)."""
    counts = Counter(map(column_of, terms))
    counts.pop(None, None)
    columns = list(counts)
    return columns, [1.0] * len(columns) if binary else [float(counts[c]) for c in columns]


def _counter(analyzer: Callable, column_of: Callable[[str], int | None], binary: bool,
             vocabulary: dict[str, int] | None = None) -> Callable:
    """Texts (or their tokens) -> coordinates of their term counts, columns ascending within a row.

    ``vocabulary``, when ``column_of`` is its ``get``, lets a batch look terms up in C.
    """

    def count_each(texts: list) -> Coordinates:
        rows, columns, values = [], [], []
        for i, text in enumerate(texts):
            present, counts = _count_one(analyzer(text), column_of, binary)
            order = sorted(range(len(present)), key=present.__getitem__)  # columns ascending within the row
            rows.extend([i] * len(present))
            columns.extend([present[j] for j in order])
            values.extend([counts[j] for j in order])
        return np.array(rows, dtype=np.intp), np.array(columns, dtype=np.intp), np.array(values, dtype=np.float64)

    def count_batch(texts: list) -> Coordinates:
        # Every term's column in one flat array (-1 outside the vocabulary), then one
        # sort of (row, column) keys counts them all: no Python work per term.
        terms = [analyzer(text) for text in texts]
        lengths = np.fromiter(map(len, terms), dtype=np.intp, count=len(terms))
        every_term = itertools.chain.from_iterable(terms)
        if vocabulary is not None:
            flat = np.fromiter(map(vocabulary.get, every_term, itertools.repeat(-1)), dtype=np.int64,
                               count=int(lengths.sum()))
        else:
            flat = np.array([-1 if c is None else c for c in map(column_of, every_term)], dtype=np.int64)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        known = flat >= 0
        width = int(flat.max()) + 1 if flat.size else 1
        keys, counts = np.unique(rows[known] * width + flat[known], return_counts=True)
        values = np.ones(len(keys)) if binary else counts.astype(np.float64)
        return (keys // width).astype(np.intp), (keys % width).astype(np.intp), values

    return lambda texts: count_each(texts) if len(texts) < _BATCH else count_batch(texts)


def _hashed_block(block: Pipeline) -> tuple[Callable, Callable, int]:
    """HashingVectorizer then TfidfTransformer."""
    if [type(step) for _, step in block.steps] != [HashingVectorizer, TfidfTransformer]:
        raise _Unsupported(f"pipeline block {[name for name, _ in block.steps]}")
    hasher, tfidf = block.steps[0][1], block.steps[1][1]
    if hasher.alternate_sign or hasher.norm is not None:
        raise _Unsupported("HashingVectorizer with alternate_sign or norm")
    width = hasher.n_features
    # HashingVectorizer's column of a term: the signed 32-bit MurmurHash3 (seed 0) of
    # its UTF-8 bytes, absolute value modulo the width (Python's abs(-2**31) % width
    # equals scikit-learn's special case for that one value).
    def column_of(term: str) -> int:
        return abs(murmurhash3_32(term, seed=0)) % width

    analyzer = hasher.build_analyzer()
    count_in_python = _counter(analyzer, column_of, hasher.binary)
    weigh = _tfidf_weighting(tfidf)
    weigh_one = _tfidf_weighting_one(tfidf)

    def one(text: str, tokens) -> tuple[list[int], list[float]]:
        columns, counts = _count_one(analyzer(text), column_of, hasher.binary)
        return columns, weigh_one(columns, counts)

    def transform(texts: list[str], tokens) -> Coordinates:
        if len(texts) < _BATCH:
            counts = count_in_python(texts)
        else:
            matrix = hasher.transform(texts).tocsr()
            matrix.sort_indices()
            counts = (np.repeat(np.arange(len(texts)), np.diff(matrix.indptr)), matrix.indices.astype(np.intp),
                      matrix.data)
        return weigh(counts, len(texts))

    return transform, one, width


def _reads_word_tokens(vectorizer: TfidfVectorizer) -> bool:
    """Whether the vectorizer's analyzer is :func:`word_tokens` (single words, the shared pattern)."""
    return (vectorizer.analyzer == "word" and vectorizer.ngram_range == (1, 1) and vectorizer.lowercase
            and vectorizer.token_pattern == TOKEN_PATTERN and vectorizer.preprocessor is None
            and vectorizer.tokenizer is None and vectorizer.strip_accents is None and vectorizer.stop_words is None)


def _vocabulary_block(vectorizer: TfidfVectorizer) -> tuple[Callable, Callable, int]:
    """TfidfVectorizer: the same counting scikit-learn does (a dictionary lookup per term)."""
    vocabulary = vectorizer.vocabulary_
    weigh, weigh_one = _tfidf_weighting(vectorizer), _tfidf_weighting_one(vectorizer)
    binary = vectorizer.binary

    def weighed_one(terms) -> tuple[list[int], list[float]]:
        columns, counts = _count_one(terms, vocabulary.get, binary)
        return columns, weigh_one(columns, counts)

    if _reads_word_tokens(vectorizer):  # reuse the batch's tokens instead of analysing again
        count = _counter(lambda tokens: tokens, vocabulary.get, binary, vocabulary)
        return (lambda texts, tokens: weigh(count(tokens), len(texts))), (lambda text, tokens: weighed_one(tokens)), \
            len(vocabulary)
    analyzer = vectorizer.build_analyzer()
    count = _counter(analyzer, vocabulary.get, binary, vocabulary)
    return (lambda texts, tokens: weigh(count(texts), len(texts))), (lambda text, tokens: weighed_one(analyzer(text))), \
        len(vocabulary)


def _dense_block(transformer, sample: list[str]) -> tuple[Callable, Callable, int]:
    """Any other block, through its own output; the cue features have a check-free dense form."""
    dense = transformer.dense_features if isinstance(transformer, CueFeatures) else None
    sparse_row = transformer.sparse_row if isinstance(transformer, CueFeatures) else None

    def transform(texts: list[str], tokens) -> Coordinates:
        if dense is not None:
            matrix = np.asarray(dense(texts, tokens))
            row, column = np.nonzero(matrix)
            return row, column, matrix[row, column].astype(np.float64)
        matrix = sparse.csr_matrix(transformer.transform(texts))
        matrix.sort_indices()
        return np.repeat(np.arange(len(texts)), np.diff(matrix.indptr)), matrix.indices.astype(np.intp), matrix.data

    def one(text: str, tokens) -> tuple[list[int], list[float]]:
        if sparse_row is not None:
            return sparse_row(text, tokens)
        _, column, value = transform([text], [tokens])
        return column.tolist(), value.tolist()

    return transform, one, transformer.transform(sample[:1]).shape[1]


def _feature_blocks(union, sample: list[str]) -> list[tuple[Callable, Callable, int]]:
    if not isinstance(union, FeatureUnion):
        raise _Unsupported(f"features step {type(union).__name__}")
    if union.transformer_weights:
        raise _Unsupported("FeatureUnion transformer_weights")
    blocks = []
    for name, transformer in union.transformer_list:
        if isinstance(transformer, str):  # "drop" or "passthrough"
            raise _Unsupported(f"FeatureUnion block {name}={transformer!r}")
        if isinstance(transformer, Pipeline) and isinstance(transformer.steps[0][1], HashingVectorizer):
            blocks.append(_hashed_block(transformer))
        elif type(transformer) is TfidfVectorizer:
            blocks.append(_vocabulary_block(transformer))
        else:
            blocks.append(_dense_block(transformer, sample))
    return blocks


def _stacked_weights(models, n_features: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The ``coef_.T`` of every model side by side, as a sparse (n_features, models * classes) matrix."""
    columns, intercepts = [], []
    for model in models:
        coef = np.asarray(model.coef_)
        if coef.ndim != 2 or coef.shape[1] != n_features:
            raise _Unsupported(f"coef_ of shape {coef.shape} for {n_features} features")
        columns.append(sparse.csc_matrix(coef).T.tocsr())
        intercepts.append(np.broadcast_to(np.asarray(model.intercept_, dtype=np.float64), coef.shape[:1]))
    return sparse.hstack(columns, format="csr"), np.concatenate(intercepts)


def _build(pipeline, sample: list[str]) -> CompiledPipeline:
    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        raise _Unsupported("not a two-step Pipeline")
    union, final = pipeline.steps[0][1], pipeline.steps[1][1]
    blocks = _feature_blocks(union, sample)
    classes = [str(c) for c in final.classes_]
    n_classes = len(classes)
    if n_classes < 3:
        raise _Unsupported("binary classifier")
    if isinstance(final, CalibratedClassifierCV):
        if final.method != "sigmoid":
            raise _Unsupported(f"calibration method {final.method!r}")
        models, a, b = [], [], []
        for calibrated in final.calibrated_classifiers_:
            if [str(c) for c in calibrated.estimator.classes_] != classes or len(calibrated.calibrators) != n_classes:
                raise _Unsupported("a calibrated model with other classes")
            models.append(calibrated.estimator)
            a.extend(float(c.a_) for c in calibrated.calibrators)
            b.extend(float(c.b_) for c in calibrated.calibrators)
        calibration = (np.array(a), np.array(b))
    elif isinstance(final, LogisticRegression):
        models, calibration = [final], None
    else:
        raise _Unsupported(f"classifier {type(final).__name__}")
    weights, intercepts = _stacked_weights(models, sum(width for _, _, width in blocks))
    return CompiledPipeline(blocks, weights, intercepts, calibration, len(models), classes)


def compile_pipeline(pipeline, check_texts: Sequence[str] = CHECK_SENTENCES) -> CompiledPipeline | None:
    """The verified compiled form of ``pipeline``, or None when it cannot reproduce it.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted ``features`` (a FeatureUnion) then a classifier.
    check_texts : sequence of str
        Sentences on which features and probabilities must match the pipeline's,
        checked one at a time and as one batch (the two take different paths).

    Returns
    -------
    CompiledPipeline or None
    """
    texts = list(check_texts)
    batch = texts * (_BATCH // len(texts) + 1)
    try:
        compiled = _build(pipeline, texts)
        gaps = []
        for sample in [[text] for text in texts] + [batch]:
            expected_features = pipeline.steps[0][1].transform(sample)
            expected = pipeline.steps[1][1].predict_proba(expected_features)
            features = compiled.features(sample)
            gaps.append(abs(sparse.csr_matrix(expected_features) - features).max())
            gaps.append(np.max(np.abs(expected - compiled.predict_proba(features))))
            gaps.append(np.max(np.abs(expected - compiled.predict_proba_texts(sample))))
            if len(sample) == 1:
                gaps.append(np.max(np.abs(expected[0] - np.array(compiled.predict_proba_one(sample[0])))))
    except _Unsupported as exc:
        log.info("prediction uses the scikit-learn pipeline: %s is not compiled", exc)
        return None
    except Exception as exc:  # never fail a model load over an optimisation
        log.warning("prediction uses the scikit-learn pipeline: compiling failed: %s: %s", type(exc).__name__, exc)
        return None
    gap = float(np.max(gaps))
    if not gap <= TOLERANCE:  # also refuses NaN, which compares false with everything
        log.warning("prediction uses the scikit-learn pipeline: the compiled form differs from it by %.3g", gap)
        return None
    return compiled
