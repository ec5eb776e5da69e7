"""The scikit-learn pipeline that turns sentences into label probabilities."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

__all__ = ["build_baseline_pipeline"]


def build_baseline_pipeline(random_state: int = 0) -> Pipeline:
    """Word and character n-gram TF-IDF features into a logistic regression.

    Word n-grams carry the cue phrases ("according to", "is said to"); character
    n-grams within word boundaries make the model robust to inflection, spelling
    variants (rumour/rumor) and the odd typo in social-media posts.

    Parameters
    ----------
    random_state : int
        Seed for the solver, so that training is repeatable.

    Returns
    -------
    Pipeline
        Unfitted; steps ``features`` and ``classifier``.
    """
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, lowercase=True
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced", random_state=random_state)
    return Pipeline([("features", features), ("classifier", classifier)])
