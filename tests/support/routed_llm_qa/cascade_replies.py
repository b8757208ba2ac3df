"""Scripted answers for the adapters' cascade tests (issue 25): where the cheap models agree and where not.

A :class:`~routed_llm.testing.FakeProvider` given :func:`cascade_reply` answers two
questions by model: on :data:`AGREED` the weak and the checker model reach the same number
(the weak answer should stand), on :data:`DISPUTED` they do not (the strong model should
answer). Everything else (tool calls, structured output, a tool result's answer) is left to
the fake's default replies, which are the same for every model, so the cheap models agree
on them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routed_llm.testing import FakeReply

__all__ = ["AGREED", "CHECKER", "DISPUTED", "REPLIES", "STRONG", "WEAK", "cascade_reply"]

STRONG, WEAK, CHECKER = "openai/strong-model", "openai/weak-model", "openai/checker-model"

AGREED = "What is 6 times 7? The cheap models agree on this one."
DISPUTED = "What is 6 times 8? The cheap models disagree on this one."

REPLIES: Mapping[str, Mapping[str, str]] = {
    AGREED: {WEAK: "The answer is 42.", CHECKER: "42", STRONG: "6 times 7 is 42."},
    DISPUTED: {WEAK: "The answer is 46.", CHECKER: "It is 49.", STRONG: "6 times 8 is 48."},
}
"""Question -> litellm model string -> that model's answer."""


def cascade_reply(body: Mapping[str, Any]) -> FakeReply | None:
    """The scripted answer when the request's last turn asks a scripted question without tools."""
    messages = list(body.get("messages") or [])
    if body.get("tools") or not messages or messages[-1].get("role") != "user":
        return None
    replies = REPLIES.get(str(messages[-1].get("content")))
    answer = None if replies is None else replies.get(f"openai/{body.get('model')}")
    return None if answer is None else FakeReply(content=answer)
