"""Matrix factorisation over N models, as a quality predictor.

Reuses :class:`routed_llm.scorers.mf.MFScorer` (bilinear model-prompt scores trained with a
Bradley-Terry loss) on every pair of models per training prompt: the better-scoring model
wins, equal scores tie. Bradley-Terry scores only rank models, while the cost-quality
policy needs qualities on the same scale as money, so each model's score is calibrated to
its probability of being right by a one-feature logistic regression (Platt scaling).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any, ClassVar

import numpy as np

from routed_llm.scorers.multi.base import QualityPredictor
from routed_llm.scorers.multi.features import LENGTH_FEATURES, sigmoid

__all__ = ["MFQualityPredictor"]


class MFQualityPredictor(QualityPredictor):
    """Bradley-Terry matrix factorisation on all model pairs, Platt-calibrated per model."""

    name: ClassVar[str] = "mf_quality"

    def __init__(self, encoder: str | dict[str, Any] = "minilm", dim: int = 32, epochs: int = 10, seed: int = 0) -> None:
        super().__init__(encoder)
        self.dim = dim
        self.epochs = epochs
        self.seed = seed

    def _fit_quality(
        self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray, tasks: np.ndarray,
        costs: np.ndarray | None,
    ) -> None:
        from sklearn.linear_model import LogisticRegression

        from routed_llm.data.battles import Battles
        from routed_llm.scorers.mf import MFScorer

        pairs = list(combinations(range(quality.shape[1]), 2))
        first = np.asarray([a for a, _ in pairs] * len(prompts), dtype=np.int64)
        second = np.asarray([b for _, b in pairs] * len(prompts), dtype=np.int64)
        index = np.repeat(np.arange(len(prompts)), len(pairs))
        difference = quality[index, first] - quality[index, second]
        outcome = np.where(difference > 0, 1.0, np.where(difference < 0, 0.0, 0.5))
        battles = Battles(prompts=list(prompts), models=list(self.models_ or []), prompt_index=index,
                          model_a=first, model_b=second, outcome=outcome)
        scorer = MFScorer(strong=battles.models[0], weak=battles.models[1], encoder=self.encoder, dim=self.dim,
                          epochs=self.epochs, seed=self.seed)
        scorer.fit(battles, embeddings=features[:, :-LENGTH_FEATURES])
        self.projection_ = np.asarray(scorer.projection_, dtype=np.float64)
        self.model_vectors_ = np.asarray(scorer.model_embeddings_ * scorer.classifier_, dtype=np.float64)
        scores = self._scores(features)
        self.platt_ = np.zeros((2, quality.shape[1]))
        for column in range(quality.shape[1]):
            labels = quality[:, column] >= 0.5
            if labels.all() or not labels.any():
                mean = float(np.clip(labels.mean(), 1e-3, 1 - 1e-3))
                self.platt_[1, column] = np.log(mean / (1 - mean))
                continue
            model = LogisticRegression(C=10.0).fit(scores[:, [column]], labels)
            self.platt_[:, column] = (model.coef_[0, 0], model.intercept_[0])

    def _scores(self, features: np.ndarray) -> np.ndarray:
        return (features[:, :-LENGTH_FEATURES] @ self.projection_) @ self.model_vectors_.T

    def _predict_quality(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> np.ndarray:
        return sigmoid(self._scores(features) * self.platt_[0] + self.platt_[1])

    def _quality_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"mf_projection": self.projection_, "mf_model_vectors": self.model_vectors_, "platt": self.platt_}, {}

    def _load_quality_state(self, tensors: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        self.projection_ = tensors["mf_projection"]
        self.model_vectors_ = tensors["mf_model_vectors"]
        self.platt_ = tensors["platt"]
