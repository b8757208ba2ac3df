"""Policies that trade quality for cost or availability under budget and load.

Each degrades gracefully toward the weak model instead of queueing or failing:
:class:`SpendBudget` raises the bar as a rolling spend nears its limit,
:class:`ConcurrencyCap` stops sending to the strong model while it is saturated or
rate-limited, :class:`LatencyTarget` does so while its latency is above target. All are
thread-safe and take an injectable clock so simulations can replay time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from routed_llm.decision import ModelRole
from routed_llm.errors import ConfigurationError, StateStoreError
from routed_llm.routing.policy import CallOutcome, CostEstimate, Grant, RoutingPolicy
from routed_llm.routing.state import MemorySpendLedger, SpendLedgerStore

__all__ = ["ConcurrencyCap", "LatencyTarget", "SpendBudget"]

logger = logging.getLogger("routed_llm.client")

Clock = Callable[[], float]


def _positive(field: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(field, f"must be a number > 0, got {value!r}")
    return float(value)


class SpendBudget(RoutingPolicy):
    """Keep the spend of the last ``window_s`` seconds under ``usd``.

    Below ``soft_start`` of the budget nothing changes. Above it, the threshold rises
    linearly so that it reaches 1 (nothing but scores of exactly 1 go strong) as the
    spend, plus what in-flight strong calls are expected to cost, reaches the budget;
    past the budget every request goes to the weak model.

    ``store`` keeps the rolling spend and the in-flight reservations: in this process by
    default, or a :class:`~routed_llm.routing.state.RedisState` ledger so that replicas
    share one budget (give them all ``clock=time.time`` then, a clock they agree on).

    The books are exact: each admitted call reserves the caller's estimate of its cost (a
    :class:`~routed_llm.RoutedClient` prices the prompt's tokens and a completion allowance
    from the price table, so a cold budget never reserves 0 for a priced model; without an
    estimate, the typical cost observed in that role), gets that same amount back when it
    ends, and its actual cost is recorded. A store that fails (Redis down) fails closed:
    the request goes to the weak model and a WARNING names the budget.
    """

    name = "spend_budget"

    def __init__(self, usd: float, window_s: float = 3600.0, *, soft_start: float = 0.5,
                 clock: Clock = time.monotonic, store: SpendLedgerStore | None = None) -> None:
        self.usd = _positive("usd", usd)
        self.window_s = _positive("window_s", window_s)
        if not 0.0 <= soft_start < 1.0:
            raise ConfigurationError("soft_start", f"must be in [0, 1), got {soft_start!r}")
        if store is not None and not isinstance(store, SpendLedgerStore):
            raise ConfigurationError("store", f"expected a SpendLedgerStore, got {type(store).__name__}")
        self.soft_start = soft_start
        self.clock = clock
        self.store = MemorySpendLedger() if store is None else store
        self._typical = {"strong": 0.0, "weak": 0.0}
        self._lock = threading.Lock()

    def spend(self) -> float:
        """USD spent in the current window."""
        return self.store.total(self._horizon())

    def adjust_threshold(self, threshold: float, score: float) -> float:
        try:
            used = (self.store.total(self._horizon()) + self.store.reserved()) / self.usd
        except StateStoreError as exc:
            logger.warning("%s cannot read its spend, so it sends the request weak: %s", self.name, exc)
            return float("inf")
        if used >= 1.0:
            return float("inf")
        if used <= self.soft_start:
            return threshold
        pressure = (used - self.soft_start) / (1.0 - self.soft_start)
        return threshold + (1.0 - threshold) * pressure if threshold < 1.0 else threshold

    def grant(self, role: ModelRole, estimate: CostEstimate) -> Grant:
        with self._lock:
            typical = dict(self._typical)

        def amount(asked: ModelRole) -> float:
            guess = estimate(asked)
            return typical[asked] if guess is None else max(0.0, float(guess))

        try:
            if role == "strong":
                strong = amount("strong")
                if self.store.try_reserve(strong, limit=self.usd, since=self._horizon()):
                    return Grant("strong", strong)
            weak = amount("weak")
            self.store.try_reserve(weak, limit=float("inf"), since=self._horizon())
            return Grant("weak", weak)
        except StateStoreError as exc:
            logger.warning("%s cannot reserve, so it sends the call weak: %s", self.name, exc)
            return Grant("weak")

    def release(self, outcome: CallOutcome) -> None:
        if outcome.cost is not None:
            with self._lock:
                old = self._typical[outcome.role]
                self._typical[outcome.role] = outcome.cost if old == 0.0 else 0.8 * old + 0.2 * outcome.cost
        if outcome.granted is not None and outcome.granted.held:
            self.store.unreserve(outcome.granted.held)
        if outcome.cost is not None:
            self.store.record(self.clock(), outcome.cost)

    def _horizon(self) -> float:
        return self.clock() - self.window_s


class ConcurrencyCap(RoutingPolicy):
    """At most ``max_strong`` strong calls in flight; after a 429, rest it for ``cooldown_s``."""

    name = "concurrency_cap"

    def __init__(self, max_strong: int, *, cooldown_s: float = 5.0, clock: Clock = time.monotonic) -> None:
        if isinstance(max_strong, bool) or not isinstance(max_strong, int) or max_strong < 0:
            raise ConfigurationError("max_strong", f"must be an int >= 0, got {max_strong!r}")
        self.max_strong = max_strong
        self.cooldown_s = float(cooldown_s)
        self.clock = clock
        self._in_flight = 0
        self._peak = 0
        self._rested_until = float("-inf")
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def peak(self) -> int:
        """The most strong calls ever in flight at once."""
        with self._lock:
            return self._peak

    def admit(self, role: ModelRole) -> ModelRole:
        if role != "strong":
            return role
        with self._lock:
            if self._in_flight >= self.max_strong or self.clock() < self._rested_until:
                return "weak"
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            return "strong"

    def release(self, outcome: CallOutcome) -> None:
        """Free the slot this cap granted (whatever later policies did with the call); rest
        the strong model after it answered 429."""
        with self._lock:
            if outcome.admitted == "strong":
                self._in_flight -= 1
            if outcome.role == "strong" and outcome.status == 429:
                self._rested_until = self.clock() + self.cooldown_s


class LatencyTarget(RoutingPolicy):
    """Send strong-bound requests to the weak model while the strong one is slower than ``target_s``.

    Latency is an exponentially weighted mean (weight ``alpha``) of finished strong calls;
    every ``probe_every``-th strong request still goes through while degraded, so the
    estimate recovers when the strong model does.
    """

    name = "latency_target"

    def __init__(self, target_s: float, *, alpha: float = 0.2, probe_every: int = 10) -> None:
        self.target_s = _positive("target_s", target_s)
        if not 0.0 < alpha <= 1.0:
            raise ConfigurationError("alpha", f"must be in (0, 1], got {alpha!r}")
        self.alpha = alpha
        self.probe_every = max(1, int(probe_every))
        self._latency: float | None = None
        self._skipped = 0
        self._lock = threading.Lock()

    def admit(self, role: ModelRole) -> ModelRole:
        if role != "strong":
            return role
        with self._lock:
            if self._latency is None or self._latency <= self.target_s:
                return role
            self._skipped += 1
            if self._skipped % self.probe_every == 0:
                return role
            return "weak"

    def release(self, outcome: CallOutcome) -> None:
        if outcome.role != "strong" or not outcome.ok:
            return
        with self._lock:
            previous = self._latency
            self._latency = outcome.latency_s if previous is None else (
                (1 - self.alpha) * previous + self.alpha * outcome.latency_s
            )
