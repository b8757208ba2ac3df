"""A lease: one admitted model call, owed back to the policies exactly once.

Policies that admit calls hold something for each (a concurrency slot, a spend
reservation) until they see the call's outcome. Whatever ends the call (an answer, a
provider error, a cancelled task, a stream closed, abandoned or garbage-collected) must
hand it back, and handing it back twice would free a slot someone else holds. The lease
makes both true: every exit path may call :meth:`Lease.release`, and only the first call
reaches the policies.

Each policy gets back its own :class:`~routed_llm.routing.policy.Grant` (the role it
admitted, the amount it reserved), whatever later policies did with the call. A policy
whose release fails does not keep the others from theirs: a failed state store
(:class:`~routed_llm.errors.StateStoreError`) is logged as a WARNING, since by then the
call has happened and its answer (or its error) is what the caller needs; any other
exception is raised once every policy has been released.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from routed_llm.decision import ModelRole, RoutingDecision
from routed_llm.errors import StateStoreError
from routed_llm.routing.policy import CallOutcome, Grant, RoutingPolicy

__all__ = ["CANCELLED_STATUS", "FAILED_STATUS", "TIMEOUT_STATUS", "Lease", "outcome_status"]

logger = logging.getLogger("routed_llm.client")

FAILED_STATUS = 599
"""The status a failure without an HTTP status reports (timeout, connection, garbage)."""
CANCELLED_STATUS = 499
"""The status of a call its caller gave up on (cancelled task, closed or abandoned stream)."""
TIMEOUT_STATUS = 408
"""The status of a call that ran past its ``timeout`` (litellm's ``Timeout``)."""


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

    ``grants`` pairs each policy with what it granted the call; ``policy`` names the policy
    that redirected the call (``None`` when it goes where it was routed); ``fell_back`` says
    it is not the first model of the attempt order. Use it as a context manager to release
    it on any exit the body did not settle.
    """

    __slots__ = ("_grants", "_lock", "_released", "fell_back", "model", "policy", "role", "started")

    def __init__(
        self,
        grants: Sequence[tuple[RoutingPolicy, Grant]],
        model: str,
        role: ModelRole,
        *,
        policy: str | None = None,
        fell_back: bool = False,
    ) -> None:
        self._grants = tuple(grants)
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

    def cancel(self, *, cost: float | None = None) -> bool:
        """Release a call its caller stopped (a stream closed or dropped before its end);
        ``cost`` is what the provider bills for it, as far as it is known."""
        return self._give_back(cost, CANCELLED_STATUS, None)

    def _give_back(self, cost: float | None, status: int | None, latency_s: float | None) -> bool:
        with self._lock:
            if self._released:
                return False
            self._released = True
        latency = time.perf_counter() - self.started if latency_s is None else latency_s
        failures: list[Exception] = []
        for policy, granted in self._grants:
            try:
                policy.release(CallOutcome(self.role, cost, latency, status, granted))
            except StateStoreError as exc:
                logger.warning("%s could not settle a call to %s: %s", policy.name, self.model, exc)
            except Exception as exc:  # every policy is released first; then the first bug surfaces
                failures.append(exc)
        if failures:
            raise failures[0]
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
