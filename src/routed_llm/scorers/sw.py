"""Similarity-weighted (SW) ranking, RouteLLM's formulation, vectorised over the batch.

For a query, every training battle is weighted by how similar its prompt is to the query
(``gamma ** (1 + sim / max_sim)`` as in RouteLLM, so the most similar battles count up to
``gamma`` times more), and Bradley-Terry coefficients are fitted on the weighted battles;
the score is the strong model's BT win probability over the weak one. RouteLLM fits one
logistic regression per query; here all queries of a batch share Newton iterations on a
``(queries x models)`` parameter matrix, so a batch costs a few matrix products.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.data.battles import Battles
from routed_llm.encoders.base import EncoderOwner, unit_rows
from routed_llm.errors import ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer
from routed_llm.scorers.lexical import score_quantiles

__all__ = ["SWScorer", "weighted_bradley_terry"]


class SWScorer(EncoderOwner, ArtifactMixin, BaseScorer):
    """Per-query Bradley-Terry on similarity-weighted battles."""

    name: ClassVar[str] = "sw"

    def __init__(
        self,
        strong: str,
        weak: str,
        encoder: str | Mapping[str, Any] = "minilm",
        gamma: float = 10.0,
        l2: float = 1e-2,
        iterations: int = 8,
    ) -> None:
        self.strong = strong
        self.weak = weak
        self.encoder = encoder
        self.gamma = gamma
        self.l2 = l2
        self.iterations = iterations
        self.embeddings_: np.ndarray | None = None
        self.model_a_: np.ndarray | None = None
        self.model_b_: np.ndarray | None = None
        self.outcome_: np.ndarray | None = None
        self.models_: list[str] = []

    def fit(self, battles: Battles, *, embeddings: np.ndarray | None = None) -> SWScorer:
        """Store the battles and their prompts' embeddings (SW is a lazy learner)."""
        for field, model in (("strong", self.strong), ("weak", self.weak)):
            if model not in battles.models:
                raise ConfigurationError(field, f"{model!r} fought no battle; models: {', '.join(battles.models)}")
        vectors = self._built_encoder().encode(battles.prompts) if embeddings is None else np.asarray(embeddings)
        if vectors.shape[0] != len(battles.prompts):
            raise ConfigurationError("embeddings", f"{vectors.shape[0]} rows for {len(battles.prompts)} prompts")
        self.embeddings_ = unit_rows(vectors, np.float32)[battles.prompt_index].astype(np.float32)
        self.model_a_ = battles.model_a.astype(np.int64)
        self.model_b_ = battles.model_b.astype(np.int64)
        self.outcome_ = battles.outcome.astype(np.float64)
        self.models_ = list(battles.models)
        self.score_quantiles_ = score_quantiles(self._score_vectors(unit_rows(vectors, np.float32)))
        return self

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        if self.embeddings_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or from_pretrained()")
        return self._score_vectors(unit_rows(self._built_encoder().encode(list(prompts)), np.float32))

    def _score_vectors(self, queries: np.ndarray, chunk: int = 256) -> np.ndarray:
        stored = self.embeddings_
        if stored is None or self.model_a_ is None or self.model_b_ is None or self.outcome_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted")
        strong, weak = self.models_.index(self.strong), self.models_.index(self.weak)
        out = np.empty(len(queries))
        for start in range(0, len(queries), chunk):
            similarity = queries[start : start + chunk] @ stored.T
            top = np.maximum(similarity.max(axis=1, keepdims=True), 1e-12)
            weights = self.gamma ** (1.0 + similarity / top)
            ratings = weighted_bradley_terry(self.model_a_, self.model_b_, self.outcome_, weights,
                                             len(self.models_), self.l2, self.iterations)
            out[start : start + chunk] = 1.0 / (1.0 + np.exp(ratings[:, weak] - ratings[:, strong]))
        return out

    def _state_dict(self) -> dict[str, np.ndarray]:
        if self.embeddings_ is None or self.model_a_ is None or self.model_b_ is None or self.outcome_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        return {"embeddings": self.embeddings_, "model_a": self.model_a_, "model_b": self.model_b_,
                "outcome": self.outcome_}

    def _extra_config(self) -> dict[str, Any]:
        return {"models": self.models_, "encoder": self._built_encoder().spec()}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        n = len(state["outcome"])
        if not (len(state["embeddings"]) == len(state["model_a"]) == len(state["model_b"]) == n):
            raise ValueError("tensors 'embeddings', 'model_a', 'model_b' and 'outcome' differ in length")
        self.models_ = list(extra["models"])
        for field, model in (("strong", self.strong), ("weak", self.weak)):
            if model not in self.models_:
                raise ValueError(f"{field} model {model!r} is not among the saved models {self.models_}")
        for name in ("model_a", "model_b"):
            if n and not 0 <= int(state[name].min()) <= int(state[name].max()) < len(self.models_):
                raise ValueError(f"tensor {name!r} names a model outside the {len(self.models_)} saved ones")
        self.embeddings_ = state["embeddings"]
        self.model_a_ = state["model_a"].astype(np.int64)
        self.model_b_ = state["model_b"].astype(np.int64)
        self.outcome_ = state["outcome"]


def weighted_bradley_terry(
    model_a: np.ndarray, model_b: np.ndarray, outcome: np.ndarray, weights: np.ndarray,
    n_models: int, l2: float, iterations: int,
) -> np.ndarray:
    """Ratings ``(queries, models)``: one L2-regularised BT fit per row of ``weights``, by Newton steps.

    ``outcome`` is 1 when ``model_a`` won, 0 when ``model_b`` won, 0.5 for a tie (a tie
    counts as half a win each, as RouteLLM's BT fit does by duplicating tied battles).
    """
    incidence = np.zeros((len(outcome), n_models))
    incidence[np.arange(len(outcome)), model_a] += 1.0
    incidence[np.arange(len(outcome)), model_b] -= 1.0
    outer = (incidence[:, :, None] * incidence[:, None, :]).reshape(len(outcome), n_models * n_models)
    weights = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    ratings = np.zeros((weights.shape[0], n_models))
    eye = np.eye(n_models)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(ratings @ incidence.T)))
        gradient = (weights * (outcome - p)) @ incidence - l2 * ratings
        hessian = ((weights * p * (1.0 - p)) @ outer).reshape(-1, n_models, n_models) + l2 * eye
        ratings = ratings + np.linalg.solve(hessian, gradient[..., None])[..., 0]
    return ratings
