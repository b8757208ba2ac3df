"""Cumulative calls, tokens and spend per model, and what always-strong would have cost."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Ledger", "ModelUsage", "UsageReport"]


@dataclass(frozen=True)
class ModelUsage:
    """Totals for one model."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    unpriced_calls: int = 0
    """Calls whose cost is unknown (the model is not in the price map); not in ``cost``."""
    estimated_calls: int = 0
    """Calls that never answered (cancelled, timed out, broken mid-stream), counted at their
    prompt's estimated tokens: the provider bills a call it started."""


@dataclass(frozen=True)
class UsageReport:
    """A snapshot of a client's accounting."""

    models: Mapping[str, ModelUsage] = field(default_factory=dict)
    always_strong_cost: float | None = 0.0
    """What the same calls would have cost on the strong model (same token counts);
    ``None`` when the strong model is unpriced."""
    failed_calls: int = 0

    @property
    def calls(self) -> int:
        return sum(usage.calls for usage in self.models.values())

    @property
    def cost(self) -> float:
        return sum(usage.cost for usage in self.models.values())

    @property
    def saving(self) -> float | None:
        """USD saved against always-strong, ``None`` when that cost is unknown."""
        return None if self.always_strong_cost is None else self.always_strong_cost - self.cost

    @property
    def saving_ratio(self) -> float | None:
        """Share of the always-strong cost saved, ``None`` when unknown or zero."""
        if not self.always_strong_cost:
            return None
        return self.saving / self.always_strong_cost  # type: ignore[operator]

    def __str__(self) -> str:
        lines = [f"{'model':40} {'calls':>7} {'tokens in':>10} {'tokens out':>10} {'cost $':>12}"]
        for model, usage in sorted(self.models.items()):
            lines.append(
                f"{model:40} {usage.calls:7d} {usage.prompt_tokens:10d} {usage.completion_tokens:10d} "
                f"{usage.cost:12.6f}" + (f"  ({usage.unpriced_calls} unpriced)" if usage.unpriced_calls else "")
                + (f"  ({usage.estimated_calls} estimated)" if usage.estimated_calls else "")
            )
        if self.always_strong_cost is not None:
            lines.append(
                f"always-strong would cost ${self.always_strong_cost:.6f}; spent ${self.cost:.6f}"
                + (f"; saved {self.saving_ratio:.1%}" if self.saving_ratio is not None else "")
            )
        if self.failed_calls:
            lines.append(f"failed calls: {self.failed_calls}")
        return "\n".join(lines)


class Ledger:
    """Thread-safe running totals; async callers on one loop share it safely too.

    Totals are kept in plain mutable lists, one per model, and frozen into
    :class:`ModelUsage` only when a report is asked for: recording is on every call's path.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, list[Any]] = {}  # calls, tokens in and out, cost, unpriced and estimated calls
        self._always_strong: float | None = 0.0
        self._failed = 0

    def record(
        self,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        cost: float | None,
        always_strong_cost: float | None,
        *,
        estimated: bool = False,
    ) -> None:
        with self._lock:
            totals = self._models.get(model)
            if totals is None:
                totals = self._models[model] = [0, 0, 0, 0.0, 0, 0]
            totals[5] += estimated
            totals[0] += 1
            totals[1] += prompt_tokens
            totals[2] += completion_tokens
            if cost is None:
                totals[4] += 1
            else:
                totals[3] += cost
            if always_strong_cost is None:
                self._always_strong = None
            elif self._always_strong is not None:
                self._always_strong += always_strong_cost

    def record_failure(self) -> None:
        with self._lock:
            self._failed += 1

    def report(self) -> UsageReport:
        with self._lock:
            models = {model: ModelUsage(*totals) for model, totals in self._models.items()}
            return UsageReport(models, self._always_strong, self._failed)
