"""Issue 24: what a user sets is what runs, and one LlamaIndex call enters the core once.

As for LangChain (``integrations/langchain/tests/integration_tests/test_one_configuration.py``):
the threshold in force is what the client, its repr and every decision report; the fields
validate as the client does; a chat makes one call into the client, which decides and calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.llms.routed_llm import RoutedLLM
from routed_llm_qa.core_calls import spy_core_calls

from routed_llm import ConfigurationError
from routed_llm.routing import OnlineCalibrator
from routed_llm.testing import FakeScorer

MakeLLM = Callable[..., RoutedLLM]

QUESTION = [ChatMessage(role=MessageRole.USER, content="What is the capital of France?")]


def tool_loop(role: str, model: str) -> list[ChatMessage]:
    """A history ending in a tool result, asked for by ``model`` (its routing metadata)."""
    asked = ChatMessage(role=MessageRole.ASSISTANT, content="", additional_kwargs={
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}],
        "routing": {"role": role, "model": model},
    })
    answer = ChatMessage(role=MessageRole.TOOL, content="Paris", additional_kwargs={"tool_call_id": "c1"})
    return [*QUESTION, asked, answer]


@pytest.mark.parametrize("cut_off", [{"strong_share": 0.3, "threshold": None}, {"threshold": 0.2}])
def test_the_threshold_in_force_is_reported_everywhere(make_llm: MakeLLM, cut_off: dict[str, Any]) -> None:
    llm = make_llm(scorer="default", **cut_off)
    routing = llm.chat(QUESTION).additional_kwargs["routing"]
    assert routing["threshold"] == llm.client.threshold == llm.client.route("What is 2 + 2?").threshold
    assert f"threshold={routing['threshold']!r}" in repr(llm.client)
    sticky = llm.chat(tool_loop("weak", "openai/small")).additional_kwargs["routing"]
    assert (sticky["policy"], sticky["threshold"]) == ("sticky", routing["threshold"])
    expected = llm.client.scorer.threshold_for_strong_share(0.3) if cut_off.get("strong_share") else 0.2
    assert routing["threshold"] == expected != 0.5


def test_a_changed_cut_off_keeps_the_usage_and_the_policies_state(make_llm: MakeLLM) -> None:
    online = OnlineCalibrator(strong_share=0.5, window=50, min_samples=1)
    llm = make_llm(policies=[online])
    llm.chat(QUESTION)
    llm.threshold = 0.3
    llm.chat(QUESTION)
    assert llm.client.threshold == 0.3 and llm.client.usage().calls == 2  # one ledger across the change
    assert llm.client.policies[0] is online and online.seen == 2


@pytest.mark.parametrize(("options", "message"), [
    ({"threshold": 1.5}, "^threshold: must be a number between 0 and 1"),
    ({"threshold": None, "strong_share": -0.1}, "^strong_share: must be a number between 0 and 1"),
    ({"weak": "openai/big"}, "^weak: must differ from strong"),
    ({"additional_kwargs": {"strong_shar": 0.3}}, "^strong_shar: unknown routing option; did you mean 'strong_share'"),
])
def test_fields_validate_as_the_client_does(make_llm: MakeLLM, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_llm(**options)


def test_a_misspelt_call_option_says_what_was_meant(make_llm: MakeLLM) -> None:
    with pytest.raises(ConfigurationError, match="^thresold: unknown routing option; did you mean 'threshold'"):
        make_llm().chat(QUESTION, thresold=0.2)


@pytest.fixture
def core_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_core_calls(monkeypatch)


def test_one_chat_enters_the_core_once(make_llm: MakeLLM, core_calls: list[str]) -> None:
    llm = make_llm(scorer=FakeScorer())
    for messages in (QUESTION, tool_loop("weak", "openai/small")):
        core_calls.clear()
        llm.chat(messages)
        assert core_calls == ["RoutedClient.complete", "Router.route"]
    core_calls.clear()
    list(llm.stream_chat(QUESTION))
    assert core_calls == ["RoutedClient.stream", "Router.route"]


async def test_one_achat_enters_the_core_once(make_llm: MakeLLM, core_calls: list[str]) -> None:
    await make_llm(scorer=FakeScorer()).achat(QUESTION)
    assert core_calls == ["RoutedClient.acomplete", "Router.aroute"]
