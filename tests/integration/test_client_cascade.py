"""The cascade mode through the real client (litellm against the loopback fake provider).

Weak model ``openai/small``, strong ``openai/big``, checker ``openai/check``. The prompt is a
multiple-choice question; the weak model answers ``A`` unless told otherwise, so a checker
answering ``A`` agrees (the weak answer stands) and one answering ``B`` disagrees (escalation).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from routed_llm import RoutedClient
from routed_llm.errors import ConfigurationError, ProviderError
from routed_llm.pricing import ModelPrice
from routed_llm.routing import SpendBudget
from routed_llm.routing.policy import CallOutcome, Grant, RoutingPolicy
from routed_llm.testing import FakeProvider, FakeReply
from routed_llm.testing.fake_scorer import FakeScorer

PROMPT = "Which is a mammal?\nA) trout\nB) whale\nAnswer:"
PRICES = {"openai/big": ModelPrice(1e-5, 3e-5), "openai/small": ModelPrice(1e-7, 1e-7),
          "openai/check": ModelPrice(2e-7, 2e-7)}


class Books(RoutingPolicy):
    """Counts what it admits and what comes back, per model role and call."""

    name = "books"

    def __init__(self) -> None:
        self.granted = 0
        self.released: list[CallOutcome] = []
        self._lock = threading.Lock()

    def grant(self, role: Any, estimate: Any) -> Grant:
        with self._lock:
            self.granted += 1
        return Grant(role)

    def release(self, outcome: CallOutcome) -> None:
        with self._lock:
            self.released.append(outcome)


def answers(checker: str = "B", weak: str = "A", **replies: FakeReply) -> Any:
    texts = {"openai/small": weak, "openai/big": "B", "openai/check": checker}

    def respond(body: Mapping[str, Any]) -> FakeReply | None:
        model = f"openai/{body['model']}"
        if model in replies:
            return replies[model]
        if body.get("tools") or body.get("response_format"):
            return None  # the fake's tool call / schema object
        return FakeReply(content=texts[model])

    return respond


def client(provider: FakeProvider, **options: Any) -> RoutedClient:
    settings: dict[str, Any] = {"mode": "cascade", "checker": "openai/check", "scorer": FakeScorer(default=0.2)}
    settings.update(options)
    return RoutedClient(strong="openai/big", weak="openai/small", api_base=provider.base_url, api_key="sk-fake",
                        prices=PRICES, **settings)


def test_an_agreed_weak_answer_stands_and_every_call_is_on_the_books() -> None:
    with FakeProvider(answers(checker="A")) as provider:
        routed = client(provider)
        reply = routed.complete(PROMPT)
        decision = reply.decision
        assert (reply.content, decision.model, decision.role, decision.policy) == ("A", "openai/small", "weak", "cascade")
        cascade = decision.extra["cascade"]
        assert cascade["escalated"] is False and cascade["verifier"] == "agreement" and cascade["verifier_score"] == 0.0
        assert sorted((c["role"], c["model"]) for c in cascade["calls"]) == [("checker", "openai/check"),
                                                                             ("weak", "openai/small")]
        usage = routed.usage()
        assert set(usage.models) == {"openai/small", "openai/check"} and usage.cost == pytest.approx(decision.cost)
        assert decision.cost == pytest.approx(sum(c["cost"] for c in cascade["calls"]))
        # the checker answers nothing: always-strong is one strong call on the weak call's tokens
        small = usage.models["openai/small"]
        assert usage.always_strong_cost == pytest.approx(PRICES["openai/big"].cost(small.prompt_tokens,
                                                                                    small.completion_tokens))


def test_a_disagreement_escalates_to_the_strong_answer_and_counts_each_request_once() -> None:
    with FakeProvider(answers(checker="B")) as provider:
        routed = client(provider)
        reply = routed.complete(PROMPT)
        assert (reply.content, reply.decision.model, reply.decision.role) == ("B", "openai/big", "strong")
        assert reply.decision.extra["cascade"]["escalated"] is True
        assert sorted(provider.models_called()) == ["big", "check", "small"]
        usage = routed.usage()
        assert usage.models["openai/big"].calls == 1 and usage.cost == pytest.approx(reply.decision.cost)
        assert usage.always_strong_cost == pytest.approx(usage.models["openai/big"].cost)


def test_acomplete_cascades_like_complete() -> None:
    with FakeProvider(answers(checker="B")) as provider:
        reply = asyncio.run(client(provider).acomplete(PROMPT))
        assert (reply.content, reply.decision.policy, reply.decision.model) == ("B", "cascade", "openai/big")


def _text(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_a_stream_replays_the_accepted_weak_answer_or_streams_the_escalation() -> None:
    with FakeProvider(answers(checker="A")) as provider:
        stream = client(provider).stream(PROMPT)
        assert stream.decision.model == "openai/small" and stream.decision.policy == "cascade"
        assert _text(list(stream)) == "A" and stream.decision.cost is not None
    with FakeProvider(answers(checker="B")) as provider:
        routed = client(provider)
        stream = routed.stream(PROMPT)
        assert stream.decision.model == "openai/big" and stream.decision.cost is None  # the strong call is open
        assert _text(list(stream)) == "B"
        assert stream.decision.cost == pytest.approx(routed.usage().cost)
        assert all(c["cost"] is not None for c in stream.decision.extra["cascade"]["calls"])


def test_an_async_stream_cascades_and_its_escalation_settles_every_calls_cost() -> None:
    async def run(checker: str) -> tuple[str, Any, float]:
        with FakeProvider(answers(checker=checker)) as provider:
            routed = client(provider)
            stream = await routed.astream(PROMPT)
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            return text, stream.decision, routed.usage().cost

    text, decision, spent = asyncio.run(run("A"))
    assert (text, decision.model) == ("A", "openai/small") and decision.cost == pytest.approx(spent)
    text, decision, spent = asyncio.run(run("B"))
    assert (text, decision.model) == ("B", "openai/big") and decision.cost == pytest.approx(spent)


TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def _tool_call(name: str, arguments: Mapping[str, Any]) -> FakeReply:
    return FakeReply(tool_calls=[{"id": "call_1", "type": "function",
                                  "function": {"name": name, "arguments": json.dumps(arguments)}}])


def test_tool_calls_are_verified_on_name_and_arguments() -> None:
    same = _tool_call("weather", {"city": "Lima"})
    with FakeProvider(answers(**{"openai/small": same, "openai/check": _tool_call("weather", {"city": "Lima"})})) as p:
        reply = client(p).complete("weather in Lima?", tools=TOOLS)
        assert reply.decision.model == "openai/small" and reply.tool_calls[0].function.name == "weather"
        stream = client(p).stream("weather in Lima?", tools=TOOLS)
        parts = [c.choices[0].delta.tool_calls for c in stream if c.choices and c.choices[0].delta.tool_calls]
        assert stream.decision.model == "openai/small" and parts[0][0].function.name == "weather"
    other = _tool_call("weather", {"city": "Quito"})
    with FakeProvider(answers(**{"openai/small": same, "openai/check": other})) as p:
        reply = client(p).complete("weather in Lima?", tools=TOOLS)
        assert reply.decision.model == "openai/big" and reply.decision.extra["cascade"]["verifier_score"] == 1.0


def test_a_tool_loop_stays_on_the_model_that_asked_without_a_new_cascade() -> None:
    from routed_llm.routing.sticky import Turn

    with FakeProvider(answers(checker="B")) as provider:
        routed = client(provider)
        turns = [Turn("user"), Turn("assistant", call_ids=("call_1",), routing={"role": "weak"}),
                 Turn("tool", call_ids=("call_1",))]
        reply = routed.complete(PROMPT, sticky=turns)
        assert (reply.decision.model, reply.decision.policy) == ("openai/small", "sticky")
        assert provider.models_called() == ["small"]


def test_structured_output_is_verified_on_the_parsed_object() -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "a", "schema": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    lima, spaced = FakeReply(content='{"city": "Lima"}'), FakeReply(content='{ "city" : "Lima" }')
    with FakeProvider(answers(**{"openai/small": lima, "openai/check": spaced})) as provider:
        reply = client(provider).complete("Where?", response_format=schema)
        assert reply.decision.model == "openai/small" and json.loads(reply.content) == {"city": "Lima"}
    with FakeProvider(answers(**{"openai/small": lima, "openai/check": FakeReply(content='{"city": "Cusco"}')})) as p:
        assert client(p).complete("Where?", response_format=schema).decision.model == "openai/big"


def test_a_checker_fault_hands_the_decision_to_the_prompt_router() -> None:
    with FakeProvider(answers(checker="B")) as provider:
        provider.fail_next("check", status=500, times=5)
        books = Books()
        reply = client(provider, scorer=FakeScorer(default=0.2), policies=[books]).complete(PROMPT)
        cascade = reply.decision.extra["cascade"]
        assert reply.decision.model == "openai/small" and cascade["verifier_score"] is None  # 0.2 < 0.5: weak
        assert [c["error"] for c in cascade["calls"] if c["role"] == "checker"] == ["ProviderError"]
        assert books.granted == len(books.released) == 2
        provider.fail_next("check", status=500, times=5)
        assert client(provider, scorer=FakeScorer(default=0.9)).complete(PROMPT).decision.model == "openai/big"


def test_a_weak_fault_escalates_with_fallback_and_raises_without() -> None:
    with FakeProvider(answers(checker="A")) as provider:
        provider.fail_next("small", status=503, times=5)
        reply = client(provider, fallback=True).complete(PROMPT)
        assert (reply.decision.model, reply.decision.fallback, reply.decision.routed_model) == (
            "openai/big", True, "openai/small")
        provider.fail_next("small", status=503, times=5)
        routed = client(provider)
        with pytest.raises(ProviderError, match="openai/small failed") as caught:
            routed.complete(PROMPT)
        assert caught.value.decision is not None and routed.usage().failed_calls == 1


def test_cancelling_during_the_checker_call_releases_every_admission() -> None:
    async def run() -> tuple[Books, SpendBudget]:
        slow = FakeReply(content="A", delay_s=2.0)
        with FakeProvider(answers(**{"openai/check": slow})) as provider:
            books, budget = Books(), SpendBudget(usd=10.0)
            routed = client(provider, policies=[budget, books])
            task = asyncio.ensure_future(routed.acomplete(PROMPT))
            while "check" not in provider.models_called() or "small" not in provider.models_called():
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # the weak answer is in; the checker is still answering
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return books, budget

    books, budget = asyncio.run(run())
    assert books.granted == len(books.released) == 2
    assert sorted(str(o.status) for o in books.released) == ["499", "None"]  # weak answered, checker cancelled
    assert budget.store.reserved() == pytest.approx(0.0)


def test_a_budget_counts_the_checker_calls() -> None:
    with FakeProvider(answers(checker="A")) as provider:
        budget = SpendBudget(usd=10.0)
        routed = client(provider, policies=[budget])
        reply = routed.complete(PROMPT)
        assert budget.spend() == pytest.approx(reply.decision.cost) and budget.store.reserved() == pytest.approx(0.0)
        checker_cost = next(c["cost"] for c in reply.decision.extra["cascade"]["calls"] if c["role"] == "checker")
        assert 0 < checker_cost < budget.spend()


def test_mode_per_call_overrides_the_clients() -> None:
    with FakeProvider(answers(checker="B")) as provider:
        routed = client(provider, mode="route")
        assert routed.complete(PROMPT).decision.policy == "threshold" and provider.models_called() == ["small"]
        assert routed.complete(PROMPT, mode="cascade").decision.model == "openai/big"
        cascading = client(provider)
        assert cascading.complete(PROMPT, mode="route").decision.model == "openai/small"
        with pytest.raises(ConfigurationError, match="^checker: "):
            RoutedClient(strong="openai/big", weak="openai/small", scorer=FakeScorer()).complete(PROMPT, mode="cascade")


def test_hybrid_routes_outside_the_band_and_cascades_inside() -> None:
    scorer = FakeScorer({"easy " + PROMPT: 0.05, "hard " + PROMPT: 0.95}, default=0.5)
    scorer.score_quantiles_ = np.linspace(0.0, 1.0, 101)  # typical traffic: scores uniform on [0, 1]
    with FakeProvider(lambda body: FakeReply(content="A" if "small" in body["model"] else "B")) as provider:
        routed = client(provider, mode="hybrid", scorer=scorer, cascade_band=(0.2, 0.9))
        easy, hard = routed.complete("easy " + PROMPT).decision, routed.complete("hard " + PROMPT).decision
        assert (easy.model, easy.policy, easy.extra["cascade"]["direct"]) == ("openai/small", "hybrid", "weak")
        assert (hard.model, hard.policy, hard.extra["cascade"]["direct"]) == ("openai/big", "hybrid", "strong")
        assert provider.models_called() == ["small", "big"]
        middle = routed.complete("middle " + PROMPT).decision
        assert (middle.policy, middle.model) == ("cascade", "openai/big")
    with pytest.raises(ConfigurationError, match="^cascade_band: "):
        RoutedClient(strong="openai/big", weak="openai/small", scorer=FakeScorer(), mode="hybrid",
                     checker="openai/check").complete("x")


def test_strong_share_sets_the_share_that_ends_with_the_strong_model() -> None:
    order = [7, 2, 9, 4, 0, 5, 8, 1, 6, 3] * 3
    scorer = FakeScorer({f"{i} {PROMPT}": i / 10 for i in range(10)})
    scorer.score_quantiles_ = np.linspace(0.0, 1.0, 101)
    with FakeProvider(lambda body: FakeReply(content="A")) as provider:  # every weak answer is agreed with
        routed = client(provider, scorer=scorer, strong_share=0.3)
        models = [routed.complete(f"{i} {PROMPT}").decision.model for i in order]
    warm = models[10:]
    assert sum(model == "openai/big" for model in warm) / len(warm) == pytest.approx(0.3, abs=0.1)


def test_a_self_check_asks_the_checker_about_the_weak_answer() -> None:
    def respond(body: Mapping[str, Any]) -> FakeReply:
        if body["model"] == "check":
            asked = body["messages"][-1]["content"]
            assert "Proposed answer:\nA" in asked
            return FakeReply(content="0.1")
        return FakeReply(content="A" if body["model"] == "small" else "B")

    with FakeProvider(respond) as provider:
        reply = client(provider, verifier="self_check").complete(PROMPT)
        cascade = reply.decision.extra["cascade"]
        assert (reply.decision.model, cascade["verifier"]) == ("openai/big", "self_check")
        assert cascade["verifier_score"] == pytest.approx(0.9)
        assert [c["role"] for c in cascade["calls"]] == ["weak", "self_check", "strong"]


@pytest.mark.parametrize(("sampled", "escalated"), [("A", False), ("B", True)])
def test_further_weak_samples_check_the_weak_answer_without_a_checker(sampled: str, escalated: bool) -> None:
    def respond(body: Mapping[str, Any]) -> FakeReply:
        if body["model"] == "big":
            return FakeReply(content="B")
        return FakeReply(content=sampled if body.get("temperature") == 0.7 else "A")  # the samples are sampled

    with FakeProvider(respond) as provider:
        routed = client(provider, checker=None, weak_samples=2)
        reply = routed.complete(PROMPT)
        cascade = reply.decision.extra["cascade"]
        assert cascade["escalated"] is escalated and cascade["verifier"] == "agreement"
        assert reply.content == ("B" if escalated else "A")
        samples = [c for c in cascade["calls"] if c["role"] == "checker"]
        assert [c["model"] for c in samples] == ["openai/small", "openai/small"]
        assert all(c["cost"] is not None and c["cost"] > 0 for c in samples)
        assert sorted(provider.models_called()) == sorted(["small"] * 3 + ["big"] * escalated)
        assert routed.usage().models["openai/small"].calls == 3


@pytest.mark.parametrize("samples", [-1, 9, True, 1.5])
def test_weak_samples_is_a_small_whole_number(samples: Any) -> None:
    with pytest.raises(ConfigurationError, match="^weak_samples: "):
        RoutedClient(strong="openai/big", weak="openai/small", mode="cascade", weak_samples=samples)
