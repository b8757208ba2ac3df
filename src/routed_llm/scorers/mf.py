"""Matrix factorisation (MF), RouteLLM's best published router, for any number of models.

A model ``m`` has a learned embedding ``v_m``; a prompt's embedding ``e`` is projected to
the same space (``P e``); their bilinear score is ``s(m, x) = w . (v_m * P e)``. A battle
``a`` vs ``b`` is won by ``a`` with probability ``sigmoid(s(a, x) - s(b, x))`` (Bradley-
Terry), and all parameters are fitted on that loss (ties count half a win each) with Adam
in numpy, so training needs no torch. :meth:`MFScorer.score` is the strong model's BT win
probability over the weak one; :meth:`MFScorer.model_scores` gives every model's column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.data.battles import Battles
from routed_llm.encoders.base import EncoderOwner
from routed_llm.errors import ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer
from routed_llm.scorers.lexical import score_quantiles

__all__ = ["MFScorer"]


class MFScorer(EncoderOwner, ArtifactMixin, BaseScorer):
    """Bilinear model-prompt scores trained with a Bradley-Terry loss on battles."""

    name: ClassVar[str] = "mf"

    def __init__(
        self,
        strong: str,
        weak: str,
        encoder: str | Mapping[str, Any] = "minilm",
        dim: int = 64,
        epochs: int = 60,
        learning_rate: float = 3e-3,
        l2: float = 1e-4,
        batch_size: int = 256,
        seed: int = 0,
    ) -> None:
        self.strong = strong
        self.weak = weak
        self.encoder = encoder
        self.dim = dim
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.l2 = l2
        self.batch_size = batch_size
        self.seed = seed
        self.projection_: np.ndarray | None = None
        self.model_embeddings_: np.ndarray | None = None
        self.classifier_: np.ndarray | None = None
        self.models_: list[str] = []

    def fit(
        self,
        battles: Battles,
        *,
        embeddings: np.ndarray | None = None,
        on_epoch: Callable[[int, float], None] | None = None,
    ) -> MFScorer:
        """Fit on ``battles``; ``on_epoch(epoch, mean_loss)`` reports progress."""
        for field, model in (("strong", self.strong), ("weak", self.weak)):
            if model not in battles.models:
                raise ConfigurationError(field, f"{model!r} fought no battle; models: {', '.join(battles.models)}")
        if len(battles) == 0:
            raise ConfigurationError("battles", "no battles to train on")
        vectors = self._built_encoder().encode(battles.prompts) if embeddings is None else np.asarray(embeddings)
        vectors = np.asarray(vectors, dtype=np.float64)
        rng = np.random.default_rng(self.seed)
        n_models, width = len(battles.models), vectors.shape[1]
        params = {
            "projection": rng.normal(0.0, 1.0 / np.sqrt(width), (width, self.dim)),
            "model_embeddings": rng.normal(0.0, 1.0, (n_models, self.dim)),
            "classifier": rng.normal(0.0, 1.0 / np.sqrt(self.dim), self.dim),
        }
        moments = {key: (np.zeros_like(value), np.zeros_like(value)) for key, value in params.items()}
        step = 0
        for epoch in range(self.epochs):
            order = rng.permutation(len(battles))
            losses = []
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                loss, grads = _loss_and_grads(params, vectors[battles.prompt_index[rows]], battles.model_a[rows],
                                              battles.model_b[rows], battles.outcome[rows], self.l2)
                losses.append(loss)
                step += 1
                for key, grad in grads.items():
                    first, second = moments[key]
                    first *= 0.9
                    first += 0.1 * grad
                    second *= 0.999
                    second += 0.001 * grad**2
                    params[key] -= self.learning_rate * (first / (1 - 0.9**step)) / (
                        np.sqrt(second / (1 - 0.999**step)) + 1e-8
                    )
            if on_epoch is not None:
                on_epoch(epoch, float(np.mean(losses)))
        self.projection_ = params["projection"].astype(np.float32)
        self.model_embeddings_ = params["model_embeddings"].astype(np.float32)
        self.classifier_ = params["classifier"].astype(np.float32)
        self.models_ = list(battles.models)
        self.score_quantiles_ = score_quantiles(self._win_rate(self._model_scores(vectors)))
        return self

    def model_scores(self, prompts: Sequence[str]) -> np.ndarray:
        """``(prompts, models)`` bilinear scores, one column per model in ``models_`` order."""
        return self._model_scores(self._built_encoder().encode(list(prompts)))

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        return self._win_rate(self.model_scores(prompts))

    def _model_scores(self, vectors: np.ndarray) -> np.ndarray:
        if self.projection_ is None or self.model_embeddings_ is None or self.classifier_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or from_pretrained()")
        projected = np.asarray(vectors, dtype=np.float64) @ self.projection_
        return projected @ (self.model_embeddings_ * self.classifier_).T

    def _win_rate(self, scores: np.ndarray) -> np.ndarray:
        strong, weak = self.models_.index(self.strong), self.models_.index(self.weak)
        return 1.0 / (1.0 + np.exp(scores[:, weak] - scores[:, strong]))

    def _state_dict(self) -> dict[str, np.ndarray]:
        if self.projection_ is None or self.model_embeddings_ is None or self.classifier_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        return {"projection": self.projection_, "model_embeddings": self.model_embeddings_,
                "classifier": self.classifier_}

    def _extra_config(self) -> dict[str, Any]:
        return {"models": self.models_, "encoder": self._built_encoder().spec()}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        models = list(extra["models"])
        if state["model_embeddings"].shape != (len(models), self.dim):
            raise ValueError(f"tensor 'model_embeddings' has shape {state['model_embeddings'].shape}, "
                             f"expected ({len(models)}, {self.dim})")
        if state["projection"].shape[1] != self.dim or state["classifier"].shape != (self.dim,):
            raise ValueError(f"tensors 'projection' / 'classifier' do not fit dim={self.dim}")
        for field, model in (("strong", self.strong), ("weak", self.weak)):
            if model not in models:
                raise ValueError(f"{field} model {model!r} is not among the saved models {models}")
        self.models_ = models
        self.projection_ = state["projection"]
        self.model_embeddings_ = state["model_embeddings"]
        self.classifier_ = state["classifier"]


def _loss_and_grads(
    params: Mapping[str, np.ndarray], vectors: np.ndarray, model_a: np.ndarray, model_b: np.ndarray,
    outcome: np.ndarray, l2: float,
) -> tuple[float, dict[str, np.ndarray]]:
    projection, embeddings, classifier = params["projection"], params["model_embeddings"], params["classifier"]
    projected = vectors @ projection
    difference = embeddings[model_a] - embeddings[model_b]
    margin = (projected * difference) @ classifier
    p = 1.0 / (1.0 + np.exp(-margin))
    eps = 1e-12
    loss = -float(np.mean(outcome * np.log(p + eps) + (1 - outcome) * np.log(1 - p + eps)))
    d_margin = (p - outcome) / len(outcome)
    d_classifier = ((projected * difference) * d_margin[:, None]).sum(axis=0)
    d_inner = d_margin[:, None] * classifier[None, :]
    d_projection = vectors.T @ (d_inner * difference)
    d_difference = d_inner * projected
    d_embeddings = np.zeros_like(embeddings)
    np.add.at(d_embeddings, model_a, d_difference)
    np.add.at(d_embeddings, model_b, -d_difference)
    return loss, {
        "projection": d_projection + l2 * projection,
        "model_embeddings": d_embeddings + l2 * embeddings,
        "classifier": d_classifier + l2 * classifier,
    }
