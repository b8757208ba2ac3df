"""The cascade executor against plain call callables: concurrency, verdicts, faults, cancellation."""

from __future__ import annotations

import asyncio
import threading

import pytest

from routed_llm.cascade import CallResult, CascadeExecutor, EscalationCut
from routed_llm.errors import ConfigurationError
from routed_llm.verifiers import Reply
from routed_llm.verifiers.agreement import AgreementVerifier
from routed_llm.verifiers.self_check import SelfCheckVerifier

PROMPT = "Which is a mammal?\nA) trout\nB) whale\nAnswer:"
ROUTER = {"router_score": 0.2, "router_threshold": 0.5}


def _result(text: str, model: str, cost: float) -> CallResult:
    return CallResult(Reply(text, model=model), response=f"response of {model}", cost=cost)


def _fails() -> CallResult:
    raise ConnectionError("provider down")


def test_the_weak_answer_stands_when_the_checker_agrees_and_every_call_is_recorded() -> None:
    outcome = CascadeExecutor(AgreementVerifier()).run(
        PROMPT, lambda: _result("B", "weak", 0.001), lambda: _result("B", "strong", 0.05),
        [lambda: _result("The answer is B.", "checker", 0.002)], **ROUTER)
    assert (outcome.escalated, outcome.result.response, outcome.score) == (False, "response of weak", 0.0)
    assert sorted(call.role for call in outcome.calls) == ["checker", "weak"]
    assert outcome.cost == pytest.approx(0.003)
    extra = outcome.extra()
    assert extra["verifier"] == "agreement" and extra["escalated"] is False and extra["verifier_score"] == 0.0
    assert {call["model"] for call in extra["calls"]} == {"weak", "checker"}


def test_a_disagreement_escalates_and_the_strong_answer_is_returned() -> None:
    outcome = CascadeExecutor(AgreementVerifier()).run(
        PROMPT, lambda: _result("A", "weak", 0.001), lambda: _result("B", "strong", 0.05),
        [lambda: _result("B", "checker", 0.002)], **ROUTER)
    assert outcome.escalated and outcome.result.response == "response of strong" and outcome.score == 1.0
    assert outcome.cost == pytest.approx(0.053)
    assert [call.role for call in outcome.calls][-1] == "strong"


def test_weak_and_checker_calls_run_concurrently() -> None:
    both_running = threading.Barrier(2, timeout=5)

    def weak() -> CallResult:
        both_running.wait()
        return _result("B", "weak", 0.0)

    def checker() -> CallResult:
        both_running.wait()
        return _result("B", "checker", 0.0)

    outcome = CascadeExecutor(AgreementVerifier()).run(PROMPT, weak, lambda: _result("B", "s", 0.0), [checker], **ROUTER)
    assert not outcome.escalated  # a sequential run would break the barrier


def test_a_failed_checker_leaves_the_decision_to_the_prompt_router() -> None:
    executor = CascadeExecutor(AgreementVerifier())
    for router_score, escalated in ((0.2, False), (0.8, True)):
        outcome = executor.run(PROMPT, lambda: _result("A", "weak", 0.001), lambda: _result("B", "strong", 0.05),
                               [_fails], router_score=router_score, router_threshold=0.5,
                               models={"checker": "groq/checker"})
        assert outcome.escalated is escalated and outcome.score is None
        failed = [call for call in outcome.calls if call.error is not None]
        assert [(c.role, c.model, c.error) for c in failed] == [("checker", "groq/checker", "ConnectionError")]


def test_a_failed_weak_call_falls_back_to_the_strong_model_or_raises() -> None:
    outcome = CascadeExecutor(AgreementVerifier()).run(
        PROMPT, _fails, lambda: _result("B", "strong", 0.05), [lambda: _result("B", "checker", 0.002)], **ROUTER)
    assert outcome.escalated and outcome.result.response == "response of strong" and outcome.score is None
    assert outcome.cost == pytest.approx(0.052)  # the checker call was paid for; the failed one costs nothing
    with pytest.raises(ConnectionError):
        CascadeExecutor(AgreementVerifier(), fallback=False).run(
            PROMPT, _fails, lambda: _result("B", "strong", 0.05), [lambda: _result("B", "c", 0.0)], **ROUTER)


def test_a_failed_strong_call_propagates_without_fallback_and_keeps_the_weak_answer_with_it() -> None:
    with pytest.raises(ConnectionError):
        CascadeExecutor(AgreementVerifier(), fallback=False).run(
            PROMPT, lambda: _result("A", "weak", 0.0), _fails, [lambda: _result("B", "c", 0.0)], **ROUTER)
    outcome = CascadeExecutor(AgreementVerifier()).run(
        PROMPT, lambda: _result("A", "weak", 0.0), _fails, [lambda: _result("B", "c", 0.0)], **ROUTER)
    assert (outcome.escalated, outcome.kept, outcome.result.reply.content) == (False, "fallback", "A")
    assert outcome.calls[-1].error == "ConnectionError"


def test_a_declined_strong_call_keeps_the_weak_answer_and_a_verdict_rule_replaces_the_threshold() -> None:
    outcome = CascadeExecutor(AgreementVerifier()).run(
        PROMPT, lambda: _result("A", "weak", 0.0), lambda: None, [lambda: _result("B", "c", 0.0)], **ROUTER)
    assert (outcome.escalated, outcome.kept, outcome.extra()["kept"]) == (False, "declined", "declined")
    seen: list[float | None] = []
    outcome = CascadeExecutor(AgreementVerifier()).run(
        PROMPT, lambda: _result("B", "weak", 0.0), lambda: _result("B", "strong", 0.0),
        [lambda: _result("B", "c", 0.0)], **ROUTER, verdict=lambda score: seen.append(score) is None)
    assert outcome.escalated and seen == [0.0]


def test_the_escalation_cut_escalates_the_top_share_of_its_window() -> None:
    cut = EscalationCut(window=100)
    combined = [cut.combined(float(i % 4 == 0), i / 100) for i in range(100)]
    decisions = [cut.escalate(score, 0.25) for score in combined]
    assert sum(decisions[50:]) == pytest.approx(12.5, abs=2)  # the rejected quarter, once warm
    assert cut.combined(None, 0.7) == 0.7
    tied = EscalationCut(window=400)
    shares = [tied.escalate(0.5, 0.3) for _ in range(400)]
    assert sum(shares[100:]) / 300 == pytest.approx(0.3, abs=0.08)  # one score for all: the share, not all


def test_checkers_are_not_called_for_a_verifier_that_does_not_use_them() -> None:
    called: list[str] = []

    def checker() -> CallResult:
        called.append("checker")
        return _result("B", "c", 0.0)

    outcome = CascadeExecutor(SelfCheckVerifier()).run(
        PROMPT, lambda: _result("B", "weak", 0.001), lambda: _result("B", "strong", 0.05), [checker],
        self_check=lambda cheap: _result("0.2" if cheap.reply.content == "B" else "1", "weak", 0.0005), **ROUTER)
    assert called == [] and outcome.escalated and outcome.score == pytest.approx(0.8)
    assert [call.role for call in outcome.calls] == ["weak", "self_check", "strong"]


def test_async_cascade_runs_the_same_way() -> None:
    async def answer(text: str, model: str) -> CallResult:
        await asyncio.sleep(0)
        return _result(text, model, 0.001)

    outcome = asyncio.run(CascadeExecutor(AgreementVerifier()).arun(
        PROMPT, lambda: answer("A", "weak"), lambda: answer("B", "strong"), [lambda: answer("B", "checker")], **ROUTER))
    assert outcome.escalated and outcome.result.reply.model == "strong"


def test_cancelling_during_the_checker_call_cancels_it() -> None:
    checker_started, checker_cancelled = asyncio.Event(), []

    async def weak() -> CallResult:
        return _result("B", "weak", 0.001)

    async def checker() -> CallResult:
        checker_started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            checker_cancelled.append(True)
            raise
        return _result("B", "checker", 0.0)

    async def scenario() -> None:
        run = asyncio.ensure_future(CascadeExecutor(AgreementVerifier()).arun(
            PROMPT, weak, weak, [checker], **ROUTER))
        await checker_started.wait()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    asyncio.run(scenario())
    assert checker_cancelled == [True]


def test_a_bad_threshold_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match="cascade.threshold"):
        CascadeExecutor(AgreementVerifier(), threshold=1.5)
