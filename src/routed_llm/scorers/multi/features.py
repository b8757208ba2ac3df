"""What the N-model predictors see of a prompt: its ask, its embedding, its words, its length.

Benchmark and chat prompts alike often open with the same long preamble (few-shot
examples, a system brief) and end with the actual question. An encoder truncated to a few
hundred tokens would see only the shared preamble, and every prompt would look alike, so
the predictors embed the *ask*: the last paragraph, capped from the end. The full prompt's
length still enters as a feature, and the task model reads both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from routed_llm.errors import ArtifactError, ConfigurationError

__all__ = [
    "LENGTH_FEATURES",
    "TfidfFeatures",
    "ask_text",
    "length_features",
    "require_sklearn",
    "sigmoid",
    "softmax",
]

LENGTH_FEATURES = 3
_ASK_CHARS = 1000


def ask_text(prompt: str, max_chars: int = _ASK_CHARS) -> str:
    """The last non-blank paragraph of ``prompt``, at most its last ``max_chars`` characters."""
    paragraphs = [part for part in prompt.split("\n\n") if part.strip()]
    text = paragraphs[-1] if paragraphs else prompt
    return text[-max_chars:]


def length_features(prompts: Sequence[str]) -> np.ndarray:
    """Log character count of the prompt and of its ask, and log paragraph count, scaled to about 1."""
    rows = [
        (np.log1p(len(prompt)) / 10.0, np.log1p(len(ask_text(prompt))) / 10.0, np.log1p(prompt.count("\n\n")) / 5.0)
        for prompt in prompts
    ]
    return np.asarray(rows, dtype=np.float64).reshape(len(prompts), LENGTH_FEATURES)


def require_sklearn() -> None:
    """Fail with the install hint, not a bare ImportError, where scikit-learn is missing."""
    import importlib.util

    if importlib.util.find_spec("sklearn") is None:
        raise ConfigurationError("router", "N-model routers need scikit-learn: pip install 'routed-llm[nmodel]'")


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -50.0, 50.0)))


def softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class TfidfFeatures:
    """Word uni- and bi-gram TF-IDF of the ask; the vocabulary and IDF weights persist as
    JSON and a tensor, so a saved router needs no pickle."""

    def __init__(self, min_df: int = 2, max_features: int = 20000) -> None:
        self.min_df = min_df
        self.max_features = max_features
        self._vectorizer: Any = None

    def fit_transform(self, asks: Sequence[str]) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = self.min_df if len(asks) >= 4 * self.min_df else 1
        self._vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), min_df=min_df, max_features=self.max_features, sublinear_tf=True
        )
        return self._vectorizer.fit_transform(list(asks))

    def transform(self, asks: Sequence[str]) -> Any:
        return self._vectorizer.transform(list(asks))

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        vocabulary = {term: int(index) for term, index in self._vectorizer.vocabulary_.items()}
        return {"tfidf_idf": np.asarray(self._vectorizer.idf_, dtype=np.float64)}, {"tfidf_vocabulary": vocabulary}

    def load(self, tensors: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        require_sklearn()
        from sklearn.feature_extraction.text import TfidfVectorizer

        vocabulary = extra["tfidf_vocabulary"]
        idf = tensors["tfidf_idf"]
        if not isinstance(vocabulary, dict) or len(vocabulary) != idf.shape[0]:
            raise ArtifactError(f"tfidf vocabulary has {len(vocabulary)} terms but {idf.shape[0]} IDF weights")
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, vocabulary=vocabulary)
        vectorizer.idf_ = idf
        self._vectorizer = vectorizer
