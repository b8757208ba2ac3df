"""The N-model choice: ``argmax predicted quality - λ · expected cost``.

λ (``cost_weight``) is the quality a caller would give up to save one USD per request.
Set it directly, or from a target *average* cost per request: on a set of calibration
prompts, the smallest λ whose choices average no more than the target (the average cost
never rises as λ grows, so a bisection finds it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routed_llm.data.choice import choose_models, lambda_grid, rank_models
from routed_llm.errors import ConfigurationError

__all__ = ["Candidate", "CostQualityPolicy", "check_cost_weight", "solve_cost_weight"]


@dataclass(frozen=True)
class CostQualityPolicy:
    """Pick, per prompt, the candidate with the best ``quality - cost_weight · cost``.

    ``cost_weight`` 0 always takes the best predicted model; ``math.inf`` the cheapest.
    """

    cost_weight: float = 0.0
    name: str = "cost_quality"

    def __post_init__(self) -> None:
        check_cost_weight(self.cost_weight)

    def choose(self, quality: np.ndarray, costs: np.ndarray, cost_weight: float | None = None) -> np.ndarray:
        """Index of the chosen model for each row of ``quality`` (``costs``: a row per prompt or one per model)."""
        weight = self.cost_weight if cost_weight is None else check_cost_weight(cost_weight)
        return choose_models(np.atleast_2d(quality), np.asarray(costs, dtype=np.float64), weight)

    def ranking(self, quality: np.ndarray, costs: np.ndarray, cost_weight: float | None = None) -> list[int]:
        """Candidates of one prompt, best utility first: the choice, then the fallbacks in order."""
        weight = self.cost_weight if cost_weight is None else check_cost_weight(cost_weight)
        return [int(i) for i in rank_models(quality, costs, weight)[0]]


def check_cost_weight(value: float, field: str = "cost_weight") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
        raise ConfigurationError(field, f"must be a number >= 0 (inf for always the cheapest), got {value!r}")
    return float(value)


def solve_cost_weight(
    predicted_quality: np.ndarray,
    predicted_cost: np.ndarray,
    target_cost: float,
    *,
    true_cost: np.ndarray | None = None,
    iterations: int = 40,
) -> float:
    """The smallest cost weight whose choices average at most ``target_cost`` per request.

    The average is taken over ``true_cost`` when given (a benchmark's measured costs),
    else over ``predicted_cost``. A target below the cheapest achievable average returns
    ``inf`` (always the cheapest model).
    """
    if isinstance(target_cost, bool) or not isinstance(target_cost, (int, float)) or not target_cost >= 0:
        raise ConfigurationError("target_cost", f"must be a number >= 0 (USD per request), got {target_cost!r}")
    quality = np.atleast_2d(np.asarray(predicted_quality, dtype=np.float64))
    predicted = np.broadcast_to(np.asarray(predicted_cost, dtype=np.float64), quality.shape)
    measured = predicted if true_cost is None else np.broadcast_to(np.asarray(true_cost, dtype=np.float64), quality.shape)
    rows = np.arange(quality.shape[0])

    def average(weight: float) -> float:
        return float(measured[rows, choose_models(quality, predicted, weight)].mean())

    grid = lambda_grid(predicted)
    fits = [weight for weight in grid if average(float(weight)) <= target_cost + 1e-15]
    if not fits:
        return math.inf
    high = float(fits[0])
    if high == 0.0 or math.isinf(high):
        return high
    low = float(grid[int(np.searchsorted(grid, high)) - 1])
    for _ in range(iterations):
        middle = math.sqrt(low * high) if low > 0 else high / 2.0
        if average(middle) <= target_cost + 1e-15:
            high = middle
        else:
            low = middle
    return high


@dataclass(frozen=True)
class Candidate:
    """One model a client may route to.

    ``model`` is the litellm model string called; ``name`` the router's column for it (a
    RouterBench model name, an intent route; defaults to ``model``); ``cost`` the expected
    USD per request, when known better than the price map; ``kwargs`` extra litellm
    arguments for this model only (``api_base``, ``api_key``, ...).
    """

    model: str
    name: str = ""
    cost: float | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model.strip():
            raise ConfigurationError("models", f"each model must be a litellm model string, got {self.model!r}")
        if not self.name:
            object.__setattr__(self, "name", self.model)
        if self.cost is not None and (isinstance(self.cost, bool) or not isinstance(self.cost, (int, float))
                                      or not math.isfinite(self.cost) or self.cost < 0):
            raise ConfigurationError(f"models[{self.model}].cost", f"must be a number >= 0, got {self.cost!r}")

    @classmethod
    def parse(cls, item: str | Mapping[str, Any] | Candidate, index: int) -> Candidate:
        """A candidate from a string, a mapping ``{"model", "name", "cost", "kwargs"}`` or a Candidate."""
        if isinstance(item, Candidate):
            return item
        if isinstance(item, str):
            return cls(model=item)
        if isinstance(item, Mapping):
            unknown = set(item) - {"model", "name", "cost", "kwargs"}
            if unknown:
                raise ConfigurationError(f"models[{index}]", f"unknown keys {sorted(unknown)}; use model, name, cost, kwargs")
            return cls(model=item.get("model", ""), name=str(item.get("name") or ""), cost=item.get("cost"),
                       kwargs=dict(item.get("kwargs") or {}))
        raise ConfigurationError(f"models[{index}]", f"expected a model string or a mapping, got {type(item).__name__}")
