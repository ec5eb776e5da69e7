"""The fitted pipeline's probabilities, computed without scikit-learn's per-call overhead.

For one sentence, almost all of ``Pipeline.predict_proba``'s time is overhead:
every step of a ``FeatureUnion`` into a 3-fold calibrated linear model validates
its input again (tens of ``check_array`` calls), and each linear model multiplies
by ``coef_.T``, a transposed view that scipy copies (2**20 x 4 doubles for hashed
features) on every call. That caps a web worker at a few one-sentence requests a
second per core and makes per-request latency a function of the model's width.

:func:`compile_pipeline` reads the fitted parameters once (``idf_``, ``coef_``,
``intercept_``, and the sigmoid calibrators' ``a_``/``b_``) and
:class:`CompiledPipeline` computes the same probabilities with one sparse
product: the weights of all calibrated models are stacked into one sparse
matrix holding only the rows (features) that carry weight, a few megabytes
instead of 2**20 dense rows. Blocks it does not specialise (the cue features, a
TF-IDF vocabulary) are computed by the block's own ``transform``.

It is checked against the pipeline on sample sentences when built: any
difference beyond rounding, or a step it does not know, and
:func:`compile_pipeline` returns None so the caller keeps using the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize

__all__ = ["CompiledPipeline", "compile_pipeline", "CHECK_SENTENCES"]

log = logging.getLogger(__name__)

#: Sentences the compiled form must score exactly like the pipeline: every label's
#: kind, posts with markers, numbers and quotes, a question, and text with no words.
CHECK_SENTENCES = (
    "Hospital records show 41 people were treated for injuries overnight.",
    '"We will not negotiate with criminals," the president said.',
    "The unrest could push fuel prices higher across the region, analysts believe.",
    "Posts shared thousands of times claim the army has switched sides.",
    "BREAKING: #flood @cityhall reportedly evacuated, unconfirmed reports say",
    "Is the minister about to resign?",
    "Shares rose 4.5% to 1,230 pence on Tuesday.",
    "...",
)

#: Largest difference from the pipeline's probabilities accepted (float summation order only).
TOLERANCE = 1e-9


class _Unsupported(Exception):
    """A step the compiled form does not reproduce; the pipeline is used instead."""


class CompiledPipeline:
    """Features and probabilities of a fitted ``Pipeline(features, classifier)``.

    Build it with :func:`compile_pipeline`, which also verifies it.

    Attributes
    ----------
    classes_ : list of str
        Column order of :meth:`predict_proba`, as the pipeline's ``classes_``.
    """

    def __init__(self, blocks, weights, intercepts, calibration, n_models, classes):
        self._blocks: list[tuple[Callable, int, float]] = blocks  # (transform, width, weight)
        self._n_features = sum(width for _, width, _ in blocks)
        # Only features with a weight matter: a dense (rows_used + 1, models * classes)
        # matrix and a map from feature column to its row (the last row, all zeros,
        # for the rest) replace 2**20-row weight matrices.
        used = np.unique(weights.nonzero()[0])
        self._row_of = np.full(self._n_features, len(used), dtype=np.int32)
        self._row_of[used] = np.arange(len(used), dtype=np.int32)
        self._weights = np.vstack([weights[used].toarray(), np.zeros((1, weights.shape[1]))])
        self._intercepts: np.ndarray = intercepts  # (n_models * n_classes,)
        self._calibration = calibration  # (a, b) of the sigmoid calibrators, or None for softmax
        self._n_models = n_models
        self.classes_ = classes

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The feature matrix the pipeline's ``features`` step would give, CSR."""
        texts = list(texts)
        parts = [(transform(texts), width, weight) for transform, width, weight in self._blocks]
        return _hstack_rows(parts, len(texts), self._n_features)

    def predict_proba(self, features) -> np.ndarray:
        """Probabilities, one row per sentence, columns in :attr:`classes_` order."""
        compact = sparse.csr_matrix(
            (features.data, self._row_of[features.indices], features.indptr), shape=(features.shape[0], len(self._weights))
        )
        decisions = compact @ self._weights + self._intercepts
        n_classes = len(self.classes_)
        if self._calibration is None:
            return softmax(decisions, axis=1)
        a, b = self._calibration
        per_model = expit(-(a * decisions + b)).reshape(len(decisions), self._n_models, n_classes)
        totals = per_model.sum(axis=2, keepdims=True)
        uniform = np.full_like(per_model, 1.0 / n_classes)
        per_model = np.divide(per_model, totals, out=uniform, where=totals != 0)
        per_model[(1.0 < per_model) & (per_model <= 1.0 + 1e-5)] = 1.0  # as scikit-learn does
        return per_model.mean(axis=1)


def _hstack_rows(parts, n_rows: int, n_columns: int) -> sparse.csr_matrix:
    """Blocks side by side as one CSR matrix (``scipy.sparse.hstack`` costs more than
    the features themselves for one sentence). Blocks are CSR or dense arrays."""
    rows, columns, values = [], [], []
    offset = 0
    for block, width, weight in parts:
        if sparse.issparse(block):
            block = block.tocsr()
            rows.append(np.repeat(np.arange(n_rows), np.diff(block.indptr)))
            columns.append(block.indices.astype(np.int64) + offset)
            values.append(block.data)
        else:
            row, column = np.nonzero(block)
            rows.append(row)
            columns.append(column + offset)
            values.append(block[row, column])
        if weight != 1.0:
            values[-1] = values[-1] * weight
        offset += width
    row = np.concatenate(rows)
    order = np.argsort(row, kind="stable")  # row-major; within a row, blocks stay in column order
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n_rows))])
    return sparse.csr_matrix(
        (np.concatenate(values).astype(np.float64)[order], np.concatenate(columns)[order].astype(np.int32), indptr),
        shape=(n_rows, n_columns),
    )


def _hashed_tfidf(block: Pipeline) -> tuple[Callable, int]:
    """HashingVectorizer then TfidfTransformer: hash with the vectorizer, weight with numpy."""
    if [type(step) for _, step in block.steps] != [HashingVectorizer, TfidfTransformer]:
        raise _Unsupported(f"pipeline block {[name for name, _ in block.steps]}")
    hasher, tfidf = block.steps[0][1], block.steps[1][1]
    if tfidf.norm not in (None, "l2"):
        raise _Unsupported(f"TfidfTransformer norm={tfidf.norm!r}")
    idf = np.asarray(tfidf.idf_, dtype=np.float64) if tfidf.use_idf else None
    sublinear, l2 = tfidf.sublinear_tf, tfidf.norm == "l2"

    def transform(texts: list[str]) -> sparse.csr_matrix:
        counts = hasher.transform(texts).tocsr()  # a new matrix: safe to change in place
        data = counts.data = counts.data.astype(np.float64, copy=False)
        if sublinear:
            np.log(data, out=data)
            data += 1.0
        if idf is not None:
            data *= idf[counts.indices]
        if l2:
            row = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
            norms = np.sqrt(np.bincount(row, weights=data * data, minlength=counts.shape[0]))
            norms[norms == 0.0] = 1.0
            data /= norms[row]
        return counts

    return transform, hasher.n_features


def _feature_blocks(union, sample: list[str]) -> list[tuple[Callable, int, float]]:
    if not isinstance(union, FeatureUnion):
        raise _Unsupported(f"features step {type(union).__name__}")
    weights = union.transformer_weights or {}
    blocks = []
    for name, transformer in union.transformer_list:
        if isinstance(transformer, str):  # "drop" or "passthrough"
            raise _Unsupported(f"FeatureUnion block {name}={transformer!r}")
        if isinstance(transformer, Pipeline) and isinstance(transformer.steps[0][1], HashingVectorizer):
            transform, width = _hashed_tfidf(transformer)
        else:
            # The cue features have a check-free dense form; any other block keeps
            # its own transform (correct, if slower).
            transform = getattr(transformer, "dense_features", transformer.transform)
            width = transformer.transform(sample[:1]).shape[1]
        blocks.append((transform, width, float(weights.get(name, 1.0))))
    return blocks


def _stacked_weights(models, n_features: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The ``coef_.T`` of every model side by side, keeping only rows with a non-zero weight."""
    columns, intercepts = [], []
    for model in models:
        coef = np.asarray(model.coef_)
        if coef.ndim != 2 or coef.shape[1] != n_features:
            raise _Unsupported(f"coef_ of shape {coef.shape}")
        columns.append(sparse.csc_matrix(coef).T.tocsr())  # (n_features, n_classes), zeros dropped
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
    n_features = np.asarray(models[0].coef_).shape[1]
    if n_features != sum(width for _, width, _ in blocks):
        raise _Unsupported(f"{n_features} weights for {sum(width for _, width, _ in blocks)} features")
    weights, intercepts = _stacked_weights(models, n_features)
    return CompiledPipeline(blocks, weights, intercepts, calibration, len(models), classes)


def compile_pipeline(pipeline, check_texts: Sequence[str] = CHECK_SENTENCES) -> CompiledPipeline | None:
    """The verified compiled form of ``pipeline``, or None when it cannot reproduce it.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted ``features`` (a FeatureUnion) then a classifier.
    check_texts : sequence of str
        Sentences on which features and probabilities must match the pipeline's.

    Returns
    -------
    CompiledPipeline or None
    """
    try:
        texts = list(check_texts)
        compiled = _build(pipeline, texts)
        expected_features = pipeline.steps[0][1].transform(texts)
        features = compiled.features(texts)
        expected = pipeline.steps[1][1].predict_proba(expected_features)
        actual = compiled.predict_proba(features)
    except _Unsupported as exc:
        log.info("prediction uses the scikit-learn pipeline: %s is not compiled", exc)
        return None
    except Exception as exc:  # never fail a model load over an optimisation
        log.warning("prediction uses the scikit-learn pipeline: compiling failed: %s: %s", type(exc).__name__, exc)
        return None
    feature_gap = abs(sparse.csr_matrix(expected_features) - features).max()
    gap = float(np.max(np.abs(expected - actual)))
    if feature_gap > TOLERANCE or gap > TOLERANCE:
        log.warning("prediction uses the scikit-learn pipeline: the compiled form differs by %.3g (features %.3g)",
                    gap, feature_gap)
        return None
    return compiled
