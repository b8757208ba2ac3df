"""The N-model router routed-llm recommends: an ensemble shrunk toward the task prior.

Three views of a prompt, each predicting every candidate's quality:

- a per-model logistic regression on the ask's embedding, its lengths and the task
  probabilities;
- a per-model logistic regression on the ask's word uni/bi-gram TF-IDF and the task
  probabilities (lexical cues an embedding blurs: "_" blanks, option counts, code words);
- an MLP on the embedding, lengths and task probabilities.

Their mean is then shrunk toward the task prior (each model's mean quality on the task):
``prior + shrinkage * (ensemble - prior)``. On RouterBench, per-prompt signals are real
but noisy, and cross-validation on the training rows showed that the shrunk ensemble
beats the zero router on every task where any single component, unshrunk, fell below it
on at least one (see ``benchmarks/train_routerbench.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.errors import ConfigurationError
from routed_llm.scorers.multi.base import QualityPredictor
from routed_llm.scorers.multi.features import TfidfFeatures, ask_text, sigmoid
from routed_llm.scorers.multi.mlp import _layer_tensors, _layers_from, fit_mlp, mlp_forward

__all__ = ["EnsembleQualityPredictor"]

_EPSILON = 1e-3


class EnsembleQualityPredictor(QualityPredictor):
    """Embedding + lexical logistic regressions and an MLP, averaged, shrunk toward the task prior."""

    name: ClassVar[str] = "ensemble_quality"

    def __init__(
        self,
        encoder: str | dict[str, Any] = "minilm",
        shrinkage: float = 0.5,
        regularization: float = 1.0,
        hidden: int = 128,
        seed: int = 0,
    ) -> None:
        super().__init__(encoder)
        if not 0.0 <= shrinkage <= 1.0:
            raise ConfigurationError("shrinkage", f"must be in [0, 1], got {shrinkage!r}")
        if not regularization > 0:
            raise ConfigurationError("regularization", f"must be > 0, got {regularization!r}")
        self.shrinkage = shrinkage
        self.regularization = regularization
        self.hidden = hidden
        self.seed = seed

    def _fit_quality(self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray, tasks: np.ndarray) -> None:
        from scipy.sparse import csr_matrix, hstack

        dense = np.hstack([features, tasks])
        self.dense_weights_, self.dense_bias_ = _logistic_columns(dense, quality, self.regularization)
        self._tfidf = TfidfFeatures()
        lexical = hstack([self._tfidf.fit_transform([ask_text(p) for p in prompts]), csr_matrix(tasks)]).tocsr()
        self.lexical_weights_, self.lexical_bias_ = _logistic_columns(lexical, quality, self.regularization)
        self.layers_ = fit_mlp(dense, quality, hidden=self.hidden, alpha=1e-2, max_iter=300, seed=self.seed)

    def component_predictions(self, prompts: Sequence[str]) -> dict[str, np.ndarray]:
        """Each component's prediction and the prior, for diagnostics and ablations."""
        self._check_fitted()
        features = self._features(prompts)
        tasks = self._task_probabilities(features)
        return {**self._components(prompts, features, tasks), "prior": self.task_prior(tasks)}

    def _components(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> dict[str, np.ndarray]:
        dense = np.hstack([features, tasks])
        vocabulary = self.lexical_weights_.shape[0] - tasks.shape[1]
        lexical = self._tfidf.transform([ask_text(p) for p in prompts])
        lexical_logits = (
            np.asarray(lexical @ self.lexical_weights_[:vocabulary]) + tasks @ self.lexical_weights_[vocabulary:]
        )
        return {
            "dense_logistic": sigmoid(dense @ self.dense_weights_ + self.dense_bias_),
            "lexical_logistic": sigmoid(lexical_logits + self.lexical_bias_),
            "mlp": np.clip(mlp_forward(self.layers_, dense), 0.0, 1.0),
        }

    def _predict_quality(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> np.ndarray:
        mean = np.mean(list(self._components(prompts, features, tasks).values()), axis=0)
        prior = self.task_prior(tasks)
        return prior + self.shrinkage * (mean - prior)

    def _quality_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        tfidf_tensors, tfidf_extra = self._tfidf.state()
        tensors = {
            "dense_weights": self.dense_weights_,
            "dense_bias": self.dense_bias_,
            "lexical_weights": self.lexical_weights_,
            "lexical_bias": self.lexical_bias_,
            **tfidf_tensors,
            **_layer_tensors(self.layers_, "mlp"),
        }
        return tensors, {**tfidf_extra, "mlp_layers": len(self.layers_)}

    def _load_quality_state(self, tensors: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        self.dense_weights_ = tensors["dense_weights"]
        self.dense_bias_ = tensors["dense_bias"]
        self.lexical_weights_ = tensors["lexical_weights"]
        self.lexical_bias_ = tensors["lexical_bias"]
        self._tfidf = TfidfFeatures()
        self._tfidf.load(tensors, extra)
        self.layers_ = _layers_from(tensors, "mlp", extra["mlp_layers"])


def _logistic_columns(features: Any, quality: np.ndarray, regularization: float) -> tuple[np.ndarray, np.ndarray]:
    """One L2 logistic regression per model on ``quality >= 0.5``; a model that is always
    (never) right gets zero weights and the log-odds of its smoothed mean."""
    from sklearn.linear_model import LogisticRegression

    n_features, n_models = features.shape[1], quality.shape[1]
    weights, bias = np.zeros((n_features, n_models)), np.zeros(n_models)
    for column in range(n_models):
        labels = quality[:, column] >= 0.5
        if labels.all() or not labels.any():
            mean = float(np.clip(labels.mean(), _EPSILON, 1.0 - _EPSILON))
            bias[column] = np.log(mean / (1.0 - mean))
            continue
        model = LogisticRegression(C=regularization, max_iter=1000).fit(features, labels)
        weights[:, column] = model.coef_[0]
        bias[column] = float(model.intercept_[0])
    return weights, bias
