"""Hybrid LLM's router: predicts whether the small model's answer is good enough.

Ding et al. (ICLR 2024, arXiv 2404.14618) train an encoder router ``p_w(x)`` on the
quality gap between a small and a large model, with one of three label schemes
(:mod:`routed_llm.data.hybrid_labels`): r_det, r_prob and r_trans. Their router is a
fine-tuned DeBERTa; here the prompt is embedded by a frozen sentence encoder and a small
MLP is trained with binary cross-entropy on the (soft) labels. Freezing the encoder keeps
CPU training to seconds, lets the prompt embeddings be computed once and reused across
label schemes, and leaves the paper's contribution, the labels, intact.

The paper routes to the small model when ``p_w(x)`` is high; routed-llm's scores are the
probability the *strong* model is needed, so the score is ``1 - p_w(x)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, get_args

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.data.hybrid_labels import (
    LabelScheme,
    choose_relaxation,
    det_labels,
    prob_labels,
    trans_labels,
)
from routed_llm.encoders.base import EncoderOwner, unit_rows
from routed_llm.errors import ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer

__all__ = ["HybridScorer", "hybrid_labels"]

_WEIGHTS = ("w1", "b1", "w2", "b2")


def hybrid_labels(
    scheme: LabelScheme,
    q_small: Sequence[float] | np.ndarray,
    q_large: Sequence[float] | np.ndarray,
    relaxation: float | None = None,
) -> tuple[np.ndarray, float]:
    """The labels of ``scheme`` and the relaxation ``t`` they used (0 unless r_trans)."""
    if scheme == "det":
        return det_labels(q_small, q_large), 0.0
    if scheme == "prob":
        return prob_labels(q_small, q_large), 0.0
    if scheme == "trans":
        t = choose_relaxation(q_small, q_large) if relaxation is None else float(relaxation)
        return trans_labels(q_small, q_large, t), t
    raise ConfigurationError("label_scheme", f"must be one of {get_args(LabelScheme)}, got {scheme!r}")


class HybridScorer(EncoderOwner, ArtifactMixin, BaseScorer):
    """Hybrid LLM's quality-gap router on frozen sentence embeddings.

    Example::

        scorer = HybridScorer(label_scheme="trans").fit(prompts, q_weak, q_strong)
        scorer.relaxation_          # the t chosen from the training data
        scorer.score(["What is 2 + 2?"])

    ``q_small`` / ``q_large`` are the weak and strong models' qualities per prompt, shape
    ``(n,)`` for one response each or ``(n, samples)`` for several (r_prob, r_trans).
    ``encoder`` is an encoder spec (:func:`routed_llm.encoders.encoder_from_spec`), saved
    with the router so it is always scored in the space it was trained in.
    """

    name: ClassVar[str] = "hybrid"

    def __init__(
        self,
        encoder: str | Mapping[str, Any] = "minilm",
        *,
        label_scheme: LabelScheme = "trans",
        relaxation: float | None = None,
        hidden_size: int = 64,
        epochs: int = 200,
        learning_rate: float = 3e-3,
        weight_decay: float = 1e-3,
        seed: int = 0,
    ) -> None:
        self.encoder = encoder
        self.label_scheme = label_scheme
        self.relaxation = relaxation
        self.hidden_size = hidden_size
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.seed = seed

    # -- learning ---------------------------------------------------------------------------
    def fit(
        self,
        prompts: Sequence[str],
        q_small: Sequence[float] | np.ndarray,
        q_large: Sequence[float] | np.ndarray,
        *,
        embeddings: np.ndarray | None = None,
    ) -> HybridScorer:
        """Label the prompts with the chosen scheme and train the MLP on their embeddings.

        ``embeddings`` (one row per prompt, from this scorer's encoder) skips encoding, so
        the three schemes can be compared on one set of embeddings.
        """
        self._check()
        labels, self.relaxation_ = hybrid_labels(self.label_scheme, q_small, q_large, self.relaxation)
        if len(labels) != len(prompts) or len(prompts) == 0:
            raise ConfigurationError("q_small", f"{len(labels)} qualities for {len(prompts)} prompts")
        features = self.embed(prompts) if embeddings is None else np.asarray(embeddings, dtype=np.float32)
        if features.ndim != 2 or features.shape[0] != len(prompts):
            raise ConfigurationError("embeddings", f"expected shape ({len(prompts)}, dim), got {features.shape}")
        self.label_mean_ = float(labels.mean())
        self.weights_ = _train_mlp(features, labels, self.hidden_size, self.epochs, self.learning_rate,
                                   self.weight_decay, self.seed)
        return self

    # -- scoring ----------------------------------------------------------------------------
    def predict_small_ok(self, prompts: Sequence[str], *, embeddings: np.ndarray | None = None) -> np.ndarray:
        """``p_w(x)``: the probability the small model's answer is good enough."""
        if getattr(self, "weights_", None) is None:
            raise NotFittedError(f"router {self.name!r} is not fitted; call fit() or from_pretrained()")
        if embeddings is None and len(prompts) == 0:
            return np.zeros(0, dtype=np.float64)
        features = self.embed(prompts) if embeddings is None else np.asarray(embeddings, dtype=np.float32)
        w1, b1, w2, b2 = (self.weights_[key] for key in _WEIGHTS)
        hidden = np.maximum(features @ w1 + b1, 0.0)
        logits = (hidden @ w2 + b2).astype(np.float64).ravel()
        return 1.0 / (1.0 + np.exp(-logits))

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        return 1.0 - self.predict_small_ok(prompts)

    def embed(self, prompts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings from the frozen encoder (built once per scorer, cached by text)."""
        return unit_rows(self._built_encoder().encode(list(prompts)), np.float32)

    # -- artifacts --------------------------------------------------------------------------
    def _state_dict(self) -> dict[str, np.ndarray]:
        if getattr(self, "weights_", None) is None:
            raise NotFittedError(f"router {self.name!r} is not fitted; nothing to save")
        return dict(self.weights_)

    def _extra_config(self) -> dict[str, Any]:
        return {"relaxation": self.relaxation_, "label_mean": self.label_mean_}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        w1, b1, w2, b2 = (np.asarray(state[key], dtype=np.float32) for key in _WEIGHTS)
        if w1.ndim != 2 or b1.shape != (w1.shape[1],) or w2.shape != (w1.shape[1], 1) or b2.shape != (1,):
            raise ValueError(f"MLP shapes {w1.shape}, {b1.shape}, {w2.shape}, {b2.shape} do not fit together")
        if w1.shape[1] != self.hidden_size:
            raise ValueError(f"hidden layer has {w1.shape[1]} units but params say hidden_size={self.hidden_size}")
        self.weights_ = {"w1": w1, "b1": b1, "w2": w2, "b2": b2}
        self.relaxation_ = float(extra["relaxation"])
        self.label_mean_ = float(extra["label_mean"])

    def _check(self) -> None:
        if self.label_scheme not in get_args(LabelScheme):
            raise ConfigurationError("label_scheme", f"must be one of {get_args(LabelScheme)}, got {self.label_scheme!r}")
        for field in ("hidden_size", "epochs"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigurationError(field, f"must be an int >= 1, got {value!r}")
        if self.relaxation is not None and not (np.isfinite(self.relaxation) and self.relaxation >= 0):
            raise ConfigurationError("relaxation", f"must be a number >= 0 or None, got {self.relaxation!r}")


def _train_mlp(
    features: np.ndarray,
    labels: np.ndarray,
    hidden_size: int,
    epochs: int,
    learning_rate: float,
    weight_decay: float,
    seed: int,
) -> dict[str, np.ndarray]:
    """Full-batch AdamW on soft-label binary cross-entropy; weights returned as numpy."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    y = torch.from_numpy(np.asarray(labels, dtype=np.float32))
    dim = x.shape[1]
    w1 = (torch.randn(dim, hidden_size, generator=generator) * (2.0 / dim) ** 0.5).requires_grad_()
    b1 = torch.zeros(hidden_size, requires_grad=True)
    w2 = (torch.randn(hidden_size, 1, generator=generator) * (1.0 / hidden_size) ** 0.5).requires_grad_()
    mean = float(np.clip(labels.mean(), 1e-4, 1 - 1e-4))
    b2 = torch.full((1,), float(np.log(mean / (1 - mean))), requires_grad=True)
    optimizer = torch.optim.AdamW([w1, b1, w2, b2], lr=learning_rate, weight_decay=weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        logits = (torch.relu(x @ w1 + b1) @ w2 + b2).squeeze(-1)
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {name: tensor.detach().numpy().copy() for name, tensor in zip(_WEIGHTS, (w1, b1, w2, b2), strict=True)}
