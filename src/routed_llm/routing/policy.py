"""Composable routing policies: move the cut-off or the choice as conditions change.

A policy sees each request twice. At routing time, :meth:`RoutingPolicy.pin` may send
a prompt to a fixed model whatever its score (an out-of-distribution guard), and :meth:`RoutingPolicy.adjust_threshold`
may move the threshold (an online calibrator tracking the live score distribution, a
budget raising the bar as spend grows). At call time, :meth:`RoutingPolicy.grant` (by
default :meth:`RoutingPolicy.admit`) may replace the chosen model (a concurrency cap or a
latency target degrading to the weak model while the strong one is saturated); every
admitted call is paired with one :meth:`RoutingPolicy.release` carrying its outcome and
*this policy's own* :class:`Grant`. Policies compose in order, and a later policy may move
a call again, so each policy's books rest on what it granted (the role it admitted, the
amount it reserved), never on where the call ended up. The decision records the last
policy that changed the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from routed_llm.decision import ModelRole

__all__ = ["CallOutcome", "CostEstimate", "Grant", "RoutingPolicy"]

CostEstimate = Callable[[ModelRole], "float | None"]
"""USD a call would cost in a role (``None``: unknown), as the caller estimates it before the call."""


@dataclass(frozen=True)
class Grant:
    """What one policy admitted for one call: the role it let through and the USD it holds for it."""

    role: ModelRole
    held: float = 0.0


@dataclass(frozen=True)
class CallOutcome:
    """What a finished (or failed) model call tells the policies."""

    role: ModelRole
    cost: float | None
    latency_s: float
    status: int | None = None
    """HTTP status of a failure (429 for rate limits), ``None`` on success."""
    granted: Grant | None = None
    """What the policy receiving this outcome granted the call (``None``: it admitted nothing)."""

    @property
    def ok(self) -> bool:
        return self.status is None

    @property
    def admitted(self) -> ModelRole | None:
        """The role the receiving policy admitted, which a later policy may have changed to ``role``."""
        return None if self.granted is None else self.granted.role


class RoutingPolicy:
    """Base class: every hook leaves the request as it is."""

    name: str = "policy"

    def pin(self, text: str) -> ModelRole | None:
        """Return a role this prompt must go to whatever its score, or ``None`` (route time)."""
        return None

    def adjust_threshold(self, threshold: float, score: float) -> float:
        """Return the threshold to use for a request with ``score`` (route time)."""
        return threshold

    def admit(self, role: ModelRole) -> ModelRole:
        """Return the role to call (call time): the hook of a policy that holds nothing per call."""
        return role

    def grant(self, role: ModelRole, estimate: CostEstimate) -> Grant:
        """Admit a call and say what this policy holds for it; the router calls this, and
        :meth:`release` later receives the same grant in ``outcome.granted``.

        ``estimate(role)`` is the caller's guess of the call's cost in a role. A policy that
        holds something per call (a spend reservation) overrides this; others override :meth:`admit`.
        """
        return Grant(self.admit(role))

    def release(self, outcome: CallOutcome) -> None:
        """Learn from a finished call: ``outcome.role`` is the role called, ``outcome.granted``
        what this policy granted it."""
