"""Online calibration: keep the live strong-call share at its target as the prompt mix drifts.

A static threshold is a quantile of yesterday's scores. When today's prompts score
higher (a wave of maths questions after a wave of trivia), the same threshold sends far
more than the intended share to the strong model. The calibrator thresholds at the
``1 - strong_share`` quantile of the *recent* scores instead: a window of the last
``window`` requests, optionally weighted by an exponential decay so that the newest
scores count most.
"""

from __future__ import annotations

import numpy as np

from routed_llm.errors import ConfigurationError
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.routing.state import MemoryScoreWindow, ScoreWindowStore
from routed_llm.scorers.base import check_share

__all__ = ["OnlineCalibrator"]


class OnlineCalibrator(RoutingPolicy):
    """Threshold at the running quantile of recent scores (thread-safe).

    Until ``min_samples`` scores have been seen, the client's own threshold stands.
    ``half_life`` (in requests) weights the window's scores by recency; ``None`` weighs
    them equally. ``store`` keeps the window: in this process by default, or a
    :class:`~routed_llm.routing.state.RedisState` window so that every replica calibrates
    on the whole fleet's traffic.
    """

    name = "online_calibrator"

    def __init__(
        self,
        strong_share: float,
        *,
        window: int = 1000,
        half_life: float | None = None,
        min_samples: int = 50,
        store: ScoreWindowStore | None = None,
    ) -> None:
        check_share(strong_share)
        if not isinstance(window, int) or window < 2:
            raise ConfigurationError("window", f"must be an int >= 2, got {window!r}")
        if half_life is not None and not half_life > 0:
            raise ConfigurationError("half_life", f"must be > 0 or None, got {half_life!r}")
        if not isinstance(min_samples, int) or not 1 <= min_samples <= window:
            raise ConfigurationError("min_samples", f"must be an int in [1, window], got {min_samples!r}")
        if store is not None and not isinstance(store, ScoreWindowStore):
            raise ConfigurationError("store", f"expected a ScoreWindowStore, got {type(store).__name__}")
        self.strong_share = float(strong_share)
        self.window = window
        self.half_life = half_life
        self.min_samples = min_samples
        self.store = MemoryScoreWindow() if store is None else store

    @property
    def seen(self) -> int:
        """How many scores the window has been given (by every process sharing the store)."""
        return self.store.snapshot(1)[1]

    @property
    def _seen(self) -> int:
        """The name :attr:`seen` had before the window moved into a store; existing callers read it."""
        return self.seen

    def adjust_threshold(self, threshold: float, score: float) -> float:
        scores, seen = self.store.push(score, self.window)
        if seen < self.min_samples:
            return threshold
        return self._quantile(scores)

    def current_threshold(self) -> float | None:
        """The threshold the next request would get, ``None`` while warming up."""
        scores, seen = self.store.snapshot(self.window)
        return None if seen < self.min_samples else self._quantile(scores)

    def _quantile(self, scores: np.ndarray) -> float:
        """The ``1 - strong_share`` quantile of ``scores`` (oldest first), recency-weighted if asked."""
        count = scores.size
        if self.strong_share == 0.0:
            return float(np.nextafter(scores.max(), np.inf))
        if self.half_life is None:
            return float(np.quantile(scores, 1.0 - self.strong_share))
        ages = np.arange(count - 1, -1, -1)
        weights = 0.5 ** (ages / self.half_life)
        order = np.argsort(scores, kind="stable")
        cumulative = np.cumsum(weights[order])
        cut = (1.0 - self.strong_share) * cumulative[-1]
        return float(scores[order][min(np.searchsorted(cumulative, cut), count - 1)])
