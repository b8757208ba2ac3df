"""Issue 27 B1-B4 and B6: composed policies keep their books (slots, reservations, spend).

Every policy gets back exactly what it granted, whatever a later policy or the attempt
loop did with the call; reservations come back as reserved and are settled against the
actual cost; a cold budget reserves from the price table; a call the caller stopped is
billed from its prompt tokens; a Redis fault never surfaces as an untyped Redis error.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import pytest
from routed_llm_qa.redis_server import LocalRedisServer

from routed_llm import ModelPrice, RoutedClient, RoutedLLMError
from routed_llm.routing import ConcurrencyCap, LatencyTarget, RedisState, SpendBudget
from routed_llm.testing import FakeProvider, FakeReply, FakeScorer

HARD = [{"role": "user", "content": "hard question"}]
PRICES = {"openai/big": ModelPrice(1e-5, 1e-5), "openai/small": ModelPrice(1e-7, 1e-7)}


def client_with(provider: FakeProvider, *policies: object, **options: object) -> RoutedClient:
    return RoutedClient(
        "openai/big", "openai/small", scorer=FakeScorer({"hard": 0.9}, default=0.9), threshold=0.5,
        api_base=provider.base_url, api_key="k", num_retries=0, policies=policies,  # type: ignore[arg-type]
        prices=PRICES, **options,
    )


def test_b1_a_slot_comes_back_when_a_later_policy_demotes_the_call() -> None:
    """The documented order [SpendBudget, ConcurrencyCap, LatencyTarget] with a slow strong model."""
    slow = {"big": 0.05, "small": 0.0}
    with FakeProvider(lambda body: FakeReply(content="an answer", delay_s=slow[body["model"]])) as provider:
        budget, cap, latency = SpendBudget(usd=100.0), ConcurrencyCap(2), LatencyTarget(0.01, probe_every=5)
        client = client_with(provider, budget, cap, latency)
        decisions = [client.complete(HARD).decision for _ in range(40)]
    assert {d.policy for d in decisions} >= {"latency_target"}  # the latency target did demote calls
    assert cap.in_flight == 0
    assert budget.store.reserved() == pytest.approx(0.0, abs=1e-12)
    assert sum(d.model == "openai/big" for d in decisions[10:]) >= 5  # probes still reach the strong model


def test_b2_a_reservation_comes_back_whole_when_the_cap_demotes_the_call(provider: FakeProvider) -> None:
    budget, cap = SpendBudget(usd=1.0), ConcurrencyCap(1)
    client = client_with(provider, budget, cap)
    for _ in range(5):  # the budget learns what a strong call costs
        client.complete(HARD)
    held = next(client.router.attempts(client.route(HARD), fallback=False))  # the cap's one slot is taken
    decisions = [client.complete(HARD).decision for _ in range(100)]
    held.release(cost=0.0)
    assert all(d.model == "openai/small" and d.policy == "concurrency_cap" for d in decisions)
    assert budget.store.reserved() == pytest.approx(0.0, abs=1e-12)
    assert budget.spend() == pytest.approx(client.usage().cost)


async def test_b3_reservations_do_not_drift_when_costs_vary() -> None:
    lengths = iter([1, 40, 3, 200, 7, 90, 2, 300] * 40)
    with FakeProvider(lambda body: FakeReply(content="word " * next(lengths), delay_s=0.01)) as provider:
        budget = SpendBudget(usd=1000.0)
        client = client_with(provider, budget)
        for _ in range(40):
            await asyncio.gather(*(client.acomplete(HARD) for _ in range(8)))
    assert budget.store.reserved() == pytest.approx(0.0, abs=1e-12)
    assert budget.spend() == pytest.approx(client.usage().cost)


async def test_b4_a_cold_budget_reserves_from_the_price_table_and_holds_under_a_burst() -> None:
    with FakeProvider(lambda body: FakeReply(content="a short answer", delay_s=0.2)) as provider:
        budget = SpendBudget(usd=0.002)
        client = client_with(provider, budget)
        replies = await asyncio.gather(*(client.acomplete(HARD, max_tokens=5) for _ in range(200)))
    strong = [r.decision.cost for r in replies if r.decision.model == "openai/big"]
    assert strong and budget.spend() <= 0.002 + max(strong)
    assert budget.store.reserved() == pytest.approx(0.0, abs=1e-12)


def test_b4_a_cold_budget_never_reserves_zero_for_a_priced_model() -> None:
    with FakeProvider(lambda body: FakeReply(content="an answer", delay_s=0.5)) as provider:
        budget = SpendBudget(usd=1.0)
        client = client_with(provider, budget)
        call = threading.Thread(target=client.complete, args=(HARD,))
        call.start()
        while not provider.requests:  # the call was admitted and is in flight
            pass
        in_flight = budget.store.reserved()
        call.join()
    assert in_flight > 0 and budget.store.reserved() == pytest.approx(0.0, abs=1e-12)


async def test_a_cancelled_call_is_billed_from_its_prompt_tokens(provider: FakeProvider) -> None:
    budget = SpendBudget(usd=1.0)
    client = client_with(provider, budget)
    provider.fail_next("big", status=200, content="late", delay_s=2.0)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.acomplete(HARD), timeout=0.2)
    usage = client.usage().models["openai/big"]
    assert usage.calls == 1 and usage.prompt_tokens > 0 and usage.cost > 0
    assert budget.spend() == pytest.approx(usage.cost) and budget.store.reserved() == pytest.approx(0.0, abs=1e-12)


def test_a_timed_out_call_is_billed_from_its_prompt_tokens(provider: FakeProvider) -> None:
    budget = SpendBudget(usd=1.0)
    client = client_with(provider, budget, timeout=0.2)
    provider.fail_next("big", status=200, content="late", delay_s=1.0)
    with pytest.raises(RoutedLLMError):
        client.complete(HARD)
    usage = client.usage().models["openai/big"]
    assert usage.cost > 0 and budget.spend() == pytest.approx(usage.cost)


# -- B6: Redis faults ---------------------------------------------------------------------------------
@pytest.fixture
def redis_server() -> Iterator[LocalRedisServer]:
    pytest.importorskip("redis", reason="the redis extra is not installed")
    if not LocalRedisServer.available():
        pytest.skip("redis-server is not installed (apt-get install redis-server to run these tests)")
    with LocalRedisServer() as running:
        yield running


def test_b6_redis_dropping_during_a_call_returns_the_answer_and_every_slot(
    redis_server: LocalRedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeProvider(lambda body: FakeReply(content="an answer", delay_s=0.5)) as provider:
        budget = SpendBudget(usd=1.0, store=RedisState(redis_server.url, namespace="b6").spend_ledger("budget"))
        cap = ConcurrencyCap(1)
        client = client_with(provider, budget, cap, fallback=True)
        threading.Timer(0.2, redis_server.stop).start()
        with caplog.at_level(logging.WARNING, logger="routed_llm"):
            reply = client.complete(HARD)
    assert reply.decision.model == "openai/big" and reply.content
    assert cap.in_flight == 0
    assert client.usage().models["openai/big"].calls == 1
    assert any("spend_budget" in record.getMessage() for record in caplog.records)


def test_b6_redis_down_before_the_call_fails_closed_with_a_warning(
    redis_server: LocalRedisServer, provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    budget = SpendBudget(usd=1.0, store=RedisState(redis_server.url, namespace="b6").spend_ledger("budget"))
    cap = ConcurrencyCap(1)
    client = client_with(provider, budget, cap, fallback=True)
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="routed_llm"):
        reply = client.complete(HARD)
    assert reply.decision.model == "openai/small" and reply.decision.policy == "spend_budget"
    assert cap.in_flight == 0
    assert any("spend_budget" in record.getMessage() for record in caplog.records)
