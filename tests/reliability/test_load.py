"""Many concurrent calls: none lost, each routed as its score says, accounting exact."""

from __future__ import annotations

import asyncio

from routed_llm import ModelPrice, RoutedClient
from routed_llm.routing import OnlineCalibrator
from routed_llm.testing import FakeProvider, FakeScorer

N = 1000


async def test_a_thousand_concurrent_calls(provider: FakeProvider) -> None:
    scorer = FakeScorer({"hard": 0.8}, default=0.2)
    calibrator = OnlineCalibrator(0.5, window=N + 1, min_samples=N + 1)  # observes every call, never acts
    client = RoutedClient(
        "openai/big", "openai/small", scorer=scorer, threshold=0.5, api_base=provider.base_url, api_key="k",
        prices={"openai/big": ModelPrice(2e-6, 4e-6), "openai/small": ModelPrice(1e-7, 2e-7)},
        policies=[calibrator],
    )
    prompts = [f"{'hard' if i % 3 == 0 else 'easy'} question {i}" for i in range(N)]
    replies = await asyncio.gather(*(client.acomplete(p, max_tokens=8) for p in prompts))

    assert len(replies) == N
    for prompt, reply in zip(prompts, replies, strict=True):
        expected = "openai/big" if prompt.startswith("hard") else "openai/small"
        assert reply.decision.model == expected
        assert reply.content == f"Answer from {expected.split('/')[1]}."
    hard = sum(p.startswith("hard") for p in prompts)
    report = client.usage()
    assert report.models["openai/big"].calls == hard
    assert report.models["openai/small"].calls == N - hard
    assert report.failed_calls == 0
    assert report.models["openai/big"].prompt_tokens == sum(r.usage.prompt_tokens for r in replies if r.decision.role == "strong")
    assert abs(report.cost - sum(r.decision.cost for r in replies)) < 1e-12
    assert len(provider.models_called()) == N
    assert calibrator._seen == N
