"""The scikit-learn pipelines that turn sentences into label probabilities.

``build_pipeline`` makes one configuration; ``CANDIDATE_CONFIGS`` is the small,
documented grid that model selection compares by cross-validation. Word n-grams
are either a TF-IDF vocabulary or hashed (the same features up to rare collisions
in 2**20 columns, counted in compiled code; no vocabulary to fit or store).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .cues import TOKEN_PATTERN, CueFeatures

__all__ = [
    "PipelineConfig",
    "CANDIDATE_CONFIGS",
    "BASELINE_CONFIG",
    "DEFAULT_CONFIG",
    "HASH_FEATURES",
    "TOKEN_PATTERN",
    "build_pipeline",
    "build_baseline_pipeline",
]

HASH_FEATURES = 2**20


@dataclass(frozen=True)
class PipelineConfig:
    """One point of the model-selection grid.

    Attributes
    ----------
    name : str
        Short id recorded in the model metadata.
    classifier : {"logreg", "linear_svm", "sgd"}
        The linear model.
    C : float
        Inverse regularisation strength (SGD uses ``alpha = 1e-4 / C``).
    words : {"hashing", "tfidf"}
        Hashed word n-grams with TF-IDF weighting (fast), or a TF-IDF vocabulary.
    word_ngrams : int
        Longest word n-gram.
    chars : bool
        Add character 2-5-grams within word boundaries (robust to spelling, but
        several times slower).
    cues : bool
        Add the linguistic cue features of :mod:`training.cues`.
    class_weight : {"balanced", None}
        Re-weight labels to equal total weight, or keep the corpus's mix.
    calibrate : bool
        Wrap the classifier in sigmoid calibration (3-fold).
    """

    name: str
    classifier: str = "sgd"
    C: float = 4.0
    words: str = "hashing"
    word_ngrams: int = 1
    chars: bool = False
    cues: bool = True
    class_weight: str | None = "balanced"
    calibrate: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


#: The foundation's pipeline, kept to measure progress against.
BASELINE_CONFIG = PipelineConfig(
    "baseline-tfidf-chars-logreg", classifier="logreg", C=10.0, words="tfidf", word_ngrams=2, chars=True,
    cues=False, calibrate=False,
)

CANDIDATE_CONFIGS: tuple[PipelineConfig, ...] = (
    PipelineConfig("sgd-words1-cues", classifier="sgd", C=4.0, word_ngrams=1),
    PipelineConfig("sgd-words2-cues", classifier="sgd", C=4.0, word_ngrams=2),
    PipelineConfig("sgd-words1-cues-unweighted", classifier="sgd", C=4.0, word_ngrams=1, class_weight=None),
    # Logistic regression's solver is slow over 2**20 hashed columns, so it gets a
    # vocabulary; its own probabilities stand without a calibration wrapper.
    PipelineConfig("logreg-tfidf1-cues", classifier="logreg", C=4.0, words="tfidf", word_ngrams=1, calibrate=False),
    PipelineConfig("svm-words1-cues", classifier="linear_svm", C=0.5, word_ngrams=1),
)

#: What ``train`` fits unless asked to select (``--select``): the grid's winner by
#: 5-fold cross-validated macro-F1 on our corpus (see docs/model-card.md).
DEFAULT_CONFIG = next(c for c in CANDIDATE_CONFIGS if c.name == "logreg-tfidf1-cues")


def _classifier(config: PipelineConfig, random_state: int):
    weight = config.class_weight
    if config.classifier == "logreg":
        return LogisticRegression(C=config.C, max_iter=1000, class_weight=weight, random_state=random_state)
    if config.classifier == "linear_svm":
        return LinearSVC(C=config.C, class_weight=weight, random_state=random_state)
    if config.classifier == "sgd":
        return SGDClassifier(
            loss="modified_huber", alpha=1e-4 / config.C, class_weight=weight, max_iter=50, tol=None,
            random_state=random_state,
        )
    raise ValueError(f"unknown classifier {config.classifier!r}; use logreg, linear_svm or sgd")


def _word_block(config: PipelineConfig):
    if config.words == "hashing":
        return Pipeline(
            [
                ("hash", HashingVectorizer(
                    ngram_range=(1, config.word_ngrams), token_pattern=TOKEN_PATTERN, n_features=HASH_FEATURES,
                    alternate_sign=False, norm=None,
                )),
                ("tfidf", TfidfTransformer(sublinear_tf=True)),
            ]
        )
    if config.words == "tfidf":
        return TfidfVectorizer(ngram_range=(1, config.word_ngrams), token_pattern=TOKEN_PATTERN, sublinear_tf=True)
    raise ValueError(f"unknown word features {config.words!r}; use hashing or tfidf")


def build_pipeline(config: PipelineConfig, random_state: int = 0) -> Pipeline:
    """Features (word n-grams, optional char n-grams, optional cues) into a linear model.

    Parameters
    ----------
    config : PipelineConfig
    random_state : int
        Seed for solvers and calibration, so training is repeatable.

    Returns
    -------
    Pipeline
        Unfitted; steps ``features`` (a ``FeatureUnion`` of ``words``, ``chars``,
        ``cues`` as configured) and ``classifier``.
    """
    blocks = [("words", _word_block(config))]
    if config.chars:
        blocks.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)))
    if config.cues:
        blocks.append(("cues", CueFeatures()))
    classifier = _classifier(config, random_state)
    if config.calibrate:
        classifier = CalibratedClassifierCV(classifier, method="sigmoid", cv=3)
    return Pipeline([("features", FeatureUnion(blocks)), ("classifier", classifier)])


def build_baseline_pipeline(random_state: int = 0) -> Pipeline:
    """The foundation's baseline: word 1-2 and char 2-5 TF-IDF into logistic regression."""
    return build_pipeline(BASELINE_CONFIG, random_state)
