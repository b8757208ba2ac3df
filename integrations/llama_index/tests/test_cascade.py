"""Issue 25: ``RoutedLLM`` in cascade mode, through LlamaIndex's own chat calls and agents.

As for LangChain (``integrations/langchain/tests/integration_tests/test_cascade.py``): the
weak answer stands where the checker agrees with it, the strong model answers where it does
not, the decision in ``additional_kwargs["routing"]`` (and ``raw``) has policy ``cascade``
with the verdict in ``extra``, and one LlamaIndex call enters the core once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.tools import FunctionTool
from llama_index.llms.routed_llm import RoutedLLM
from routed_llm_qa.cascade_replies import AGREED, CHECKER, DISPUTED, REPLIES, STRONG, WEAK, cascade_reply
from routed_llm_qa.core_calls import spy_core_calls

from routed_llm import ConfigurationError, RoutedClient
from routed_llm.testing import FakeProvider, FakeScorer


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider(cascade_reply) as fake:
        yield fake


def make_llm(provider: FakeProvider, **options: Any) -> RoutedLLM:
    settings: dict[str, Any] = {
        "strong": STRONG, "weak": WEAK, "checker": CHECKER, "mode": "cascade", "scorer": FakeScorer(default=0.1),
        "threshold": 0.5, "api_base": provider.base_url, "api_key": "k", "max_retries": 0,
    }
    return RoutedLLM(**{**settings, **options})


def ask(question: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=question)]


def verdict(response: ChatResponse) -> tuple[str, bool, str]:
    """(model that answered, escalated, verifier) as the response records them."""
    routing = response.additional_kwargs["routing"]
    assert routing["policy"] == "cascade" and response.raw["routing"] == routing
    return routing["model"], routing["extra"]["cascade"]["escalated"], routing["extra"]["cascade"]["verifier"]


def called(provider: FakeProvider) -> list[str]:
    return sorted(f"openai/{model}" for model in provider.models_called())


@pytest.mark.parametrize(("question", "model", "escalated"), [(AGREED, WEAK, False), (DISPUTED, STRONG, True)])
def test_chat_keeps_an_agreed_answer_and_escalates_a_disputed_one(
    provider: FakeProvider, question: str, model: str, escalated: bool
) -> None:
    llm = make_llm(provider)
    response = llm.chat(ask(question))
    assert response.message.content == REPLIES[question][model]
    assert verdict(response) == (model, escalated, "agreement")
    calls = response.additional_kwargs["routing"]["extra"]["cascade"]["calls"]
    assert sorted(call["model"] for call in calls) == called(provider)
    assert called(provider) == sorted([WEAK, CHECKER, *([STRONG] if escalated else [])])
    assert llm.client.usage().calls == len(provider.models_called())  # the cheap calls are counted too


@pytest.mark.parametrize(("question", "model", "escalated"), [(AGREED, WEAK, False), (DISPUTED, STRONG, True)])
def test_stream_chat_sends_the_answer_that_stands(provider: FakeProvider, question: str, model: str,
                                                  escalated: bool) -> None:
    steps = list(make_llm(provider).stream_chat(ask(question)))
    assert "".join(step.delta or "" for step in steps) == steps[-1].message.content == REPLIES[question][model]
    assert verdict(steps[-1]) == (model, escalated, "agreement")


async def test_achat_and_astream_chat_cascade_too(provider: FakeProvider) -> None:
    llm = make_llm(provider)
    response = await llm.achat(ask(DISPUTED))
    assert (response.message.content, verdict(response)) == (REPLIES[DISPUTED][STRONG], (STRONG, True, "agreement"))
    steps = [step async for step in await llm.astream_chat(ask(AGREED))]
    assert steps[-1].message.content == REPLIES[AGREED][WEAK]
    assert verdict(steps[-1]) == (WEAK, False, "agreement")


def test_mode_is_chosen_per_call(provider: FakeProvider) -> None:
    assert verdict(make_llm(provider, mode="route").chat(ask(DISPUTED), mode="cascade")) == (STRONG, True, "agreement")
    routed = make_llm(provider).chat(ask(DISPUTED), mode="route")
    assert routed.additional_kwargs["routing"]["policy"] == "threshold"
    assert routed.message.content == REPLIES[DISPUTED][WEAK]  # routing alone trusts the weak model here


async def test_a_function_agent_tool_loop_stays_on_one_model(provider: FakeProvider) -> None:
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(fn=multiply)], llm=make_llm(provider),
                          system_prompt="Use the tools.")
    handler = agent.run(user_msg="Use the tool: what is 6 times 7?")
    results = [event async for event in handler.stream_events() if isinstance(event, ToolCallResult)]
    response = await handler
    assert [result.tool_name for result in results] == ["multiply"]
    assert str(response).startswith("The tool returned")
    assert STRONG not in called(provider)  # both cheap models asked for the same call: the weak one stood
    assert response.response.additional_kwargs["routing"]["model"] == WEAK


def test_a_failed_checker_leaves_the_decision_to_the_router(provider: FakeProvider) -> None:
    provider.fail_next("checker-model", status=500)
    response = make_llm(provider).chat(ask(DISPUTED))  # no second opinion: the router's score (0.1) keeps it weak
    routing = response.additional_kwargs["routing"]
    assert response.message.content == REPLIES[DISPUTED][WEAK] and verdict(response) == (WEAK, False, "agreement")
    assert routing["extra"]["cascade"]["verifier_score"] is None
    failed = [call for call in routing["extra"]["cascade"]["calls"] if call["error"] is not None]
    assert [(call["role"], call["model"]) for call in failed] == [("checker", CHECKER)]


@pytest.fixture
def core_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_core_calls(monkeypatch)


async def test_one_cascaded_chat_enters_the_core_once(provider: FakeProvider, core_calls: list[str]) -> None:
    llm = make_llm(provider)
    llm.chat(ask(DISPUTED))
    list(llm.stream_chat(ask(AGREED)))
    await llm.achat(ask(AGREED))
    entered = [name for name in core_calls if name.startswith("RoutedClient.")]
    assert entered == ["RoutedClient.complete", "RoutedClient.stream", "RoutedClient.acomplete"]


def test_the_fields_are_the_configuration(provider: FakeProvider) -> None:
    llm = make_llm(provider, verifier="agreement", cascade_band=(0.1, 0.9))
    config = llm.to_config()
    assert (config.mode, config.checker, config.verifier, config.cascade_band) == (
        "cascade", CHECKER, "agreement", (0.1, 0.9))
    assert {key: llm.to_dict()[key] for key in ("mode", "checker", "verifier")} == {
        "mode": "cascade", "checker": CHECKER, "verifier": "agreement"}
    wrapped = RoutedLLM(client=RoutedClient.from_config(config))
    assert wrapped.to_config() == config and (wrapped.mode, wrapped.checker) == ("cascade", CHECKER)
    with pytest.raises(ConfigurationError, match="^client: "):
        RoutedLLM(client=wrapped.client, mode="cascade")


@pytest.mark.parametrize(("options", "message"), [
    ({"mode": "cascde"}, r"^mode: must be one of \('route', 'cascade', 'hybrid'\), got 'cascde'"),
    ({"checker": " "}, "^checker: must be a litellm model string or None"),
    ({"verifier": "no-such-verifier"}, "^verifier: unknown verifier 'no-such-verifier'"),
    ({"cascade_band": (0.9, 0.1)}, r"^cascade_band: must be \(low, high\) shares"),
])
def test_the_cascade_fields_validate_as_the_client_does(provider: FakeProvider, options: dict[str, Any],
                                                        message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_llm(provider, **options)


def test_a_misspelt_mode_for_one_call_fails_before_any_call(provider: FakeProvider) -> None:
    with pytest.raises(ConfigurationError, match="^mode: must be one of"):
        make_llm(provider).chat(ask(AGREED), mode="cascde")
    assert provider.requests == []


def test_metadata_counts_the_checker_among_the_models_that_take_the_prompt() -> None:
    llm = RoutedLLM("openai/gpt-4o", "openai/gpt-4o-mini", FakeScorer(), checker="ollama/llama3.1")
    assert llm.metadata.context_window == 8192  # the checker's (llama3.1 on ollama), not gpt-4o-mini's 128000
