"""The record of one routing decision, carried by every response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

__all__ = ["ModelRole", "RoutingDecision"]

ModelRole = Literal["strong", "weak"]


@dataclass(frozen=True)
class RoutingDecision:
    """Why a request went to the model it went to, and what it cost.

    Immutable: the client makes a new one with :meth:`with_outcome` once the call's
    cost is known or a fallback happened, so a decision handed out is never changed
    behind its reader's back.
    """

    scorer: str
    """Name of the scorer that produced :attr:`score`."""
    score: float
    """The scorer's probability that the strong model is needed."""
    threshold: float
    """The cut-off in force for this call (score >= threshold means strong)."""
    model: str
    """The litellm model string that answered (after a fallback, the fallback model)."""
    role: ModelRole
    """Whether :attr:`model` is the strong or the weak model."""
    latency_ms: float
    """Time spent normalising the prompt, scoring and choosing, in milliseconds."""
    policy: str = "threshold"
    """The policy that made the choice (``threshold``, ``forced``, ...)."""
    routed_model: str | None = None
    """The model the router chose, when a fallback replaced it; ``None`` otherwise."""
    cost: float | None = None
    """USD cost of the call from the price map, ``None`` while unknown or unpriced."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Policy-specific details (for example every candidate's predicted quality)."""

    @property
    def router(self) -> str:
        """The scorer's name, under the field's former name (kept for compatibility)."""
        return self.scorer

    @property
    def fallback(self) -> bool:
        """Whether the answering model differs from the one the router chose."""
        return self.routed_model is not None

    def with_outcome(self, **changes: Any) -> RoutingDecision:
        """A copy with call-time fields (``cost``, ``model``, ``role``, ``routed_model``) set.

        Every answered call makes one, so the copy is a plain attribute copy rather than
        ``dataclasses.replace``, which re-runs ``__init__`` at several times the cost; the
        fields are all immutable, so nothing is shared that could change.
        """
        unknown = changes.keys() - _FIELD_NAMES
        if unknown:
            raise TypeError(f"RoutingDecision has no field(s) {sorted(unknown)}")
        copy = object.__new__(RoutingDecision)
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view, as framework integrations put in their metadata.

        Built field by field rather than with ``dataclasses.asdict``, whose recursive deep
        copy costs several times more on every response and is not needed: the other
        fields are immutable scalars and ``extra`` is copied here.
        """
        data = dict(vars(self))  # the fields: a plain frozen dataclass keeps nothing else there
        data["extra"] = dict(self.extra)
        data["fallback"] = self.fallback
        data["router"] = self.scorer  # the key's former name, kept for readers of older metadata
        return data


_FIELD_NAMES: tuple[str, ...] = tuple(item.name for item in fields(RoutingDecision))

