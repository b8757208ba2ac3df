"""Scripted cases for the adapters' cascade tests (issue 25): where the cheap models agree and where not.

A :class:`~routed_llm.testing.FakeProvider` given :func:`cascade_reply` answers two
questions by model: on :data:`AGREED` the weak and the checker model reach the same number
(the weak answer should stand), on :data:`DISPUTED` they do not (the strong model should
answer). Everything else (tool calls, structured output, a tool result's answer) is left to
the fake's default replies, which are the same for every model, so the cheap models agree
on them too. The checks below read a decision's ``extra["cascade"]`` the same way for every
entry point (LangChain, LlamaIndex, a client in front of the LiteLLM Proxy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routed_llm.testing import FakeProvider, FakeReply, FakeScorer

__all__ = [
    "AGREED",
    "BAD_FIELDS",
    "CHECKER",
    "DISPUTED",
    "REPLIES",
    "STRONG",
    "VERDICTS",
    "WEAK",
    "cascade_reply",
    "cascade_settings",
    "check_calls",
    "check_failed_checker",
]

STRONG, WEAK, CHECKER = "openai/strong-model", "openai/weak-model", "openai/checker-model"

AGREED = "What is 6 times 7? The cheap models agree on this one."
DISPUTED = "What is 6 times 8? The cheap models disagree on this one."

REPLIES: Mapping[str, Mapping[str, str]] = {
    AGREED: {WEAK: "The answer is 42.", CHECKER: "42", STRONG: "6 times 7 is 42."},
    DISPUTED: {WEAK: "The answer is 46.", CHECKER: "It is 49.", STRONG: "6 times 8 is 48."},
}
"""Question -> litellm model string -> that model's answer."""

VERDICTS = [(AGREED, WEAK, False), (DISPUTED, STRONG, True)]
"""(question, the model whose answer stands, whether the cascade escalated)."""

BAD_FIELDS = [
    ({"mode": "cascde"}, r"mode: must be one of \('route', 'cascade', 'hybrid'\), got 'cascde'"),
    ({"checker": " "}, "checker: must be a litellm model string or None"),
    ({"verifier": "no-such-verifier"}, "verifier: unknown verifier 'no-such-verifier'"),
    ({"cascade_band": (0.9, 0.1)}, r"cascade_band: must be \(low, high\) shares"),
]
"""Cascade settings the configuration refuses, and the start of its message."""


def cascade_reply(body: Mapping[str, Any]) -> FakeReply | None:
    """The scripted answer when the request's last turn asks a scripted question without tools."""
    messages = list(body.get("messages") or [])
    if body.get("tools") or not messages or messages[-1].get("role") != "user":
        return None
    replies = REPLIES.get(str(messages[-1].get("content")))
    answer = None if replies is None else replies.get(f"openai/{body.get('model')}")
    return None if answer is None else FakeReply(content=answer)


def cascade_settings(provider: FakeProvider) -> dict[str, Any]:
    """An adapter's settings for a cascade against ``provider``; the router would keep every prompt weak."""
    return {"strong": STRONG, "weak": WEAK, "checker": CHECKER, "mode": "cascade", "scorer": FakeScorer(default=0.1),
            "threshold": 0.5, "api_base": provider.base_url, "api_key": "k", "max_retries": 0}


def check_calls(verdict: Mapping[str, Any], provider: FakeProvider, escalated: bool) -> None:
    """The calls ``verdict`` lists are the ones ``provider`` served: weak and checker, then strong if escalated."""
    served = sorted(f"openai/{model}" for model in provider.models_called())
    assert sorted(call["model"] for call in verdict["calls"]) == served
    assert served == sorted([WEAK, CHECKER, *([STRONG] if escalated else [])])


def check_failed_checker(verdict: Mapping[str, Any]) -> None:
    """A failed checker call is recorded, and the verifier had nothing to compare (the router decided)."""
    assert verdict["verifier_score"] is None and not verdict["escalated"]
    failed = [call for call in verdict["calls"] if call["error"] is not None]
    assert [(call["role"], call["model"]) for call in failed] == [("checker", CHECKER)]
