"""The fault matrix: every provider fault, against either model, through every call kind.

One cell injects one fault (:data:`FAULTS`) into the model the router chose (``strong`` or
``weak``), calls through ``sync``/``async``/``stream``/``astream`` with the fallback on or
off, and reports what the caller saw (:class:`CellOutcome`). ``tests/reliability`` checks
every cell against :func:`expected`; ``benchmarks/fault_matrix.py`` prints the table.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from routed_llm.client import RoutedClient
from routed_llm.decision import ModelRole
from routed_llm.errors import ProviderError
from routed_llm.testing.fake_provider import FakeProvider
from routed_llm.testing.fake_scorer import FakeScorer

__all__ = ["FAULTS", "MODES", "CellOutcome", "cells", "expected", "run_cell"]

Mode = Literal["sync", "async", "stream", "astream"]
MODES: tuple[Mode, ...] = ("sync", "async", "stream", "astream")
TIMEOUT_S = 0.5
FAULTS: Mapping[str, Mapping[str, Any]] = {
    "500": {"status": 500},
    "429": {"status": 429, "error_message": "slow down"},
    "timeout": {"status": 200, "delay_s": 3 * TIMEOUT_S},
    "garbage": {"status": 200, "garbage": True},
    "break-before-content": {"status": 200, "content": "one two three four", "fail_after_chunks": 0},
    "mid-stream-break": {"status": 200, "content": "one two three four", "fail_after_chunks": 2},
}
"""Each fault as :meth:`FakeProvider.fail_next` injects it. The breaks drop a streamed
connection (before any content, or after two words); a non-streamed call is answered whole."""
_PROMPT = [{"role": "user", "content": "fault matrix"}]


@dataclass(frozen=True)
class CellOutcome:
    """What the caller saw: the role that answered (and whether it was a fallback), or the error."""

    answered_by: ModelRole | None
    fell_back: bool = False
    error: str | None = None
    partial: bool = False
    """Whether part of an answer had been streamed before the error."""

    def __str__(self) -> str:
        if self.error is not None:
            return f"{self.error}{' after partial answer' if self.partial else ''}"
        return f"{self.answered_by}{' (fallback)' if self.fell_back else ''}"


def cells() -> Iterator[tuple[str, ModelRole, Mode, bool]]:
    """Every (fault, chosen role, call kind, fallback) combination."""
    roles: tuple[ModelRole, ModelRole] = ("strong", "weak")
    return itertools.product(FAULTS, roles, MODES, (True, False))


def expected(fault: str, role: ModelRole, mode: Mode, fallback: bool) -> CellOutcome:
    """The guaranteed outcome of a cell."""
    other: ModelRole = "weak" if role == "strong" else "strong"
    streamed = mode in ("stream", "astream")
    if fault == "mid-stream-break":
        return CellOutcome(None, error="ProviderError", partial=True) if streamed else CellOutcome(role)
    if fault == "break-before-content" and not streamed:
        return CellOutcome(role)
    return CellOutcome(other, fell_back=True) if fallback else CellOutcome(None, error="ProviderError")


def run_cell(provider: FakeProvider, fault: str, role: ModelRole, mode: Mode, fallback: bool) -> CellOutcome:
    """Inject ``fault`` into the ``role`` model, make one call, and report what came back."""
    provider.clear()
    client = RoutedClient(
        "openai/strong", "openai/weak", scorer=FakeScorer(default=0.9 if role == "strong" else 0.1), threshold=0.5,
        fallback=fallback, api_base=provider.base_url, api_key="fake-key", num_retries=0, timeout=TIMEOUT_S,
    )
    provider.fail_next(role, **FAULTS[fault])
    received: list[str] = []
    try:
        if mode in ("sync", "async"):
            reply = client.complete(_PROMPT) if mode == "sync" else asyncio.run(client.acomplete(_PROMPT))
            decision = reply.decision
        elif mode == "stream":
            stream = client.stream(_PROMPT)
            received.extend(_text(chunk) for chunk in stream)
            decision = stream.decision
        else:
            decision = asyncio.run(_astream(client, received))
    except ProviderError:
        return CellOutcome(None, error="ProviderError", partial=any(received))
    return CellOutcome(decision.role, fell_back=decision.fallback)


async def _astream(client: RoutedClient, received: list[str]) -> Any:
    stream = await client.astream(_PROMPT)
    async for chunk in stream:
        received.append(_text(chunk))
    return stream.decision


def _text(chunk: Any) -> str:
    return "".join(choice.delta.content or "" for choice in chunk.choices or ())
