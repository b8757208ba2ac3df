"""MLP quality predictor: RouterBench's MLP router, one output per candidate model.

Trained with scikit-learn's ``MLPRegressor`` (squared error on 0-1 qualities, early
stopping); the learned layers are stored as tensors and evaluated with numpy, so scoring
needs neither scikit-learn nor pickle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.errors import ArtifactError, ConfigurationError
from routed_llm.scorers.multi.base import QualityPredictor

__all__ = ["MLPQualityPredictor", "mlp_forward"]


class MLPQualityPredictor(QualityPredictor):
    """ReLU network from the prompt features to every candidate's quality."""

    name: ClassVar[str] = "mlp_quality"

    def __init__(
        self,
        encoder: str | dict[str, Any] = "minilm",
        hidden: int = 128,
        alpha: float = 1e-2,
        max_iter: int = 300,
        seed: int = 0,
    ) -> None:
        super().__init__(encoder)
        if not isinstance(hidden, int) or hidden < 1:
            raise ConfigurationError("hidden", f"must be a positive int, got {hidden!r}")
        self.hidden = hidden
        self.alpha = alpha
        self.max_iter = max_iter
        self.seed = seed

    def _fit_quality(
        self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray, tasks: np.ndarray,
        costs: np.ndarray | None,
    ) -> None:
        self.layers_ = fit_mlp(features, quality, hidden=self.hidden, alpha=self.alpha,
                               max_iter=self.max_iter, seed=self.seed)

    def _predict_quality(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> np.ndarray:
        return mlp_forward(self.layers_, features)

    def _quality_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return _layer_tensors(self.layers_, "mlp"), {"mlp_layers": len(self.layers_)}

    def _load_quality_state(self, tensors: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        self.layers_ = _layers_from(tensors, "mlp", extra["mlp_layers"])


def fit_mlp(
    features: np.ndarray, targets: np.ndarray, *, hidden: int, alpha: float, max_iter: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(weights, bias), ...]`` of an ``MLPRegressor`` fitted on ``features`` -> ``targets``."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    early = features.shape[0] >= 50
    model = MLPRegressor(hidden_layer_sizes=(hidden,), alpha=alpha, max_iter=max_iter,
                         early_stopping=early, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(features, targets)
    return [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for w, b in zip(model.coefs_, model.intercepts_, strict=True)]


def mlp_forward(layers: Sequence[tuple[np.ndarray, np.ndarray]], features: np.ndarray) -> np.ndarray:
    """ReLU hidden layers, identity output: ``MLPRegressor.predict`` in numpy."""
    values = features
    for index, (weights, bias) in enumerate(layers):
        values = values @ weights + bias
        if index < len(layers) - 1:
            values = np.maximum(values, 0.0)
    return values.reshape(features.shape[0], -1)


def _layer_tensors(layers: Sequence[tuple[np.ndarray, np.ndarray]], prefix: str) -> dict[str, np.ndarray]:
    tensors = {}
    for index, (weights, bias) in enumerate(layers):
        tensors[f"{prefix}_w{index}"] = weights
        tensors[f"{prefix}_b{index}"] = bias
    return tensors


def _layers_from(tensors: Mapping[str, np.ndarray], prefix: str, count: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    if not isinstance(count, int) or count < 1:
        raise ArtifactError(f"state.{prefix}_layers must be a positive int, got {count!r}")
    return [(tensors[f"{prefix}_w{index}"], tensors[f"{prefix}_b{index}"]) for index in range(count)]
