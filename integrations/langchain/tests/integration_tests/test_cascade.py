"""Issue 25: ``RoutedChatModel`` in cascade mode, through LangChain and LangGraph for real.

The weak model answers first; a checker model answers beside it; the weak answer stands
where the two agree and the strong model answers where they do not. The decision in
``response_metadata["routing"]`` has policy ``cascade`` and the verdict in its ``extra``;
one LangChain call still enters the core once, and the client's ledger counts every call.
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
from routed_llm_qa.cascade_replies import AGREED, CHECKER, DISPUTED, REPLIES, STRONG, WEAK, cascade_reply
from routed_llm_qa.core_calls import spy_core_calls

from routed_llm import ConfigurationError
from routed_llm.testing import FakeProvider, FakeScorer


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
    with FakeProvider(cascade_reply) as fake:
        yield fake


def make_model(provider: FakeProvider, **fields: Any) -> RoutedChatModel:
    params: dict[str, Any] = {
        "strong": STRONG, "weak": WEAK, "checker": CHECKER, "mode": "cascade", "scorer": FakeScorer(default=0.1),
        "threshold": 0.5, "api_base": provider.base_url, "api_key": "k", "max_retries": 0,
    }
    return RoutedChatModel(**{**params, **fields})


def verdict(message: AIMessage | AIMessageChunk) -> tuple[str, bool, str]:
    """(model that answered, escalated, verifier) as the message's metadata records them."""
    routing = message.response_metadata["routing"]
    assert routing["policy"] == "cascade" and routing["model"] == message.response_metadata["model_name"]
    return routing["model"], routing["extra"]["cascade"]["escalated"], routing["extra"]["cascade"]["verifier"]


def called(provider: FakeProvider) -> list[str]:
    return sorted(f"openai/{model}" for model in provider.models_called())


@pytest.mark.parametrize(("question", "model", "escalated"), [(AGREED, WEAK, False), (DISPUTED, STRONG, True)])
def test_invoke_keeps_an_agreed_answer_and_escalates_a_disputed_one(
    provider: FakeProvider, question: str, model: str, escalated: bool
) -> None:
    llm = make_model(provider)
    reply = llm.invoke(question)
    assert reply.content == REPLIES[question][model]
    assert verdict(reply) == (model, escalated, "agreement")
    calls = reply.response_metadata["routing"]["extra"]["cascade"]["calls"]
    assert sorted(call["model"] for call in calls) == called(provider)
    assert called(provider) == sorted([WEAK, CHECKER, *([STRONG] if escalated else [])])
    assert llm.client.usage().calls == len(provider.models_called())  # the cheap calls are counted too


@pytest.mark.parametrize(("question", "model", "escalated"), [(AGREED, WEAK, False), (DISPUTED, STRONG, True)])
def test_stream_sends_the_answer_that_stands(provider: FakeProvider, question: str, model: str,
                                             escalated: bool) -> None:
    chunks = list(make_model(provider).stream(question))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.content == REPLIES[question][model]
    assert verdict(chunks[-1]) == (model, escalated, "agreement")


async def test_ainvoke_and_astream_cascade_too(provider: FakeProvider) -> None:
    llm = make_model(provider)
    reply = await llm.ainvoke(DISPUTED)
    assert (reply.content, verdict(reply)) == (REPLIES[DISPUTED][STRONG], (STRONG, True, "agreement"))
    chunks = [chunk async for chunk in llm.astream(AGREED)]
    assert "".join(str(chunk.content) for chunk in chunks) == REPLIES[AGREED][WEAK]
    assert verdict(chunks[-1]) == (WEAK, False, "agreement")


def test_mode_is_chosen_per_call_with_bind(provider: FakeProvider) -> None:
    routed = make_model(provider, mode="route")
    reply = routed.bind(mode="cascade").invoke(DISPUTED)
    assert verdict(reply) == (STRONG, True, "agreement")
    plain = make_model(provider).invoke(DISPUTED, mode="route")
    assert plain.response_metadata["routing"]["policy"] == "threshold"
    assert plain.content == REPLIES[DISPUTED][WEAK]  # routing alone trusts the weak model here


def test_a_langgraph_agent_tool_loop_stays_on_one_model(provider: FakeProvider) -> None:
    agent = create_react_agent(make_model(provider), [multiply])
    messages = agent.invoke({"messages": [HumanMessage("Use the tool: what is 6 times 7?")]})["messages"]
    answers = [message for message in messages if isinstance(message, AIMessage)]
    assert answers[0].tool_calls and answers[0].tool_calls[0]["name"] == "multiply"
    assert verdict(answers[0]) == (WEAK, False, "agreement")  # both cheap models asked for the same call
    assert {message.response_metadata["model_name"] for message in answers} == {WEAK}
    assert answers[-1].content.startswith("The tool returned")
    assert STRONG not in called(provider)


def test_structured_output_is_verified_on_the_parsed_object(provider: FakeProvider) -> None:
    structured = make_model(provider).with_structured_output(Invoice, include_raw=True)
    result = structured.invoke("Read the invoice: ACME owes 12.5 USD.")
    assert isinstance(result["parsed"], Invoice) and result["parsing_error"] is None
    assert verdict(result["raw"]) == (WEAK, False, "agreement")
    assert provider.requests[-1].body["tool_choice"]["function"]["name"] == "Invoice"


def test_a_failed_checker_leaves_the_decision_to_the_router(provider: FakeProvider) -> None:
    provider.fail_next("checker-model", status=500)
    reply = make_model(provider).invoke(DISPUTED)  # no second opinion: the router's score (0.1) keeps it weak
    routing = reply.response_metadata["routing"]
    assert reply.content == REPLIES[DISPUTED][WEAK] and verdict(reply) == (WEAK, False, "agreement")
    assert routing["extra"]["cascade"]["verifier_score"] is None
    failed = [call for call in routing["extra"]["cascade"]["calls"] if call["error"] is not None]
    assert [(call["role"], call["model"]) for call in failed] == [("checker", CHECKER)]


@pytest.fixture
def core_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_core_calls(monkeypatch)


def test_one_cascaded_invoke_enters_the_core_once(provider: FakeProvider, core_calls: list[str]) -> None:
    llm = make_model(provider)
    llm.invoke(DISPUTED)
    list(llm.stream(AGREED))
    entered = [name for name in core_calls if name.startswith("RoutedClient.")]
    assert entered == ["RoutedClient.complete", "RoutedClient.stream"]
    assert core_calls.count("Router.route") <= 2


@pytest.mark.parametrize(("fields", "message"), [
    ({"mode": "cascde"}, r"mode: must be one of \('route', 'cascade', 'hybrid'\), got 'cascde'"),
    ({"checker": " "}, "checker: must be a litellm model string or None"),
    ({"verifier": "no-such-verifier"}, "verifier: unknown verifier 'no-such-verifier'"),
    ({"cascade_band": (0.9, 0.1)}, r"cascade_band: must be \(low, high\) shares"),
])
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
        make_model(provider).invoke(AGREED, mode="cascde")
    assert provider.requests == []


def test_the_fields_are_the_configuration(provider: FakeProvider) -> None:
    from routed_llm.verifiers.logprob import LogprobVerifier

    llm = make_model(provider, verifier=LogprobVerifier(), cascade_band=(0.1, 0.9))
    config = llm.to_config()
    assert (config.mode, config.checker, config.cascade_band) == ("cascade", CHECKER, (0.1, 0.9))
    assert config.verifier is llm.verifier
    dumped = llm.model_dump()
    assert (dumped["mode"], dumped["checker"], dumped["verifier"]) == ("cascade", CHECKER, "logprob")
    assert llm._identifying_params["mode"] == "cascade"
