"""Issue 25: ``RoutedChatModel`` in cascade mode, through LangChain and LangGraph for real.

The weak model answers first; a checker model answers beside it; the weak answer stands
where the two agree and the strong model answers where they do not. The decision in
``response_metadata["routing"]`` has policy ``cascade`` and the verdict in
``extra["cascade"]``; one LangChain call still enters the core once, and the client's
ledger counts every call. The cases are :mod:`routed_llm_qa.cascade_cases`, shared with the
LlamaIndex tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.tools import tool
from langchain_routed_llm import RoutedChatModel
from langgraph.prebuilt import create_react_agent
from pydantic import BaseModel
from routed_llm_qa import cascade_cases as cases
from routed_llm_qa.core_calls import spy_core_calls

from routed_llm import ConfigurationError
from routed_llm.testing import FakeProvider


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


class Invoice(BaseModel):
    """An invoice read from text."""

    customer: str
    total: float


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider(cases.cascade_reply) as fake:
        yield fake


def make_model(provider: FakeProvider, **fields: Any) -> RoutedChatModel:
    return RoutedChatModel(**{**cases.cascade_settings(provider), **fields})


def verdict(message: AIMessage | AIMessageChunk) -> dict[str, Any]:
    """The cascade's verdict in the message's metadata (whose model is the one that answered)."""
    routing = message.response_metadata["routing"]
    assert routing["policy"] == "cascade" and routing["model"] == message.response_metadata["model_name"]
    return {"model": routing["model"], **routing["extra"]["cascade"]}


def outcome(message: AIMessage | AIMessageChunk) -> tuple[str, bool, str]:
    found = verdict(message)
    return found["model"], found["escalated"], found["verifier"]


@pytest.mark.parametrize(("question", "model", "escalated"), cases.VERDICTS)
def test_invoke_keeps_an_agreed_answer_and_escalates_a_disputed_one(
    provider: FakeProvider, question: str, model: str, escalated: bool
) -> None:
    llm = make_model(provider)
    reply = llm.invoke(question)
    assert reply.content == cases.REPLIES[question][model]
    assert outcome(reply) == (model, escalated, "agreement")
    cases.check_calls(verdict(reply), provider, escalated)
    assert llm.client.usage().calls == len(provider.models_called())  # the cheap calls are counted too


@pytest.mark.parametrize(("question", "model", "escalated"), cases.VERDICTS)
def test_stream_sends_the_answer_that_stands(provider: FakeProvider, question: str, model: str,
                                             escalated: bool) -> None:
    chunks = list(make_model(provider).stream(question))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.content == cases.REPLIES[question][model]
    assert outcome(chunks[-1]) == (model, escalated, "agreement")


async def test_ainvoke_and_astream_cascade_too(provider: FakeProvider) -> None:
    llm = make_model(provider)
    reply = await llm.ainvoke(cases.DISPUTED)
    assert reply.content == cases.REPLIES[cases.DISPUTED][cases.STRONG]
    assert outcome(reply) == (cases.STRONG, True, "agreement")
    chunks = [chunk async for chunk in llm.astream(cases.AGREED)]
    assert "".join(str(chunk.content) for chunk in chunks) == cases.REPLIES[cases.AGREED][cases.WEAK]
    assert outcome(chunks[-1]) == (cases.WEAK, False, "agreement")


def test_mode_is_chosen_per_call_with_bind(provider: FakeProvider) -> None:
    routed = make_model(provider, mode="route")
    assert outcome(routed.bind(mode="cascade").invoke(cases.DISPUTED)) == (cases.STRONG, True, "agreement")
    plain = make_model(provider).invoke(cases.DISPUTED, mode="route")
    assert plain.response_metadata["routing"]["policy"] == "threshold"
    assert plain.content == cases.REPLIES[cases.DISPUTED][cases.WEAK]  # routing alone trusts the weak model here


def test_a_langgraph_agent_tool_loop_stays_on_one_model(provider: FakeProvider) -> None:
    agent = create_react_agent(make_model(provider), [multiply])
    messages = agent.invoke({"messages": [HumanMessage("Use the tool: what is 6 times 7?")]})["messages"]
    answers = [message for message in messages if isinstance(message, AIMessage)]
    assert answers[0].tool_calls and answers[0].tool_calls[0]["name"] == "multiply"
    assert outcome(answers[0]) == (cases.WEAK, False, "agreement")  # both cheap models asked for the same call
    assert {message.response_metadata["model_name"] for message in answers} == {cases.WEAK}
    assert answers[-1].content.startswith("The tool returned")
    assert cases.STRONG.removeprefix("openai/") not in provider.models_called()


def test_structured_output_is_verified_on_the_parsed_object(provider: FakeProvider) -> None:
    structured = make_model(provider).with_structured_output(Invoice, include_raw=True)
    result = structured.invoke("Read the invoice: ACME owes 12.5 USD.")
    assert isinstance(result["parsed"], Invoice) and result["parsing_error"] is None
    assert outcome(result["raw"]) == (cases.WEAK, False, "agreement")
    assert provider.requests[-1].body["tool_choice"]["function"]["name"] == "Invoice"


def test_a_failed_checker_leaves_the_decision_to_the_router(provider: FakeProvider) -> None:
    provider.fail_next("checker-model", status=500)
    reply = make_model(provider).invoke(cases.DISPUTED)  # no second opinion: the router's score (0.1) keeps it weak
    assert reply.content == cases.REPLIES[cases.DISPUTED][cases.WEAK]
    assert outcome(reply) == (cases.WEAK, False, "agreement")
    cases.check_failed_checker(verdict(reply))


@pytest.fixture
def core_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_core_calls(monkeypatch)


def test_one_cascaded_invoke_enters_the_core_once(provider: FakeProvider, core_calls: list[str]) -> None:
    llm = make_model(provider)
    llm.invoke(cases.DISPUTED)
    list(llm.stream(cases.AGREED))
    entered = [name for name in core_calls if name.startswith("RoutedClient.")]
    assert entered == ["RoutedClient.complete", "RoutedClient.stream"]
    assert core_calls.count("Router.route") <= 2


@pytest.mark.parametrize(("fields", "message"), cases.BAD_FIELDS)
def test_the_cascade_fields_validate_as_the_client_does(provider: FakeProvider, fields: dict[str, Any],
                                                        message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_model(provider, **fields)
    llm = make_model(provider)
    with pytest.raises(ValueError, match=message):
        for name, value in fields.items():
            setattr(llm, name, value)


def test_a_misspelt_mode_for_one_call_fails_before_any_call(provider: FakeProvider) -> None:
    with pytest.raises(ConfigurationError, match="^mode: must be one of"):
        make_model(provider).invoke(cases.AGREED, mode="cascde")
    assert provider.requests == []


def test_the_fields_are_the_configuration(provider: FakeProvider) -> None:
    from routed_llm.verifiers.logprob import LogprobVerifier

    llm = make_model(provider, verifier=LogprobVerifier(), cascade_band=(0.1, 0.9))
    config = llm.to_config()
    assert (config.mode, config.checker, config.cascade_band) == ("cascade", cases.CHECKER, (0.1, 0.9))
    assert config.verifier is llm.verifier
    dumped = llm.model_dump()
    assert (dumped["mode"], dumped["checker"], dumped["verifier"]) == ("cascade", cases.CHECKER, "logprob")
    assert llm._identifying_params["mode"] == "cascade"
