"""Policies composed with a RoutedClient, through litellm and the loopback fake."""

from __future__ import annotations

import asyncio

import pytest

from routed_llm import ModelPrice, RoutedClient
from routed_llm.routing import ConcurrencyCap, OnlineCalibrator, SpendBudget
from routed_llm.testing import FakeProvider, FakeReply, FakeScorer

HARD = [{"role": "user", "content": "hard question"}]


def client_with(provider: FakeProvider, *policies: object, **options: object) -> RoutedClient:
    return RoutedClient(
        "openai/big", "openai/small", scorer=FakeScorer({"hard": 0.9}, default=0.1), threshold=0.5,
        api_base=provider.base_url, api_key="k", num_retries=0, policies=policies,  # type: ignore[arg-type]
        prices={"openai/big": ModelPrice(1e-3, 1e-3), "openai/small": ModelPrice(1e-5, 1e-5)}, **options,
    )


async def test_concurrency_cap_keeps_strong_calls_under_the_cap_without_failures() -> None:
    with FakeProvider(lambda body: FakeReply(content=f"ok {body['model']}", delay_s=0.05)) as provider:
        cap = ConcurrencyCap(3)
        client = client_with(provider, cap)
        replies = await asyncio.gather(*(client.acomplete(HARD) for _ in range(40)))
    assert len(replies) == 40 and client.usage().failed_calls == 0
    assert cap.peak <= 3 and cap.in_flight == 0
    degraded = [r for r in replies if r.decision.policy == "concurrency_cap"]
    assert degraded and all(r.decision.model == "openai/small" for r in degraded)
    assert client.usage().models["openai/big"].calls == 40 - len(degraded)


def test_budget_sends_traffic_weak_once_spent(provider: FakeProvider) -> None:
    budget = SpendBudget(usd=0.05)
    client = client_with(provider, budget)
    # max_tokens bounds what a call can cost, so the budget reserves that much (not 256 tokens' worth) per call
    roles = [client.complete(HARD, max_tokens=16).decision for _ in range(10)]
    assert roles[0].role == "strong"
    assert roles[-1].role == "weak" and roles[-1].policy == "spend_budget"
    assert budget.spend() <= 0.05 + roles[0].cost  # at most one typical call beyond the soft limit


def test_online_calibrator_overrides_the_static_threshold(provider: FakeProvider) -> None:
    calibrator = OnlineCalibrator(0.5, window=10, min_samples=4)
    client = client_with(provider, calibrator)
    for text in ("hard a", "easy b", "hard c", "easy d"):
        client.route(text)
    decision = client.route("easy e")
    assert decision.threshold == pytest.approx(0.1) and decision.role == "strong"
    assert decision.policy == "online_calibrator"


def test_rate_limited_strong_model_rests_then_falls_back(provider: FakeProvider) -> None:
    cap = ConcurrencyCap(10, cooldown_s=60)
    client = client_with(provider, cap, fallback=True)
    provider.fail_next("big", status=429)
    first = client.complete(HARD)
    assert first.decision.model == "openai/small" and first.decision.fallback
    second = client.complete(HARD)
    assert second.decision.model == "openai/small" and second.decision.policy == "concurrency_cap"
    assert provider.models_called() == ["big", "small", "small"]


def test_out_of_distribution_prompts_are_pinned_to_the_strong_model(provider: FakeProvider) -> None:
    from routed_llm.routing import OutOfDistributionGuard

    topics = ["european trade routes", "roman law", "plant biology", "bond markets"]
    training = [f"question number {i} about the history of {topic}" for i in range(60) for topic in topics]
    guard = OutOfDistributionGuard(n_centroids=4).fit(training)
    client = client_with(provider, guard)
    familiar = client.route(training[5])  # unseen-but-familiar prompts: tests/unit/test_ood_guard.py
    foreign = client.route("easy: 请用中文解释量子纠缠")
    assert (familiar.role, familiar.policy) == ("weak", "threshold")
    assert (foreign.role, foreign.policy, foreign.score) == ("strong", "ood_guard", 0.1)
    assert client.complete("easy: 请用中文解释量子纠缠").decision.model == "openai/big"
