"""1,000 concurrent calls through each framework integration: none lost, each routed as its
score says, and the shared accounting and calibration state adds up exactly."""

from __future__ import annotations

import asyncio

from langchain_routed_llm import RoutedChatModel
from llama_index.core.llms import ChatMessage
from llama_index.llms.routed_llm import RoutedLLM

from routed_llm import ModelPrice
from routed_llm.routing import OnlineCalibrator
from routed_llm.testing import FakeProvider, FakeScorer

N = 1000
PRICES = {"openai/big": ModelPrice(2e-6, 4e-6), "openai/small": ModelPrice(1e-7, 2e-7)}


def prompts() -> list[str]:
    return [f"{'hard' if i % 4 == 0 else 'easy'} request {i}" for i in range(N)]


def expected_model(prompt: str) -> str:
    return "openai/big" if prompt.startswith("hard") else "openai/small"


async def test_langchain_thousand_concurrent_ainvoke(provider: FakeProvider) -> None:
    calibrator = OnlineCalibrator(0.5, window=N + 1, min_samples=N + 1)  # observes every call, never acts
    model = RoutedChatModel(
        strong="openai/big", weak="openai/small", scorer=FakeScorer({"hard": 0.9}, default=0.1), threshold=0.5,
        api_base=provider.base_url, api_key="k", prices=PRICES, policies=[calibrator],
    )
    texts = prompts()
    replies = await asyncio.gather(*(model.ainvoke(text) for text in texts))
    assert len(replies) == N
    for text, reply in zip(texts, replies, strict=True):
        assert reply.response_metadata["model_name"] == expected_model(text)
        assert reply.content == f"Answer from {expected_model(text).split('/')[1]}."
    report = model.client.usage()
    assert report.models["openai/big"].calls == N // 4 and report.models["openai/small"].calls == N - N // 4
    assert report.failed_calls == 0 and len(provider.models_called()) == N
    assert report.models["openai/small"].completion_tokens == sum(
        r.usage_metadata["output_tokens"] for r in replies if r.response_metadata["model_name"] == "openai/small"
    )
    assert calibrator._seen == N


async def test_llamaindex_thousand_concurrent_achat(provider: FakeProvider) -> None:
    llm = RoutedLLM(
        strong="openai/big", weak="openai/small", scorer=FakeScorer({"hard": 0.9}, default=0.1), threshold=0.5,
        api_base=provider.base_url, api_key="k", prices=PRICES,
    )
    texts = prompts()
    replies = await asyncio.gather(*(llm.achat([ChatMessage(role="user", content=text)]) for text in texts))
    assert len(replies) == N
    for text, reply in zip(texts, replies, strict=True):
        assert reply.additional_kwargs["routing"]["model"] == expected_model(text)
    report = llm.client.usage()
    assert report.models["openai/big"].calls == N // 4 and report.models["openai/small"].calls == N - N // 4
    assert report.failed_calls == 0 and len(provider.models_called()) == N
    assert abs(report.cost - sum(r.additional_kwargs["routing"]["cost"] for r in replies)) < 1e-12
