"""kNN quality predictor: a prompt's candidates do as well as they did on similar prompts.

RouterBench's kNN router, on the ask's embedding: the ``k`` most similar training prompts
of the prompt's (predicted) task vote with softmax weights ``exp(similarity / temperature)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.errors import ConfigurationError
from routed_llm.scorers.multi.base import QualityPredictor
from routed_llm.scorers.multi.features import LENGTH_FEATURES

__all__ = ["KNNQualityPredictor"]


class KNNQualityPredictor(QualityPredictor):
    """Similarity-weighted mean quality of the ``k`` nearest training prompts of the same task."""

    name: ClassVar[str] = "knn_quality"

    def __init__(self, encoder: str | dict[str, Any] = "minilm", k: int = 30, temperature: float = 0.05) -> None:
        super().__init__(encoder)
        if not isinstance(k, int) or k < 1:
            raise ConfigurationError("k", f"must be a positive int, got {k!r}")
        if not temperature > 0:
            raise ConfigurationError("temperature", f"must be > 0, got {temperature!r}")
        self.k = k
        self.temperature = temperature

    def _fit_quality(
        self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray, tasks: np.ndarray,
        costs: np.ndarray | None,
    ) -> None:
        self.embeddings_ = _unit(features[:, :-LENGTH_FEATURES])
        self.quality_ = quality.copy()
        self.train_tasks_ = np.argmax(tasks, axis=1).astype(np.int64)

    def _predict_quality(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> np.ndarray:
        similarity = _unit(features[:, :-LENGTH_FEATURES]) @ self.embeddings_.T
        same_task = np.argmax(tasks, axis=1)[:, None] == self.train_tasks_[None, :]
        similarity = np.where(same_task, similarity, -np.inf)
        k = min(self.k, similarity.shape[1])
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        chosen = np.take_along_axis(similarity, nearest, axis=1)
        finite = np.isfinite(chosen)
        top = np.where(finite, chosen, -np.inf).max(axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        weights = np.where(finite, np.exp((chosen - top) / self.temperature), 0.0)
        totals = weights.sum(axis=1, keepdims=True)
        prior = self.task_prior(tasks)
        voted = np.einsum("nk,nkm->nm", weights, self.quality_[nearest]) / np.maximum(totals, 1e-300)
        return np.where(totals > 0, voted, prior)

    def _quality_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"embeddings": self.embeddings_, "quality": self.quality_, "train_tasks": self.train_tasks_}, {}

    def _load_quality_state(self, tensors: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        self.embeddings_ = tensors["embeddings"]
        self.quality_ = tensors["quality"]
        self.train_tasks_ = tensors["train_tasks"]


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
