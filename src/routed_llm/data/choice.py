"""The N-model choice, ``argmax predicted quality - cost_weight · cost``, with one tie rule.

The runtime (``routing.nmodel``: which model a request goes to, and the fallback order)
and the offline curves (``evaluation.cost_curve``, and the ``set_target_cost`` solver that
reads them) must pick the same model for the same inputs, or a cost weight solved offline
buys a different average cost in production. So both call the functions here, and the
order is defined once, by :func:`_sort_keys`:

- a finite ``cost_weight``: highest utility ``quality - cost_weight · cost`` first; among
  equal utilities the cheaper model; among equally cheap ones the lower index;
- ``cost_weight = inf``: the cheapest model first; among equally cheap ones the better
  predicted one; then the lower index.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["choose_models", "lambda_grid", "rank_models"]


def choose_models(predicted_quality: np.ndarray, predicted_cost: np.ndarray, cost_weight: float) -> np.ndarray:
    """Per row of ``predicted_quality`` ``(prompts, models)``, the index of the chosen model.

    ``predicted_cost`` is one expected cost per model or a full ``(prompts, models)`` matrix.
    Equal to ``rank_models(...)[:, 0]``, without sorting every row.
    """
    primary, secondary = _sort_keys(predicted_quality, predicted_cost, cost_weight)
    tied = primary <= primary.min(axis=1, keepdims=True)
    return np.argmin(np.where(tied, secondary, np.inf), axis=1)


def rank_models(predicted_quality: np.ndarray, predicted_cost: np.ndarray, cost_weight: float) -> np.ndarray:
    """Per row, every model's index, the choice first and then the fallbacks in order."""
    primary, secondary = _sort_keys(predicted_quality, predicted_cost, cost_weight)
    return np.lexsort((secondary, primary), axis=-1)


def lambda_grid(predicted_cost: np.ndarray, points: int = 241) -> np.ndarray:
    """Cost weights from 0 to infinity, geometric in between, scaled to the predicted costs.

    The useful weights are quality differences (at most 1) over cost differences, so the
    grid spans ``1e-3 / max cost`` to ``1e3 / min cost``.
    """
    positive = np.asarray(predicted_cost, dtype=np.float64)
    positive = positive[positive > 0]
    if positive.size == 0:
        return np.array([0.0, math.inf])
    low, high = 1e-3 / float(positive.max()), 1e3 / float(positive.min())
    return np.concatenate([[0.0], np.geomspace(low, high, points), [math.inf]])


def _sort_keys(
    predicted_quality: np.ndarray, predicted_cost: np.ndarray, cost_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(primary, secondary)``, both ``(prompts, models)`` and ascending-is-better: the tie rule."""
    quality = np.atleast_2d(np.asarray(predicted_quality, dtype=np.float64))
    costs = np.broadcast_to(np.asarray(predicted_cost, dtype=np.float64), quality.shape)
    if math.isinf(cost_weight):
        return costs, -quality
    return -(quality - cost_weight * costs), costs
