"""Provider faults: errors, rate limits, timeouts and garbage, with and without fallback."""

from __future__ import annotations

import pytest

from routed_llm import ProviderError, RoutedClient
from routed_llm.testing import FakeProvider, FakeReply, FakeScorer

HI = [{"role": "user", "content": "hi"}]


def client(provider: FakeProvider, **options: object) -> RoutedClient:
    settings: dict[str, object] = {"scorer": FakeScorer(default=0.9), "threshold": 0.5,
                                   "api_base": provider.base_url, "api_key": "k"}
    settings.update(options)
    return RoutedClient("openai/big", "openai/small", **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [500, 429, 503])
def test_litellm_retries_as_configured_then_succeeds(provider: FakeProvider, status: int) -> None:
    provider.fail_next("big", status=status, times=2)
    reply = client(provider, num_retries=2).complete(HI)
    assert reply.decision.model == "openai/big" and not reply.decision.fallback
    assert provider.models_called() == ["big", "big", "big"]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 429, "error_message": "slow down"},
        {"status": 200, "garbage": True},
        {"status": 200, "delay_s": 1.5},
    ],
    ids=["500", "429", "garbage", "timeout"],
)
def test_each_fault_falls_back_and_is_recorded(provider: FakeProvider, fault: dict) -> None:
    provider.fail_next("big", **fault)
    routed = client(provider, fallback=True, num_retries=0, timeout=0.5)
    reply = routed.complete(HI)
    assert reply.decision.model == "openai/small" and reply.decision.routed_model == "openai/big"
    assert reply.content == "Answer from small."
    assert routed.usage().models["openai/small"].calls == 1


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 200, "garbage": True}], ids=["500", "garbage"])
def test_both_failing_names_both_models_and_the_decision(provider: FakeProvider, fault: dict) -> None:
    provider.fail_next("big", **fault)
    provider.fail_next("small", **fault)
    routed = client(provider, fallback=True, num_retries=0)
    with pytest.raises(ProviderError) as info:
        routed.complete(HI)
    error = info.value
    assert error.models == ("openai/big", "openai/small")
    assert error.decision is not None and error.decision.score == 0.9
    assert "openai/big and openai/small failed" in str(error) and "scored 0.900" in str(error)
    assert routed.usage().failed_calls == 1 and routed.usage().calls == 0


async def test_async_stream_failure_mid_stream_is_an_error(provider: FakeProvider) -> None:
    provider.fail_next("big", status=200, content="a b c d e f g", fail_after_chunks=3)
    stream = await client(provider, num_retries=0).astream(HI)
    received: list[str] = []
    with pytest.raises(ProviderError, match="mid-stream"):
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
    assert "".join(received) != "a b c d e f g"


def test_stream_error_before_first_chunk_falls_back(provider: FakeProvider) -> None:
    provider.fail_next("big", status=500)
    stream = client(provider, fallback=True, num_retries=0).stream(HI)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Answer from small." and stream.decision.fallback


def test_a_scripted_responder_cannot_break_routing(provider: FakeProvider) -> None:
    provider.responder = lambda body: FakeReply(content="x" * 10_000)
    reply = client(provider).complete(HI)
    assert len(reply.content) == 10_000
