"""The two-model cut-off: strong when the score reaches the threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routed_llm.cutoff import check_fraction
from routed_llm.errors import ConfigurationError
from routed_llm.scorers.base import RouterScorer, check_share

__all__ = ["ThresholdPolicy", "calibrate", "threshold_for_share"]


@dataclass(frozen=True)
class ThresholdPolicy:
    """Send a prompt to the strong model when ``score >= threshold``.

    Threshold 0 sends everything to the strong model and 1 only scores of 1 (a policy
    may move the cut-off of one call further, see :meth:`use_strong`).
    """

    threshold: float = 0.5
    name: str = "threshold"

    def __post_init__(self) -> None:
        check_fraction("threshold", self.threshold)

    def use_strong(self, score: float, threshold: float | None = None) -> bool:
        """Whether ``score`` goes to the strong model, at ``threshold`` if given."""
        return score >= (self.threshold if threshold is None else threshold)


def threshold_for_share(scores: np.ndarray, strong_share: float) -> float:
    """The threshold sending ``strong_share`` of ``scores`` to the strong model.

    RouteLLM's calibration: the ``1 - strong_share`` quantile of the scores. A share of
    0 returns a threshold just above the largest score, so nothing is sent to the strong
    model even when scores tie at the top.
    """
    check_share(strong_share)
    values = np.asarray(scores, dtype=np.float64)
    if values.size == 0:
        raise ConfigurationError("prompts", "calibration needs at least one prompt")
    if strong_share == 0.0:
        return float(np.nextafter(values.max(), np.inf))
    return float(np.quantile(values, 1.0 - strong_share))


def calibrate(scorer: RouterScorer, prompts: Sequence[str], strong_share: float) -> float:
    """Score ``prompts`` and return the threshold sending ``strong_share`` of them to the strong model."""
    check_share(strong_share)
    return threshold_for_share(scorer.score(list(prompts)), strong_share)
