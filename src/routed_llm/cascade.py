"""The cascade's orchestration: the weak answer and the checks run together, a verifier decides.

Written against small call callables, so the client wires it (with its tickets, ledger,
fallback and streams) without this module knowing litellm: each callable makes one call
and returns a :class:`CallResult`, or raises. The weak call and the checker calls run
concurrently (threads for sync callables, tasks for async ones); a self-check, which needs
the weak answer, runs after it. A failed checker only takes its evidence away (the
verifier may then abstain and the prompt router decide); a failed weak call escalates when
``fallback`` allows, else its error propagates; a failed strong call after a weak answer
falls back to that answer when ``fallback`` allows, else (and when there is no weak answer)
its error propagates. A strong callable may decline (return ``None``: a policy kept the
request on the cheap model); the weak answer then stands.
Cancelling an async cascade cancels every call still running, so each releases what it
holds.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from routed_llm.errors import ConfigurationError
from routed_llm.verifiers.base import BaseVerifier, Evidence, Reply

__all__ = ["CallRecord", "CallResult", "CascadeDeclinedError", "CascadeExecutor", "CascadeOutcome", "EscalationCut"]

CallRole = Literal["weak", "checker", "self_check", "strong"]


class CascadeDeclinedError(Exception):
    """The weak call failed and a policy declined the strong one: nothing answered."""

    status_code = 503


@dataclass(frozen=True)
class CallResult:
    """One answered call: the reply to judge, the object the user gets if it stands, its cost."""

    reply: Reply
    response: Any = None
    cost: float | None = None
    logprobs: Sequence[float] | None = None


@dataclass(frozen=True)
class CallRecord:
    """A call the cascade made, for ``decision.extra``: who, what it cost, how long, how it ended."""

    role: CallRole
    model: str | None
    cost: float | None
    latency_ms: float
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "model": self.model, "cost": self.cost, "latency_ms": self.latency_ms,
                "error": self.error}


@dataclass(frozen=True)
class CascadeOutcome:
    """The answer the user receives and how the cascade reached it."""

    result: CallResult
    escalated: bool
    verifier: str
    score: float | None
    """The verifier's escalation score; ``None`` when it abstained (the router decided)."""
    calls: tuple[CallRecord, ...] = field(default_factory=tuple)
    kept: Literal["declined", "fallback"] | None = None
    """Why the weak answer stands although the verdict escalated: the strong call was declined
    (a policy) or failed (``fallback``); ``None`` otherwise."""

    @property
    def cost(self) -> float | None:
        """Every call's cost together (failed calls cost nothing); ``None`` if one is unpriced."""
        costs = [call.cost for call in self.calls if call.error is None]
        return None if any(cost is None for cost in costs) else float(sum(costs))  # type: ignore[arg-type]

    def extra(self) -> dict[str, Any]:
        """What ``decision.extra`` carries for a cascade (``decision.policy == "cascade"``)."""
        extra = {"escalated": self.escalated, "verifier": self.verifier, "verifier_score": self.score,
                 "calls": [call.to_dict() for call in self.calls]}
        if self.kept is not None:
            extra["kept"] = self.kept
        return extra


SyncCall = Callable[[], CallResult]
AsyncCall = Callable[[], Awaitable[CallResult]]
StrongCall = Callable[[], "CallResult | None"]
AsyncStrongCall = Callable[[], Awaitable["CallResult | None"]]
Verdict = Callable[[float | None], bool]
"""A caller's own rule: (the verifier's score, ``None`` when it abstained) -> escalate?"""


class CascadeExecutor:
    """Run one cascaded request: weak (+ checkers) -> verdict -> the weak answer or the strong one.

    ``threshold``: escalate when the verifier's score is >= it (0.5: exactly the answers the
    verifier rejects). Where the verifier abstains, the prompt router's score against its
    threshold decides, as routing would have. ``fallback``: a failed weak call escalates.
    """

    def __init__(self, verifier: BaseVerifier, *, threshold: float = 0.5, fallback: bool = True) -> None:
        if not isinstance(threshold, (int, float)) or not 0.0 <= threshold <= 1.0:
            raise ConfigurationError("cascade.threshold", f"must be in [0, 1], got {threshold!r}")
        self.verifier = verifier
        self.threshold = threshold
        self.fallback = fallback

    # -- sync ---------------------------------------------------------------------------
    def run(
        self,
        prompt: str,
        weak: SyncCall,
        strong: StrongCall,
        checkers: Sequence[SyncCall] = (),
        *,
        self_check: Callable[[CallResult], CallResult] | None = None,
        router_score: float,
        router_threshold: float,
        models: Mapping[CallRole, str] | None = None,
        verdict: Verdict | None = None,
    ) -> CascadeOutcome:
        """The sync cascade; ``models`` names each role's model in the call records;
        ``verdict`` replaces the threshold rule (a strong share's cut)."""
        ledger = _Calls(models or {})
        wanted = checkers if "others" in self.verifier.needs else ()
        with ThreadPoolExecutor(max_workers=1 + len(wanted)) as pool:
            futures: list[Future[CallResult | None]] = [pool.submit(ledger.optional, "checker", call) for call in wanted]
            try:
                cheap = ledger.optional("weak", weak) if self.fallback else ledger.timed("weak", weak)
            finally:
                others = [future.result() for future in futures]
        if cheap is None:
            return self._escalated(ledger, ledger.timed("strong", strong), None, None)
        judged = None
        if self_check is not None and "self_check" in self.verifier.needs:
            judged = ledger.optional("self_check", lambda: self_check(cheap))
        score, escalate = self._verdict(prompt, cheap, others, judged, router_score, router_threshold, verdict)
        if not escalate:
            return self._outcome(ledger, cheap, False, score)
        try:
            answer = ledger.timed("strong", strong)
        except Exception:
            if not self.fallback:
                raise
            return self._outcome(ledger, cheap, False, score, kept="fallback")
        return self._escalated(ledger, answer, cheap, score)

    # -- async --------------------------------------------------------------------------
    async def arun(
        self,
        prompt: str,
        weak: AsyncCall,
        strong: AsyncStrongCall,
        checkers: Sequence[AsyncCall] = (),
        *,
        self_check: Callable[[CallResult], Awaitable[CallResult]] | None = None,
        router_score: float,
        router_threshold: float,
        models: Mapping[CallRole, str] | None = None,
        verdict: Verdict | None = None,
    ) -> CascadeOutcome:
        """:meth:`run` for async callables; cancelling it cancels the calls still running."""
        ledger = _Calls(models or {})
        wanted = checkers if "others" in self.verifier.needs else ()
        tasks = [asyncio.ensure_future(ledger.aoptional("checker", call)) for call in wanted]
        try:
            cheap = await (ledger.aoptional("weak", weak) if self.fallback else ledger.atimed("weak", weak))
            others = list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        if cheap is None:
            return self._escalated(ledger, await ledger.atimed("strong", strong), None, None)
        judged = None
        if self_check is not None and "self_check" in self.verifier.needs:
            judged = await ledger.aoptional("self_check", lambda: self_check(cheap))
        score, escalate = self._verdict(prompt, cheap, others, judged, router_score, router_threshold, verdict)
        if not escalate:
            return self._outcome(ledger, cheap, False, score)
        try:
            answer = await ledger.atimed("strong", strong)
        except Exception:
            if not self.fallback:
                raise
            return self._outcome(ledger, cheap, False, score, kept="fallback")
        return self._escalated(ledger, answer, cheap, score)

    # -- shared -------------------------------------------------------------------------
    def _verdict(self, prompt: str, cheap: CallResult, others: Sequence[CallResult | None],
                 judged: CallResult | None, router_score: float, router_threshold: float,
                 verdict: Verdict | None) -> tuple[float | None, bool]:
        evidence = Evidence(prompt, cheap.reply, tuple(other.reply for other in others if other is not None),
                            logprobs=cheap.logprobs, self_check=None if judged is None else judged.reply.content)
        score = self.verifier.verify(evidence)
        if verdict is not None:
            return score, verdict(score)
        if score is None:
            return None, router_score >= router_threshold
        return score, score >= self.threshold

    def _escalated(self, ledger: _Calls, answer: CallResult | None, cheap: CallResult | None,
                   score: float | None) -> CascadeOutcome:
        """The strong answer, or the cheap one when the strong call was declined."""
        if answer is not None:
            return self._outcome(ledger, answer, True, score)
        if cheap is None:
            raise CascadeDeclinedError("the strong call was declined and the weak call had failed: no answer")
        return self._outcome(ledger, cheap, False, score, kept="declined")

    def _outcome(self, ledger: _Calls, result: CallResult, escalated: bool, score: float | None,
                 kept: Literal["declined", "fallback"] | None = None) -> CascadeOutcome:
        return CascadeOutcome(result, escalated, self.verifier.name, score, tuple(ledger.records), kept)


class _Calls:
    """Times each call and keeps its record (a failed call's record names its error type only)."""

    def __init__(self, models: Mapping[CallRole, str]) -> None:
        self._models = models
        self.records: list[CallRecord] = []

    def timed(self, role: CallRole, call: Callable[[], Any]) -> Any:
        """The call's result, recorded (a declined call, ``None``, leaves no record)."""
        started = time.perf_counter()
        try:
            result = call()
        except Exception as exc:
            self._failed(role, started, exc)
            raise
        if result is not None:
            self._answered(role, started, result)
        return result

    def optional(self, role: CallRole, call: SyncCall) -> CallResult | None:
        """:meth:`timed`, with a failure recorded and answered by ``None``."""
        try:
            return self.timed(role, call)
        except Exception:
            return None

    async def atimed(self, role: CallRole, call: Callable[[], Awaitable[Any]]) -> Any:
        started = time.perf_counter()
        try:
            result = await call()
        except Exception as exc:
            self._failed(role, started, exc)
            raise
        if result is not None:
            self._answered(role, started, result)
        return result

    async def aoptional(self, role: CallRole, call: AsyncCall) -> CallResult | None:
        try:
            return await self.atimed(role, call)
        except Exception:
            return None

    def _answered(self, role: CallRole, started: float, result: CallResult) -> None:
        model = result.reply.model or self._models.get(role)
        self.records.append(CallRecord(role, model, result.cost, (time.perf_counter() - started) * 1000))

    def _failed(self, role: CallRole, started: float, error: Exception) -> None:
        self.records.append(CallRecord(role, self._models.get(role), None, (time.perf_counter() - started) * 1000,
                                       type(error).__name__))


class EscalationCut:
    """``strong_share=`` for a cascade: escalate the requests whose combined score is in the top
    ``share`` of the last ``window`` requests'.

    The combined score is the verifier's escalation score plus ``1e-3`` times the prompt
    router's (the router's score alone where the verifier abstained), so a binary verdict is
    ranked by the router within each verdict. A request escalates when fewer than ``share`` of
    the window (itself included) scored above it: an online quantile, so the share of traffic
    that ends with the strong model follows ``share`` on any mix once the window has filled
    (``benchmarks/cascade.py`` measures what it delivers). Requests tied at the cut (a router
    that gives many prompts one score) escalate with the probability that fills the share, so
    a tie does not send the whole tied group one way. Like any online quantile it follows the
    traffic it has seen: a mix that drifts (a batch of one task, then another) overshoots until
    the window has turned over. Thread-safe; one per client.
    """

    def __init__(self, window: int = 1000, seed: int = 0) -> None:
        self.window = window
        self._scores: deque[float] = deque(maxlen=window)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @staticmethod
    def combined(score: float | None, router_score: float) -> float:
        return router_score if score is None else score + 1e-3 * router_score

    def escalate(self, combined: float, share: float) -> bool:
        with self._lock:
            self._scores.append(combined)
            above = sum(1 for seen in self._scores if seen > combined)
            tied = sum(1 for seen in self._scores if seen == combined)
            room = share * len(self._scores) - above
            return room >= tied or (room > 0 and self._random.random() < room / tied)
