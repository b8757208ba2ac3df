"""Composable routing policies: move the cut-off or the choice as conditions change.

A policy sees each request twice. At routing time, :meth:`RoutingPolicy.pin` may send
a prompt to a fixed model whatever its score (an out-of-distribution guard), and :meth:`RoutingPolicy.adjust_threshold`
may move the threshold (an online calibrator tracking the live score distribution, a
budget raising the bar as spend grows). At call time, :meth:`RoutingPolicy.admit` may
replace the chosen model (a concurrency cap or a latency target degrading to the weak
model while the strong one is saturated); every admitted call is paired with one
:meth:`RoutingPolicy.release` carrying its outcome. Policies compose in order, and the
decision records the last one that changed the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from routed_llm.decision import ModelRole

__all__ = ["CallOutcome", "RoutingPolicy"]


@dataclass(frozen=True)
class CallOutcome:
    """What a finished (or failed) model call tells the policies."""

    role: ModelRole
    cost: float | None
    latency_s: float
    status: int | None = None
    """HTTP status of a failure (429 for rate limits), ``None`` on success."""

    @property
    def ok(self) -> bool:
        return self.status is None


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
        """Return the role to call (call time); the caller will :meth:`release` it."""
        return role

    def release(self, outcome: CallOutcome) -> None:
        """Learn from a finished call admitted by :meth:`admit`."""
