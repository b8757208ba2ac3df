"""The three label schemes of Hybrid LLM (Ding et al., ICLR 2024, arXiv 2404.14618).

The paper routes a query to the small model S when its answer is about as good as the large
model L's. With ``q`` a quality score (BARTScore in the paper, correctness here when the
data is a benchmark) and the quality gap ``H(x) = q(S(x)) - q(L(x))``, its router ``p_w(x)``
is trained with binary cross-entropy on one of three targets:

- **r_det** ``y = 1[q(S(x)) >= q(L(x))]`` from one response per model (Section 3.1);
- **r_prob** ``y = Pr[q(S(x)) >= q(L(x))]`` estimated from several sampled responses per
  model, the share of (small, large) response pairs where the small one is not worse, which
  absorbs the models' sampling noise (Section 3.2);
- **r_trans** ``y(t) = Pr[q(S(x)) >= q(L(x)) - t]``, the relaxed condition (Section 3.3).
  When the small model is much weaker, almost every r_prob label is near 0 and the router
  learns little; relaxing by ``t`` spreads the labels out. The paper picks
  ``t* = argmax_t (1/N^2) sum_{i,i'} |y_i(t) - y_i'(t)|``, the ``t`` that pushes the labels
  furthest apart on the training data (:func:`choose_relaxation`).

Every function here is pure: arrays in, arrays out, no state, so each scheme is tested on
its own. Labels are the probability that the *small* model suffices; a scorer turns them
into routed-llm's convention (the probability the strong model is needed) as ``1 - y``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from routed_llm.errors import ConfigurationError

__all__ = [
    "LabelScheme",
    "choose_relaxation",
    "det_labels",
    "label_spread",
    "prob_labels",
    "trans_labels",
]

LabelScheme = Literal["det", "prob", "trans"]

_MAX_CANDIDATES = 256


def det_labels(q_small: Sequence[float] | np.ndarray, q_large: Sequence[float] | np.ndarray) -> np.ndarray:
    """r_det: 1 where the small model's single response is at least as good, else 0.

    Takes one quality per prompt and model (shape ``(n,)``); given several responses per
    model, the first of each is used, which is what the paper's deterministic router sees.
    """
    small, large = _as_samples(q_small, "q_small"), _as_samples(q_large, "q_large")
    _check_rows(small, large)
    return (small[:, 0] >= large[:, 0]).astype(np.float64)


def prob_labels(q_small: Sequence[float] | np.ndarray, q_large: Sequence[float] | np.ndarray) -> np.ndarray:
    """r_prob: the share of (small, large) response pairs where the small one is not worse.

    ``q_small`` is ``(n, k_small)`` and ``q_large`` ``(n, k_large)`` (a 1-D array is one
    response per prompt); every small response is compared with every large one.
    """
    return trans_labels(q_small, q_large, 0.0)


def trans_labels(
    q_small: Sequence[float] | np.ndarray, q_large: Sequence[float] | np.ndarray, t: float
) -> np.ndarray:
    """r_trans: the share of response pairs with ``q(S) >= q(L) - t`` (``t >= 0``)."""
    if not np.isfinite(t) or t < 0:
        raise ConfigurationError("t", f"the relaxation must be a finite number >= 0, got {t!r}")
    small, large = _as_samples(q_small, "q_small"), _as_samples(q_large, "q_large")
    _check_rows(small, large)
    wins = small[:, :, None] >= large[:, None, :] - t
    return wins.mean(axis=(1, 2))


def label_spread(labels: np.ndarray) -> float:
    """The paper's objective for ``t``: mean absolute difference over all label pairs.

    Computed in O(n log n) from the sorted labels: ``sum_{i<j} |y_i - y_j| =
    sum_k y_(k) (2k - n + 1)``, doubled for ordered pairs and divided by ``n^2``.
    """
    values = np.sort(np.asarray(labels, dtype=np.float64))
    n = values.size
    if n == 0:
        return 0.0
    ranks = np.arange(n, dtype=np.float64)
    return float(2.0 * np.sum(values * (2.0 * ranks - n + 1.0)) / (n * n))


def choose_relaxation(
    q_small: Sequence[float] | np.ndarray,
    q_large: Sequence[float] | np.ndarray,
    candidates: Sequence[float] | np.ndarray | None = None,
) -> float:
    """``t*``: the relaxation whose r_trans labels are spread furthest apart.

    Labels only change where ``t`` crosses an observed gap ``q(L) - q(S)``, so the default
    candidates are 0 and those positive gaps (thinned to at most 256 quantiles on large
    data); the smallest ``t`` wins ties, which relaxes the condition no more than needed.
    """
    small, large = _as_samples(q_small, "q_small"), _as_samples(q_large, "q_large")
    _check_rows(small, large)
    if candidates is None:
        gaps = (large[:, None, :] - small[:, :, None]).ravel()
        positive = np.unique(gaps[gaps > 0])
        if positive.size > _MAX_CANDIDATES:
            positive = np.unique(np.quantile(positive, np.linspace(0.0, 1.0, _MAX_CANDIDATES)))
        grid = np.concatenate([[0.0], positive])
    else:
        grid = np.asarray(candidates, dtype=np.float64).ravel()
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
            raise ConfigurationError("candidates", "must be a non-empty list of finite numbers >= 0")
    spreads = [label_spread(trans_labels(small, large, float(t))) for t in grid]
    return float(grid[int(np.argmax(spreads))])


def _as_samples(values: Sequence[float] | np.ndarray, field: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ConfigurationError(field, f"expected shape (n,) or (n, samples), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ConfigurationError(field, "qualities must be finite numbers")
    return array


def _check_rows(small: np.ndarray, large: np.ndarray) -> None:
    if small.shape[0] != large.shape[0]:
        raise ConfigurationError(
            "q_large", f"has {large.shape[0]} prompts but q_small has {small.shape[0]}"
        )
