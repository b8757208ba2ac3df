"""A lease: one admitted model call, owed back to the policies exactly once.

Policies that admit calls hold something for each (a concurrency slot, a spend
reservation) until they see the call's outcome. Whatever ends the call (an answer, a
provider error, a cancelled task, a stream closed, abandoned or garbage-collected) must
hand it back, and handing it back twice would free a slot someone else holds. The lease
makes both true: every exit path may call :meth:`Lease.release`, and only the first call
reaches the policies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from routed_llm.decision import ModelRole, RoutingDecision
from routed_llm.routing.policy import CallOutcome, RoutingPolicy

__all__ = ["CANCELLED_STATUS", "FAILED_STATUS", "Lease", "outcome_status"]

FAILED_STATUS = 599
"""The status a failure without an HTTP status reports (timeout, connection, garbage)."""
CANCELLED_STATUS = 499
"""The status of a call its caller gave up on (cancelled task, closed or abandoned stream)."""


def outcome_status(error: BaseException | None) -> int | None:
    """The status the policies see for a call that ended with ``error`` (``None``: it answered)."""
    if error is None:
        return None
    if not isinstance(error, Exception):  # CancelledError, GeneratorExit, KeyboardInterrupt
        return CANCELLED_STATUS
    status = getattr(error, "status_code", None)
    return status if isinstance(status, int) and not isinstance(status, bool) else FAILED_STATUS


class Lease:
    """One call admitted by the policies: which model, in which role, and who changed it.

    ``policy`` names the policy that redirected the call (``None`` when it goes where it
    was routed); ``fell_back`` says it is not the first model of the attempt order. Use it
    as a context manager to release it on any exit the body did not settle.
    """

    __slots__ = ("_lock", "_policies", "_released", "fell_back", "model", "policy", "role", "started")

    def __init__(
        self,
        policies: Sequence[RoutingPolicy],
        model: str,
        role: ModelRole,
        *,
        policy: str | None = None,
        fell_back: bool = False,
    ) -> None:
        self._policies = tuple(policies)
        self.model = model
        self.role: ModelRole = role
        self.policy = policy
        self.fell_back = fell_back
        self.started = time.perf_counter()
        self._released = False
        self._lock = threading.Lock()

    @property
    def released(self) -> bool:
        return self._released

    def release(
        self, *, cost: float | None = None, error: BaseException | None = None, latency_s: float | None = None
    ) -> bool:
        """Tell the policies how the call ended; ``False`` (and nothing told) when already released."""
        return self._give_back(cost, outcome_status(error), latency_s)

    def cancel(self) -> bool:
        """Release a call its caller stopped (a stream closed or dropped before its end)."""
        return self._give_back(None, CANCELLED_STATUS, None)

    def _give_back(self, cost: float | None, status: int | None, latency_s: float | None) -> bool:
        with self._lock:
            if self._released:
                return False
            self._released = True
        if self._policies:
            latency = time.perf_counter() - self.started if latency_s is None else latency_s
            outcome = CallOutcome(self.role, cost, latency, status)
            for policy in self._policies:
                policy.release(outcome)
        return True

    def skip(self) -> None:
        """Release an admission that will not be called (its model was already tried)."""
        self.release(latency_s=0.0)

    def applied_to(self, decision: RoutingDecision) -> RoutingDecision:
        """``decision`` as this call changes it: the model that answers, the policy that moved it."""
        changes: dict[str, Any] = {}
        if self.role != decision.role or self.model != decision.model:
            changes.update(model=self.model, role=self.role)
        if self.policy is not None:
            changes["policy"] = self.policy
        if self.fell_back:
            changes["routed_model"] = decision.model
        return decision.with_outcome(**changes) if changes else decision

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.release(error=error)

    def __repr__(self) -> str:
        state = "released" if self._released else "held"
        return f"Lease(model={self.model!r}, role={self.role!r}, policy={self.policy!r}, {state})"
