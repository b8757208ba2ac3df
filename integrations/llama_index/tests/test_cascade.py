"""Issue 25: ``RoutedLLM`` in cascade mode, through LlamaIndex's own chat calls and agents.

As for LangChain (``integrations/langchain/tests/integration_tests/test_cascade.py``, the
same cases from :mod:`routed_llm_qa.cascade_cases`): the weak answer stands where the
checker agrees with it, the strong model answers where it does not, the decision in
``additional_kwargs["routing"]`` (and ``raw``) has policy ``cascade`` with the verdict in
``extra["cascade"]``, and one LlamaIndex call enters the core once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.tools import FunctionTool
from llama_index.llms.routed_llm import RoutedLLM
from routed_llm_qa import cascade_cases as cases
from routed_llm_qa.core_calls import spy_core_calls

from routed_llm import ConfigurationError, RoutedClient
from routed_llm.testing import FakeProvider, FakeScorer


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider(cases.cascade_reply) as fake:
        yield fake


def make_llm(provider: FakeProvider, **options: Any) -> RoutedLLM:
    return RoutedLLM(**{**cases.cascade_settings(provider), **options})


def ask(question: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=question)]


def verdict(response: ChatResponse) -> dict[str, Any]:
    """The cascade's verdict in the response's ``additional_kwargs`` (and the same in ``raw``)."""
    routing = response.additional_kwargs["routing"]
    assert routing["policy"] == "cascade" and response.raw["routing"] == routing
    return {"model": routing["model"], **routing["extra"]["cascade"]}


def outcome(response: ChatResponse) -> tuple[str, bool, str]:
    found = verdict(response)
    return found["model"], found["escalated"], found["verifier"]


@pytest.mark.parametrize(("question", "model", "escalated"), cases.VERDICTS)
def test_chat_keeps_an_agreed_answer_and_escalates_a_disputed_one(
    provider: FakeProvider, question: str, model: str, escalated: bool
) -> None:
    llm = make_llm(provider)
    response = llm.chat(ask(question))
    assert response.message.content == cases.REPLIES[question][model]
    assert outcome(response) == (model, escalated, "agreement")
    cases.check_calls(verdict(response), provider, escalated)
    assert llm.client.usage().calls == len(provider.models_called())  # the cheap calls are counted too


@pytest.mark.parametrize(("question", "model", "escalated"), cases.VERDICTS)
def test_stream_chat_sends_the_answer_that_stands(provider: FakeProvider, question: str, model: str,
                                                  escalated: bool) -> None:
    steps = list(make_llm(provider).stream_chat(ask(question)))
    assert "".join(step.delta or "" for step in steps) == steps[-1].message.content == cases.REPLIES[question][model]
    assert outcome(steps[-1]) == (model, escalated, "agreement")


async def test_achat_and_astream_chat_cascade_too(provider: FakeProvider) -> None:
    llm = make_llm(provider)
    response = await llm.achat(ask(cases.DISPUTED))
    assert response.message.content == cases.REPLIES[cases.DISPUTED][cases.STRONG]
    assert outcome(response) == (cases.STRONG, True, "agreement")
    steps = [step async for step in await llm.astream_chat(ask(cases.AGREED))]
    assert steps[-1].message.content == cases.REPLIES[cases.AGREED][cases.WEAK]
    assert outcome(steps[-1]) == (cases.WEAK, False, "agreement")


def test_mode_is_chosen_per_call(provider: FakeProvider) -> None:
    cascaded = make_llm(provider, mode="route").chat(ask(cases.DISPUTED), mode="cascade")
    assert outcome(cascaded) == (cases.STRONG, True, "agreement")
    routed = make_llm(provider).chat(ask(cases.DISPUTED), mode="route")
    assert routed.additional_kwargs["routing"]["policy"] == "threshold"
    assert routed.message.content == cases.REPLIES[cases.DISPUTED][cases.WEAK]  # routing alone trusts the weak model


async def test_a_function_agent_tool_loop_stays_on_one_model(provider: FakeProvider) -> None:
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(fn=multiply)], llm=make_llm(provider),
                          system_prompt="Use the tools.")
    handler = agent.run(user_msg="Use the tool: what is 6 times 7?")
    results = [event async for event in handler.stream_events() if isinstance(event, ToolCallResult)]
    response = await handler
    assert [result.tool_name for result in results] == ["multiply"]
    assert str(response).startswith("The tool returned")
    assert cases.STRONG.removeprefix("openai/") not in provider.models_called()  # the cheap models asked alike
    assert response.response.additional_kwargs["routing"]["model"] == cases.WEAK


def test_a_failed_checker_leaves_the_decision_to_the_router(provider: FakeProvider) -> None:
    provider.fail_next("checker-model", status=500)
    response = make_llm(provider).chat(ask(cases.DISPUTED))  # no second opinion: the router's score (0.1) keeps it weak
    assert response.message.content == cases.REPLIES[cases.DISPUTED][cases.WEAK]
    assert outcome(response) == (cases.WEAK, False, "agreement")
    cases.check_failed_checker(verdict(response))


@pytest.fixture
def core_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_core_calls(monkeypatch)


async def test_one_cascaded_chat_enters_the_core_once(provider: FakeProvider, core_calls: list[str]) -> None:
    llm = make_llm(provider)
    llm.chat(ask(cases.DISPUTED))
    list(llm.stream_chat(ask(cases.AGREED)))
    await llm.achat(ask(cases.AGREED))
    entered = [name for name in core_calls if name.startswith("RoutedClient.")]
    assert entered == ["RoutedClient.complete", "RoutedClient.stream", "RoutedClient.acomplete"]


def test_the_fields_are_the_configuration(provider: FakeProvider) -> None:
    llm = make_llm(provider, verifier="agreement", cascade_band=(0.1, 0.9))
    config = llm.to_config()
    assert (config.mode, config.checker, config.verifier, config.cascade_band) == (
        "cascade", cases.CHECKER, "agreement", (0.1, 0.9))
    assert {key: llm.to_dict()[key] for key in ("mode", "checker", "verifier")} == {
        "mode": "cascade", "checker": cases.CHECKER, "verifier": "agreement"}
    wrapped = RoutedLLM(client=RoutedClient.from_config(config))
    assert wrapped.to_config() == config and (wrapped.mode, wrapped.checker) == ("cascade", cases.CHECKER)
    with pytest.raises(ConfigurationError, match="^client: "):
        RoutedLLM(client=wrapped.client, mode="cascade")


@pytest.mark.parametrize(("options", "message"), cases.BAD_FIELDS)
def test_the_cascade_fields_validate_as_the_client_does(provider: FakeProvider, options: dict[str, Any],
                                                        message: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{message}"):
        make_llm(provider, **options)


def test_a_misspelt_mode_for_one_call_fails_before_any_call(provider: FakeProvider) -> None:
    with pytest.raises(ConfigurationError, match="^mode: must be one of"):
        make_llm(provider).chat(ask(cases.AGREED), mode="cascde")
    assert provider.requests == []


def test_metadata_counts_the_checker_among_the_models_that_take_the_prompt() -> None:
    llm = RoutedLLM("openai/gpt-4o", "openai/gpt-4o-mini", FakeScorer(), checker="ollama/llama3.1")
    assert llm.metadata.context_window == 8192  # the checker's (llama3.1 on ollama), not gpt-4o-mini's 128000
