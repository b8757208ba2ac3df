"""N-model cost-quality curves and RouterBench's AIQ.

With N models a router is no longer a threshold on one score but a trade-off: per prompt
it picks ``argmax quality - λ · cost`` (:mod:`routed_llm.data.choice`, the rule the runtime
uses, ties included), and sweeping λ from 0 (best predicted quality at
any price) to infinity (cheapest model) traces points ``(average cost per request, mean
quality)``. RouterBench (Hu et al., arXiv 2403.12031, ``evaluation/AIQ.py``) summarises a
router by the area under the *non-decreasing convex hull* of its points: any two
operating points can be mixed at random, so every point on a segment between them is
reachable, and a dearer point that is worse is never worth choosing.

- The **zero router** is the hull of the single models' own points: the best random mixture
  of single models, the baseline a learned router must beat.
- The **oracle** knows every prompt's true quality and cost and sweeps λ over them.
- **AIQ** follows RouterBench's code: the hull, extended flat to the largest cost among the
  curves compared, integrated with the trapezoid rule from its cheapest point and divided by
  that largest cost. Curves are comparable only at the same ``max_cost``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routed_llm.data.choice import choose_models, lambda_grid
from routed_llm.errors import ConfigurationError

__all__ = [
    "CostCurve",
    "cost_at_quality",
    "non_decreasing_hull",
    "oracle_curve",
    "router_curve",
    "single_model_points",
    "zero_curve",
]


@dataclass(frozen=True, eq=False)
class CostCurve:
    """A router's operating points and their non-decreasing convex hull.

    ``points`` has shape ``(k, 2)``: ``(average cost per request, mean quality)`` for each
    setting of the router; ``hull`` is the frontier RouterBench integrates, cost ascending.
    """

    points: np.ndarray
    hull: np.ndarray

    @classmethod
    def from_points(cls, points: np.ndarray | Sequence[Sequence[float]]) -> CostCurve:
        array = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return cls(points=array, hull=non_decreasing_hull(array))

    def aiq(self, max_cost: float) -> float:
        """Area under the hull (extended flat to ``max_cost``) divided by ``max_cost``."""
        if not max_cost > 0:
            raise ConfigurationError("max_cost", f"must be > 0, got {max_cost!r}")
        hull = self.hull
        if hull[-1, 0] < max_cost:
            hull = np.vstack([hull, [max_cost, hull[-1, 1]]])
        inside = hull[hull[:, 0] <= max_cost]
        if inside.shape[0] < 2:
            return 0.0
        area = float(np.sum((inside[1:, 1] + inside[:-1, 1]) / 2.0 * np.diff(inside[:, 0])))
        return area / max_cost

    def quality_at(self, cost: float) -> float:
        """Best mean quality the router reaches at an average cost of ``cost`` (NaN below its cheapest point)."""
        if cost < self.hull[0, 0]:
            return math.nan
        return float(np.interp(cost, self.hull[:, 0], self.hull[:, 1]))

    def cost_for(self, quality: float) -> float | None:
        """Cheapest average cost at which the router reaches ``quality``; ``None`` if it never does."""
        return cost_at_quality(self.hull, quality)


def non_decreasing_hull(points: np.ndarray) -> np.ndarray:
    """The upper convex hull of ``points`` from the cheapest point up to the best one.

    Andrew's monotone chain on points sorted by cost (best quality first among equal
    costs), cut at the point of highest quality: beyond it, spending more buys nothing.
    """
    if points.shape[0] == 0:
        raise ConfigurationError("points", "a cost-quality curve needs at least one point")
    if not np.all(np.isfinite(points)):
        raise ConfigurationError("points", "costs and qualities must be finite")
    ordered = points[np.lexsort((-points[:, 1], points[:, 0]))]
    upper: list[np.ndarray] = []
    for point in ordered:
        if upper and point[0] == upper[-1][0]:
            continue  # same cost, lower or equal quality
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], point) >= 0:
            upper.pop()
        upper.append(point)
    hull = np.asarray(upper)
    best = int(np.argmax(hull[:, 1]))
    return hull[: best + 1]


def cost_at_quality(hull: np.ndarray, quality: float) -> float | None:
    """Cheapest cost on a non-decreasing hull whose quality reaches ``quality``."""
    if hull[-1, 1] < quality - 1e-12:
        return None
    if hull[0, 1] >= quality:
        return float(hull[0, 0])
    index = int(np.flatnonzero(hull[:, 1] >= quality - 1e-12)[0])
    (c0, q0), (c1, q1) = hull[index - 1], hull[index]
    return float(c0 + (quality - q0) / (q1 - q0) * (c1 - c0)) if q1 != q0 else float(c1)


def single_model_points(quality: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Each model's ``(average cost, mean quality)``, one row per model."""
    _check_matrices(quality, costs)
    return np.column_stack([costs.mean(axis=0), quality.mean(axis=0)])


def zero_curve(quality: np.ndarray, costs: np.ndarray) -> CostCurve:
    """RouterBench's non-learned baseline: random mixtures of single models along their hull."""
    return CostCurve.from_points(single_model_points(quality, costs))


def router_curve(
    predicted_quality: np.ndarray,
    predicted_cost: np.ndarray,
    quality: np.ndarray,
    costs: np.ndarray,
    cost_weights: np.ndarray | None = None,
) -> CostCurve:
    """A predictor's curve: the true average cost and quality of its choices at each cost weight.

    ``predicted_cost`` may be a ``(n_models,)`` row (one expected cost per model) or a full
    ``(n_prompts, n_models)`` matrix.
    """
    _check_matrices(quality, costs)
    if predicted_quality.shape != quality.shape:
        raise ConfigurationError(
            "predicted_quality", f"shape {predicted_quality.shape} does not match the data's {quality.shape}"
        )
    weights = lambda_grid(predicted_cost) if cost_weights is None else cost_weights
    rows = np.arange(quality.shape[0])
    points = []
    for weight in weights:
        chosen = choose_models(predicted_quality, predicted_cost, float(weight))
        points.append((costs[rows, chosen].mean(), quality[rows, chosen].mean()))
    return CostCurve.from_points(np.asarray(points))


def oracle_curve(quality: np.ndarray, costs: np.ndarray) -> CostCurve:
    """The per-prompt best: the λ sweep with every prompt's true quality and cost known."""
    return router_curve(quality, costs, quality, costs)


def _cross(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Positive when ``a -> b -> c`` turns left (``b`` lies under the chord ``a-c``)."""
    return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))


def _check_matrices(quality: np.ndarray, costs: np.ndarray) -> None:
    if quality.ndim != 2 or quality.shape[0] == 0:
        raise ConfigurationError("quality", f"expected a non-empty (prompts, models) matrix, got shape {quality.shape}")
    if costs.shape != quality.shape:
        raise ConfigurationError("costs", f"shape {costs.shape} does not match quality's {quality.shape}")
