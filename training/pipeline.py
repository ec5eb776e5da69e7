"""The scikit-learn pipelines that turn sentences into label probabilities.

``build_pipeline`` makes one configuration; ``CANDIDATE_CONFIGS`` is the small,
documented grid that model selection compares by cross-validation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .cues import CueFeatures

__all__ = ["PipelineConfig", "CANDIDATE_CONFIGS", "BASELINE_CONFIG", "DEFAULT_CONFIG", "build_pipeline", "build_baseline_pipeline"]

# Words keep their apostrophes and hyphens ("don't", "so-called"); a hashtag or
# handle stays one token so posts keep their markers.
_TOKEN_PATTERN = r"(?u)[#@]?\b\w[\w'’-]*\b|\?"


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
        Inverse regularisation strength (``alpha = 1 / (C * n)`` for SGD).
    word_ngrams : int
        Longest word n-gram.
    chars : bool
        Add character n-grams (2-5, within word boundaries): robust to spelling,
        but about seven times slower to compute than word n-grams.
    cues : bool
        Add the linguistic cue features of :mod:`training.cues`.
    cue_weight : float
        Multiplier on the cue block, so it is not drowned by thousands of n-grams.
    calibrate : bool
        Wrap the classifier in sigmoid calibration (needed for SVM/SGD scores).
    """

    name: str
    classifier: str = "logreg"
    C: float = 4.0
    word_ngrams: int = 2
    chars: bool = False
    cues: bool = True
    cue_weight: float = 1.0
    calibrate: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


BASELINE_CONFIG = PipelineConfig(
    "baseline-tfidf-logreg", classifier="logreg", C=10.0, chars=True, cues=False, calibrate=False
)

CANDIDATE_CONFIGS: tuple[PipelineConfig, ...] = (
    PipelineConfig("logreg-words-cues", classifier="logreg", C=4.0),
    PipelineConfig("logreg-words-cues-C16", classifier="logreg", C=16.0),
    PipelineConfig("svm-words-cues", classifier="linear_svm", C=0.5),
    PipelineConfig("sgd-words-cues", classifier="sgd", C=4.0),
    PipelineConfig("logreg-words-chars-cues", classifier="logreg", C=4.0, chars=True),
)


#: What ``train`` fits unless asked to select: the grid's winner on our corpus
#: (see the model card in README.md for the scores that chose it).
DEFAULT_CONFIG = CANDIDATE_CONFIGS[0]


def _classifier(config: PipelineConfig, random_state: int):
    if config.classifier == "logreg":
        return LogisticRegression(C=config.C, max_iter=3000, class_weight="balanced", random_state=random_state)
    if config.classifier == "linear_svm":
        return LinearSVC(C=config.C, class_weight="balanced", random_state=random_state)
    if config.classifier == "sgd":
        return SGDClassifier(
            loss="modified_huber", alpha=1e-4 / config.C, class_weight="balanced", max_iter=50,
            tol=None, random_state=random_state,
        )
    raise ValueError(f"unknown classifier {config.classifier!r}; use logreg, linear_svm or sgd")


def build_pipeline(config: PipelineConfig, random_state: int = 0) -> Pipeline:
    """Features (word n-grams, optional char n-grams, optional cues) into a linear model.

    Parameters
    ----------
    config : PipelineConfig
    random_state : int
        Seed for solvers and calibration splits, so training is repeatable.

    Returns
    -------
    Pipeline
        Unfitted; steps ``features`` and ``classifier``.
    """
    blocks = [
        (
            "words",
            TfidfVectorizer(
                ngram_range=(1, config.word_ngrams), token_pattern=_TOKEN_PATTERN, sublinear_tf=True,
                lowercase=True, min_df=1,
            ),
        )
    ]
    weights = {"words": 1.0}
    if config.chars:
        blocks.append(
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True))
        )
        weights["chars"] = 1.0
    if config.cues:
        blocks.append(("cues", CueFeatures()))
        weights["cues"] = config.cue_weight
    features = FeatureUnion(blocks, transformer_weights=weights)
    classifier = _classifier(config, random_state)
    if config.calibrate:
        classifier = CalibratedClassifierCV(classifier, method="sigmoid", cv=3)
    return Pipeline([("features", features), ("classifier", classifier)])


def build_baseline_pipeline(random_state: int = 0) -> Pipeline:
    """The foundation's baseline: word 1-2 and char 2-5 TF-IDF into logistic regression."""
    return build_pipeline(BASELINE_CONFIG, random_state)
