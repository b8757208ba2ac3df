"""Online calibration: keep the live strong-call share at its target as the prompt mix drifts.

A static threshold is a quantile of yesterday's scores. When today's prompts score
higher (a wave of maths questions after a wave of trivia), the same threshold sends far
more than the intended share to the strong model. The calibrator thresholds at the
``1 - strong_share`` quantile of the *recent* scores instead: a window of the last
``window`` requests, optionally weighted by an exponential decay so that the newest
scores count most.
"""

from __future__ import annotations

import threading

import numpy as np

from routed_llm.errors import ConfigurationError
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.scorers.base import _check_share

__all__ = ["OnlineCalibrator"]


class OnlineCalibrator(RoutingPolicy):
    """Threshold at the running quantile of recent scores (thread-safe).

    Until ``min_samples`` scores have been seen, the client's own threshold stands.
    ``half_life`` (in requests) weights the window's scores by recency; ``None`` weighs
    them equally.
    """

    name = "online_calibrator"

    def __init__(
        self, strong_share: float, *, window: int = 1000, half_life: float | None = None, min_samples: int = 50
    ) -> None:
        _check_share(strong_share)
        if not isinstance(window, int) or window < 2:
            raise ConfigurationError("window", f"must be an int >= 2, got {window!r}")
        if half_life is not None and not half_life > 0:
            raise ConfigurationError("half_life", f"must be > 0 or None, got {half_life!r}")
        if not isinstance(min_samples, int) or not 1 <= min_samples <= window:
            raise ConfigurationError("min_samples", f"must be an int in [1, window], got {min_samples!r}")
        self.strong_share = float(strong_share)
        self.window = window
        self.half_life = half_life
        self.min_samples = min_samples
        self._scores = np.empty(window, dtype=np.float64)
        self._seen = 0
        self._lock = threading.Lock()

    def adjust_threshold(self, threshold: float, score: float) -> float:
        with self._lock:
            self._scores[self._seen % self.window] = score
            self._seen += 1
            if self._seen < self.min_samples:
                return threshold
            return self._quantile()

    def current_threshold(self) -> float | None:
        """The threshold the next request would get, ``None`` while warming up."""
        with self._lock:
            return None if self._seen < self.min_samples else self._quantile()

    def _quantile(self) -> float:
        count = min(self._seen, self.window)
        newest = (self._seen - 1) % self.window
        if self.strong_share == 0.0:
            return float(np.nextafter(self._scores[:count].max(), np.inf))
        if self.half_life is None:
            return float(np.quantile(self._scores[:count], 1.0 - self.strong_share))
        ages = (newest - np.arange(count)) % self.window
        weights = 0.5 ** (ages / self.half_life)
        order = np.argsort(self._scores[:count], kind="stable")
        cumulative = np.cumsum(weights[order])
        cut = (1.0 - self.strong_share) * cumulative[-1]
        return float(self._scores[:count][order][min(np.searchsorted(cumulative, cut), count - 1)])
