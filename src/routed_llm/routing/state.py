"""Where adaptive policies keep their state: in this process, or in Redis for a fleet.

An :class:`~routed_llm.routing.OnlineCalibrator` and a :class:`~routed_llm.routing.SpendBudget`
only work if they see *all* the traffic. One process sees all of its own, so the default
stores live in memory; replicas behind a load balancer (LiteLLM Proxy workers, several
pods) each see a slice, so they share one Redis store instead. The policies talk to a
store through two small seams, a window of recent scores and a rolling spend ledger with
reservations, so the arithmetic stays in the policies and the stores only keep data.

In Redis, appending to the window and reading it back are one ``MULTI``/``EXEC``
transaction, spend is added with ``HINCRBYFLOAT`` into per-``resolution_s`` buckets, and a
reservation is a ``WATCH`` check-and-set on spend and reservations, so concurrent replicas
never lose an update nor overshoot a budget together. Keys live under
``<namespace>:<name>:`` and expire ``ttl_s`` seconds after their last write, so a retired
fleet leaves nothing behind. Every Redis failure (unreachable, timed out, contended)
leaves a Redis store as a :class:`~routed_llm.errors.StateStoreError`, never as one of
redis-py's own exceptions; the policies decide what it means for a call.
"""

from __future__ import annotations

import functools
import math
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from routed_llm.errors import ConfigurationError, StateStoreError

if TYPE_CHECKING:
    from redis import Redis

__all__ = [
    "MemoryScoreWindow",
    "MemorySpendLedger",
    "MemoryState",
    "RedisScoreWindow",
    "RedisSpendLedger",
    "RedisState",
    "ScoreWindowStore",
    "SpendLedgerStore",
    "StateStore",
]


class ScoreWindowStore(ABC):
    """The most recent scores, oldest first, and how many were ever pushed."""

    @abstractmethod
    def push(self, score: float, keep: int) -> tuple[np.ndarray, int]:
        """Append ``score``, keep the newest ``keep``, and return them (oldest first) with the count seen.

        Appending and reading are one atomic step, so each caller's view includes its own
        score and every score pushed before it.
        """

    @abstractmethod
    def snapshot(self, keep: int) -> tuple[np.ndarray, int]:
        """The newest ``keep`` scores (oldest first) and the count seen, without appending."""


class SpendLedgerStore(ABC):
    """Timestamped spend, plus the money reserved for calls still in flight."""

    @abstractmethod
    def record(self, timestamp: float, usd: float) -> None:
        """Add a finished call's cost at ``timestamp``."""

    @abstractmethod
    def total(self, since: float) -> float:
        """USD recorded at or after ``since`` (older entries may be dropped)."""

    @abstractmethod
    def reserved(self) -> float:
        """USD currently reserved for calls in flight."""

    @abstractmethod
    def try_reserve(self, usd: float, *, limit: float, since: float) -> bool:
        """Reserve ``usd`` if spend since ``since`` plus reservations plus ``usd`` stays within ``limit``.

        The check and the reservation are one atomic step, so two replicas cannot both
        take the last dollar of a budget. ``limit=inf`` always reserves.
        """

    @abstractmethod
    def unreserve(self, usd: float) -> None:
        """Give back a reservation (never below zero)."""


class StateStore(ABC):
    """A factory of named stores that share one backend (one process, or one Redis)."""

    @abstractmethod
    def score_window(self, name: str) -> ScoreWindowStore:
        """The score window called ``name``; the same name gives the same data."""

    @abstractmethod
    def spend_ledger(self, name: str) -> SpendLedgerStore:
        """The spend ledger called ``name``; the same name gives the same data."""


# -- in memory -----------------------------------------------------------------------------


class MemoryScoreWindow(ScoreWindowStore):
    """A thread-safe window in this process (the default)."""

    def __init__(self) -> None:
        self._scores: deque[float] = deque()
        self._seen = 0
        self._lock = threading.Lock()

    def push(self, score: float, keep: int) -> tuple[np.ndarray, int]:
        with self._lock:
            self._scores.append(float(score))
            while len(self._scores) > keep:
                self._scores.popleft()
            self._seen += 1
            return np.fromiter(self._scores, dtype=np.float64, count=len(self._scores)), self._seen

    def snapshot(self, keep: int) -> tuple[np.ndarray, int]:
        with self._lock:
            scores = list(self._scores)[-keep:]
            return np.asarray(scores, dtype=np.float64), self._seen


class MemorySpendLedger(SpendLedgerStore):
    """A thread-safe ledger in this process (the default)."""

    def __init__(self) -> None:
        self._spent: deque[tuple[float, float]] = deque()
        self._total = 0.0
        self._reserved = 0.0
        self._lock = threading.Lock()

    def record(self, timestamp: float, usd: float) -> None:
        with self._lock:
            self._spent.append((float(timestamp), float(usd)))
            self._total += float(usd)

    def total(self, since: float) -> float:
        with self._lock:
            return self._expire(since)

    def reserved(self) -> float:
        with self._lock:
            return self._reserved

    def try_reserve(self, usd: float, *, limit: float, since: float) -> bool:
        with self._lock:
            if self._expire(since) + self._reserved + usd > limit:
                return False
            self._reserved += usd
            return True

    def unreserve(self, usd: float) -> None:
        with self._lock:
            self._reserved = max(0.0, self._reserved - usd)

    def _expire(self, since: float) -> float:
        while self._spent and self._spent[0][0] < since:
            self._total -= self._spent.popleft()[1]
        if not self._spent:
            self._total = 0.0  # no float drift once the window empties
        return self._total


class MemoryState(StateStore):
    """Named in-memory stores; asking twice for a name returns the same store."""

    def __init__(self) -> None:
        self._windows: dict[str, MemoryScoreWindow] = {}
        self._ledgers: dict[str, MemorySpendLedger] = {}
        self._lock = threading.Lock()

    def score_window(self, name: str) -> MemoryScoreWindow:
        with self._lock:
            return self._windows.setdefault(_check_name(name), MemoryScoreWindow())

    def spend_ledger(self, name: str) -> MemorySpendLedger:
        with self._lock:
            return self._ledgers.setdefault(_check_name(name), MemorySpendLedger())


# -- Redis ---------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def _typed_failures(method: F) -> F:
    """Turn redis-py's exceptions (and socket errors) raised by ``method`` into :class:`StateStoreError`."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        from redis.exceptions import RedisError

        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError) as exc:
            raise StateStoreError(f"Redis store {self._prefix!r}: {method.__name__} failed: "
                                  f"{type(exc).__name__}: {exc}") from exc

    return wrapper  # type: ignore[return-value]



class RedisScoreWindow(ScoreWindowStore):
    """A window in a Redis list, trimmed and read in the same transaction as the append."""

    def __init__(self, client: Redis, prefix: str, ttl_s: int) -> None:
        self._client = client
        self._prefix = prefix
        self._scores = f"{prefix}:scores"
        self._seen = f"{prefix}:seen"
        self._ttl_s = ttl_s

    @_typed_failures
    def push(self, score: float, keep: int) -> tuple[np.ndarray, int]:
        pipe = self._client.pipeline(transaction=True)
        pipe.rpush(self._scores, repr(float(score)))
        pipe.ltrim(self._scores, -keep, -1)
        pipe.incr(self._seen)
        pipe.lrange(self._scores, 0, -1)
        pipe.expire(self._scores, self._ttl_s)
        pipe.expire(self._seen, self._ttl_s)
        _, _, seen, scores, _, _ = pipe.execute()
        return _floats(scores), int(seen)

    @_typed_failures
    def snapshot(self, keep: int) -> tuple[np.ndarray, int]:
        pipe = self._client.pipeline(transaction=True)
        pipe.lrange(self._scores, -keep, -1)
        pipe.get(self._seen)
        scores, seen = pipe.execute()
        return _floats(scores), int(seen or 0)


class RedisSpendLedger(SpendLedgerStore):
    """Spend summed per ``resolution_s`` bucket in a Redis hash; reservations in a float counter.

    Buckets bound the data a read moves to ``window / resolution_s`` numbers however busy the
    fleet is; a bucket counts while any of it lies in the window, so spend leaves the window
    up to ``resolution_s`` late (never early). Timestamps come from the policy's clock, so
    replicas sharing a ledger must use a clock they agree on (``time.time``), not
    ``time.monotonic``.
    """

    _RETRIES = 50

    def __init__(self, client: Redis, prefix: str, ttl_s: int, resolution_s: float = 1.0) -> None:
        self._client = client
        self._prefix = prefix
        self._spent = f"{prefix}:spent"
        self._reserved = f"{prefix}:reserved"
        self._ttl_s = ttl_s
        self._resolution_s = resolution_s

    @_typed_failures
    def record(self, timestamp: float, usd: float) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.hincrbyfloat(self._spent, str(math.floor(float(timestamp) / self._resolution_s)), float(usd))
        pipe.expire(self._spent, self._ttl_s)
        pipe.execute()

    @_typed_failures
    def total(self, since: float) -> float:
        total, expired = self._split(self._client.hgetall(self._spent), since)
        if expired:
            self._client.hdel(self._spent, *expired)  # idempotent: buckets in the past never grow again
        return total

    @_typed_failures
    def reserved(self) -> float:
        return max(0.0, float(self._client.get(self._reserved) or 0.0))

    @_typed_failures
    def try_reserve(self, usd: float, *, limit: float, since: float) -> bool:
        if math.isinf(limit):
            return self._check_and_set(lambda total, reserved: reserved + usd, None)
        return self._check_and_set(lambda total, reserved: (
            reserved + usd if total + reserved + usd <= limit else None
        ), since)

    @_typed_failures
    def unreserve(self, usd: float) -> None:
        self._check_and_set(lambda total, reserved: max(0.0, reserved - usd), None)

    def _split(self, buckets: Mapping[Any, Any], since: float) -> tuple[float, list[Any]]:
        """The spend of buckets overlapping ``[since, ...)`` and the names of those before it."""
        total, expired = 0.0, []
        for name, usd in buckets.items():
            if (int(name) + 1) * self._resolution_s > since:
                total += float(usd)
            else:
                expired.append(name)
        return total, expired

    def _check_and_set(self, update: Callable[[float, float], float | None], since: float | None) -> bool:
        """Optimistic transaction: read spend and reservations, write the new reservation
        only if neither changed meanwhile (``WATCH``), retrying on contention."""
        from redis.exceptions import WatchError

        watched = (self._reserved,) if since is None else (self._spent, self._reserved)
        for _ in range(self._RETRIES):
            with self._client.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(*watched)
                    total = 0.0 if since is None else self._split(pipe.hgetall(self._spent), since)[0]
                    reserved = max(0.0, float(pipe.get(self._reserved) or 0.0))
                    new = update(total, reserved)
                    if new is None:
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    pipe.set(self._reserved, repr(float(new)), ex=self._ttl_s)
                    pipe.execute()
                    return True
                except WatchError:
                    continue
        raise StateStoreError(f"Redis key {self._reserved!r} changed {self._RETRIES} times in a row while updating it")


class RedisState(StateStore):
    """Named stores in one Redis database, shared by every process that uses the same namespace.

    ``client`` is a ``redis.Redis`` (or compatible) instance, or a ``redis://`` URL that is
    opened with the optional ``redis`` package (``pip install routed-llm[redis]``).
    """

    def __init__(
        self, client: Redis | str, *, namespace: str = "routed_llm", ttl_s: int = 86_400, resolution_s: float = 1.0
    ) -> None:
        if isinstance(client, str):
            try:
                import redis
            except ImportError as exc:
                raise ConfigurationError(
                    "store", "a Redis URL needs the redis package: pip install 'routed-llm[redis]'"
                ) from exc
            client = redis.Redis.from_url(client)
        if isinstance(ttl_s, bool) or not isinstance(ttl_s, int) or ttl_s < 1:
            raise ConfigurationError("ttl_s", f"must be an int >= 1 (seconds), got {ttl_s!r}")
        if isinstance(resolution_s, bool) or not isinstance(resolution_s, (int, float)) or not resolution_s > 0:
            raise ConfigurationError("resolution_s", f"must be a number > 0 (seconds), got {resolution_s!r}")
        self.client = client
        self.namespace = _check_name(namespace, "namespace")
        self.ttl_s = ttl_s
        self.resolution_s = float(resolution_s)

    def score_window(self, name: str) -> RedisScoreWindow:
        return RedisScoreWindow(self.client, f"{self.namespace}:{_check_name(name)}", self.ttl_s)

    def spend_ledger(self, name: str) -> RedisSpendLedger:
        return RedisSpendLedger(self.client, f"{self.namespace}:{_check_name(name)}", self.ttl_s, self.resolution_s)

    def __repr__(self) -> str:
        return f"RedisState(namespace={self.namespace!r}, ttl_s={self.ttl_s!r})"


def _check_name(name: str, field: str = "name") -> str:
    if not isinstance(name, str) or not name or any(c.isspace() for c in name):
        raise ConfigurationError(field, f"must be a non-empty string without spaces, got {name!r}")
    return name


def _floats(values: list[Any]) -> np.ndarray:
    return np.asarray([float(v) for v in values], dtype=np.float64)
