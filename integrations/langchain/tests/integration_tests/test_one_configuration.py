"""Issue 24: what a user sets is what runs, and one framework call enters the core once.

The threshold in force (a strong share turned into the scorer's quantile, or a threshold)
is what ``llm.client.threshold``, the client's repr, every decision (sticky follow-ups
included) and ``llm.client.route`` report; the fields validate as the client does; and an
``invoke`` or a ``stream`` makes one call into the client, which decides and calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_routed_llm import RoutedChatModel
from routed_llm_qa.core_calls import spy_core_calls

from routed_llm import ConfigurationError
from routed_llm.routing import OnlineCalibrator
from routed_llm.testing import FakeProvider, FakeScorer

STRONG, WEAK = "openai/strong-model", "openai/weak-model"
QUESTION = "What is the capital of France?"


@pytest.fixture
def provider(fake_provider: FakeProvider) -> FakeProvider:
    fake_provider.clear()
    return fake_provider


def make_model(provider: FakeProvider, **fields: Any) -> RoutedChatModel:
    params: dict[str, Any] = {"strong": STRONG, "weak": WEAK, "api_base": provider.base_url, "api_key": "k",
                              "max_retries": 0}
    return RoutedChatModel(**{**params, **fields})


def tool_loop(role: str, model: str) -> list[Any]:
    """A history ending in a tool result, asked for by ``model`` (its routing metadata)."""
    asked = AIMessage("", tool_calls=[{"name": "lookup", "args": {}, "id": "c1"}],
                      response_metadata={"routing": {"role": role, "model": model}})
    return [HumanMessage(QUESTION), asked, ToolMessage("Paris", tool_call_id="c1")]


@pytest.mark.parametrize("cut_off", [{"strong_share": 0.3}, {"threshold": 0.2}])
def test_the_threshold_in_force_is_reported_everywhere(provider: FakeProvider, cut_off: dict[str, float]) -> None:
    llm = make_model(provider, **cut_off)  # the shipped default scorer
    routing = llm.invoke(QUESTION).response_metadata["routing"]
    assert routing["threshold"] == llm.client.threshold == llm.client.route(QUESTION).threshold
    assert f"threshold={routing['threshold']!r}" in repr(llm.client)
    sticky = llm.invoke(tool_loop("weak", WEAK)).response_metadata["routing"]
    assert (sticky["policy"], sticky["threshold"]) == ("sticky", routing["threshold"])
    if "strong_share" in cut_off:
        assert routing["threshold"] == llm.client.scorer.threshold_for_strong_share(0.3) != 0.5
    else:
        assert routing["threshold"] == 0.2


def test_a_changed_cut_off_keeps_the_usage_and_the_policies_state(provider: FakeProvider) -> None:
    online = OnlineCalibrator(strong_share=0.5, window=50, min_samples=1)
    llm = make_model(provider, scorer=FakeScorer(default=0.4), threshold=0.5, policies=[online])
    llm.invoke(QUESTION)
    llm.threshold = 0.3
    llm.invoke(QUESTION)
    assert llm.client.threshold == 0.3 and llm.client.usage().calls == 2  # one ledger across the change
    assert llm.client.policies[0] is online and online.seen == 2


@pytest.mark.parametrize(("fields", "message"), [
    ({"threshold": 1.5}, "threshold: must be a number between 0 and 1"),
    ({"strong_share": -0.1}, "strong_share: must be a number between 0 and 1"),
    ({"weak": STRONG}, "weak: must differ from strong"),
    ({"model_kwargs": {"strong_shar": 0.3}}, "strong_shar: unknown routing option; did you mean 'strong_share'"),
])
def test_fields_validate_as_the_client_does(provider: FakeProvider, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_model(provider, scorer=FakeScorer(), **fields)
    llm = make_model(provider, scorer=FakeScorer())
    with pytest.raises(ValueError, match=message):
        for name, value in fields.items():
            setattr(llm, name, value)


def test_a_misspelt_call_option_says_what_was_meant(provider: FakeProvider) -> None:
    with pytest.raises(ConfigurationError, match="^thresold: unknown routing option; did you mean 'threshold'"):
        make_model(provider, scorer=FakeScorer()).invoke(QUESTION, thresold=0.2)


@pytest.fixture
def core_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_core_calls(monkeypatch)


@pytest.mark.parametrize(("call", "entered"), [
    (lambda llm, messages: llm.invoke(messages), "RoutedClient.complete"),
    (lambda llm, messages: list(llm.stream(messages)), "RoutedClient.stream"),
])
def test_one_invoke_enters_the_core_once(provider: FakeProvider, core_calls: list[str],
                                         call: Callable[[RoutedChatModel, Any], Any], entered: str) -> None:
    llm = make_model(provider, scorer=FakeScorer(), threshold=0.5)
    for messages in (QUESTION, tool_loop("weak", WEAK)):
        core_calls.clear()
        call(llm, messages)
        assert core_calls == [entered, "Router.route"]


async def test_one_ainvoke_enters_the_core_once(provider: FakeProvider, core_calls: list[str]) -> None:
    llm = make_model(provider, scorer=FakeScorer(), threshold=0.5)
    await llm.ainvoke(QUESTION)
    assert core_calls == ["RoutedClient.acomplete", "Router.aroute"]

