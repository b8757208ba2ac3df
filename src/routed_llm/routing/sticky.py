"""The sticky tool-loop rule: a tool result is answered by the model that asked for the tool.

Models write tool calls in formats of their own; another model may not read the first
one's calls, so within a tool loop the client keeps the model that issued them. The
framework adapters translate their messages into :class:`Turn` (what the rule reads) and
pass them with the call (``sticky=``); the client applies the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["STICKY_POLICY", "Turn", "sticky_target"]

STICKY_POLICY = "sticky"
"""Policy recorded when a tool result is answered by the model that asked for the tool
(a user's pin records ``forced``)."""


@dataclass(frozen=True)
class Turn:
    """The little of a framework message the sticky rule reads.

    ``call_ids``: for an assistant turn, the tool calls it issued; for a tool turn, the
    call it answers. ``routing``: the decision an assistant turn carries, if any.
    """

    role: str
    call_ids: tuple[str, ...] = ()
    routing: Mapping[str, Any] | None = None


def sticky_target(turns: Sequence[Turn], *, by_model: bool) -> str | None:
    """The model that must read the tool results ``turns`` end with, or ``None``.

    The rule: when the history ends with tool results, the assistant turn just before
    them issued the calls; if it carries a routing decision (and, where both sides name
    call ids, issued one of the calls answered), its model answers next. The role is
    returned between two models, the model string among N (``by_model``), where a role
    names no single model.
    """
    if not turns or turns[-1].role != "tool":
        return None
    answered: set[str] = set()
    index = len(turns) - 1
    while index >= 0 and turns[index].role == "tool":
        answered.update(turns[index].call_ids)
        index -= 1
    if index < 0 or turns[index].role != "assistant":
        return None
    issuer = turns[index]
    if answered and issuer.call_ids and answered.isdisjoint(issuer.call_ids):
        return None
    routing = issuer.routing or {}
    target = routing.get("model") if by_model else routing.get("role")
    if by_model:
        return target if isinstance(target, str) else None
    return target if target in ("strong", "weak") else None
