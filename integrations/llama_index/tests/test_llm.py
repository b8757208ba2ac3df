"""RoutedLLM's own surface (chat, completion, streaming, routing options) over real litellm HTTP calls."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.llms.routed_llm import RoutedLLM

from routed_llm import ProviderError
from routed_llm.testing import FakeProvider

MakeLLM = Callable[..., RoutedLLM]
EASY = [ChatMessage(role=MessageRole.USER, content="hello there")]
HARD = [ChatMessage(role=MessageRole.USER, content="prove the theorem")]


def test_chat_routes_each_prompt_to_its_model(make_llm: MakeLLM, provider: FakeProvider) -> None:
    llm = make_llm()
    hard, easy = llm.chat(HARD), llm.chat(EASY)
    assert provider.models_called() == ["big", "small"]
    assert (hard.message.content, easy.message.content) == ("Answer from big.", "Answer from small.")
    assert hard.message.role == MessageRole.ASSISTANT


@pytest.mark.parametrize(("threshold", "expected"), [(0.0, "big"), (0.1, "big"), (0.5, "small"), (1.0, "small")])
def test_threshold_decides_the_model(make_llm: MakeLLM, provider: FakeProvider, threshold: float, expected: str) -> None:
    response = make_llm(threshold=threshold).chat(EASY)  # the router scores this prompt 0.1
    assert provider.models_called() == [expected]
    assert response.additional_kwargs["routing"]["threshold"] == threshold


def test_per_call_threshold_and_route_to_override_the_instance(make_llm: MakeLLM, provider: FakeProvider) -> None:
    llm = make_llm(threshold=0.5)
    assert llm.chat(EASY, threshold=0.05).message.content == "Answer from big."
    assert llm.complete("prove it", threshold=0.95).text == "Answer from small."
    forced = llm.chat(EASY, route_to="strong")
    assert forced.additional_kwargs["routing"]["policy"] == "forced"
    assert provider.models_called() == ["big", "small", "big"]
    sent = provider.requests[-1].body
    assert "threshold" not in sent and "route_to" not in sent


def test_decision_metadata_in_additional_kwargs_and_raw(make_llm: MakeLLM) -> None:
    response = make_llm().chat(HARD)
    routing = response.additional_kwargs["routing"]
    assert routing["router"] == "fake" and routing["score"] == 0.9 and routing["threshold"] == 0.5
    assert routing["model"] == "openai/big" and routing["role"] == "strong" and routing["fallback"] is False
    assert routing["latency_ms"] >= 0.0
    tokens = response.additional_kwargs
    assert routing["cost"] == pytest.approx(tokens["prompt_tokens"] * 10e-6 + tokens["completion_tokens"] * 30e-6)
    assert tokens["total_tokens"] == tokens["prompt_tokens"] + tokens["completion_tokens"]
    assert response.raw["routing"] == routing
    assert response.raw["choices"][0]["message"]["content"] == "Answer from big."
    assert response.message.additional_kwargs["routing"] == routing


def test_complete_is_chat_with_the_prompt_as_one_user_turn(make_llm: MakeLLM, provider: FakeProvider) -> None:
    response = make_llm().complete("prove that 2 is prime")
    assert response.text == "Answer from big."
    assert response.additional_kwargs["routing"]["model"] == "openai/big"
    assert response.raw["routing"]["role"] == "strong"
    assert provider.requests[-1].body["messages"] == [{"role": "user", "content": "prove that 2 is prime"}]


def test_stream_chat_and_stream_complete(make_llm: MakeLLM, provider: FakeProvider) -> None:
    llm = make_llm()
    chunks = list(llm.stream_chat(HARD))
    assert "".join(chunk.delta or "" for chunk in chunks) == "Answer from big."
    assert chunks[-1].message.content == "Answer from big."
    assert chunks[0].additional_kwargs["routing"]["model"] == "openai/big"  # known before the first token
    final = chunks[-1].additional_kwargs
    assert final["routing"]["cost"] == pytest.approx(final["prompt_tokens"] * 10e-6 + final["completion_tokens"] * 30e-6)

    pieces = list(llm.stream_complete("hello"))
    assert [p.delta for p in pieces if p.delta] == ["Answer ", "from ", "small."]
    assert pieces[-1].text == "Answer from small." and pieces[-1].additional_kwargs["routing"]["role"] == "weak"
    assert provider.requests[-1].body["stream"] is True


async def test_async_chat_complete_and_streams(make_llm: MakeLLM, provider: FakeProvider) -> None:
    llm = make_llm()
    assert (await llm.achat(HARD)).message.content == "Answer from big."
    completion = await llm.acomplete("hello", threshold=0.0)
    assert completion.text == "Answer from big." and completion.additional_kwargs["routing"]["threshold"] == 0.0

    chat_stream = await llm.astream_chat(EASY)
    chat_chunks = [chunk async for chunk in chat_stream]
    assert chat_chunks[-1].message.content == "Answer from small."
    assert chat_chunks[-1].additional_kwargs["routing"]["cost"] is not None

    completion_stream = await llm.astream_complete("prove it")
    deltas = [chunk.delta async for chunk in completion_stream]
    assert "".join(d or "" for d in deltas) == "Answer from big."
    assert provider.models_called() == ["big", "big", "small", "big"]
    assert llm.client.usage().calls == 4


def test_fallback_answers_from_the_other_model_and_says_so(make_llm: MakeLLM, provider: FakeProvider) -> None:
    llm = make_llm(fallback=True)
    provider.fail_next("big", status=503)
    response = llm.chat(HARD)
    routing = response.additional_kwargs["routing"]
    assert response.message.content == "Answer from small."
    assert routing["fallback"] is True and routing["model"] == "openai/small" and routing["routed_model"] == "openai/big"


def test_provider_failure_is_typed_and_keeps_the_key_secret(
    make_llm: MakeLLM, provider: FakeProvider, secret: str
) -> None:
    provider.fail_next("big", status=500, times=3)
    with pytest.raises(ProviderError) as info:
        make_llm().chat(HARD)
    assert info.value.models == ("openai/big",) and "openai/big" in str(info.value)
    assert secret not in str(info.value)
    assert provider.requests[-1].headers["authorization"] == f"Bearer {secret}"


def _tool_turns(role: str) -> list[ChatMessage]:
    """A user turn the router finds easy, then a tool call made by ``role``'s model and its result."""
    call = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    return [
        *EASY,
        ChatMessage(role=MessageRole.ASSISTANT, content=None,
                    additional_kwargs={"tool_calls": [call], "routing": {"role": role, "model": f"openai/{role}"}}),
        ChatMessage(role=MessageRole.TOOL, content="42", additional_kwargs={"tool_call_id": "call_1"}),
    ]


def test_sticky_routing_answers_tool_results_with_the_model_that_called_the_tool(
    make_llm: MakeLLM, provider: FakeProvider
) -> None:
    response = make_llm().chat(_tool_turns("strong"))
    assert provider.models_called() == ["big"]  # the router alone would pick small for "hello there"
    assert response.additional_kwargs["routing"]["policy"] == "sticky"  # not the user's "forced" (issue 18 item 16)
    sent = provider.requests[-1].body["messages"]
    assert sent[1]["role"] == "assistant" and not sent[1].get("content") and "routing" not in sent[1]
    assert sent[1]["tool_calls"] == [{"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]
    assert sent[2] == {"role": "tool", "content": "42", "tool_call_id": "call_1"}

    make_llm(sticky=False).chat(_tool_turns("strong"))
    assert provider.models_called() == ["big", "small"]
    make_llm().chat(_tool_turns("strong"), route_to="weak")
    assert provider.models_called() == ["big", "small", "small"]


def test_chat_response_type_and_message_roundtrip(make_llm: MakeLLM, provider: FakeProvider) -> None:
    llm = make_llm()
    first = llm.chat(EASY)
    assert isinstance(first, ChatResponse)
    llm.chat([*EASY, first.message, ChatMessage(role=MessageRole.USER, content="and now?")])
    sent = provider.requests[-1].body["messages"]
    assert sent[1] == {"role": "assistant", "content": "Answer from small."}  # routing bookkeeping stays home
