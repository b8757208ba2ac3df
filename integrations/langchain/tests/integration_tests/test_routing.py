"""RoutedChatModel in real LangChain code against the loopback provider: chains, agents,
per-call thresholds, sticky tool loops, fallback, traces and secrets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pytest
from langchain.agents import create_agent
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import LLMResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import ConfigurableField
from langchain_core.tools import tool
from langchain_routed_llm import RoutedChatModel
from pydantic import BaseModel, Field

from routed_llm import ProviderError
from routed_llm.testing import FakeProvider, FakeScorer

STRONG, WEAK = "openai/strong-model", "openai/weak-model"
SECRET = "sk-routed-test-0123456789abcdef"


@pytest.fixture
def provider(fake_provider: FakeProvider) -> FakeProvider:
    fake_provider.clear()
    return fake_provider


def make_model(provider: FakeProvider, **fields: Any) -> RoutedChatModel:
    params: dict[str, Any] = {
        "strong": STRONG,
        "weak": WEAK,
        "scorer": FakeScorer({"prove": 0.9, "hello": 0.1}, default=0.5),
        "threshold": 0.5,
        "api_base": provider.base_url,
        "api_key": SECRET,
        "max_retries": 0,
    }
    return RoutedChatModel(**{**params, **fields})


@tool
def get_weather(city: str) -> str:
    """Today's weather in a city."""
    return f"It is sunny in {city}."


class DriftingScorer:
    """Scores 0.9 on its first call and 0.1 afterwards: re-scoring mid-run would switch models."""

    name: ClassVar[str] = "drifting"

    def __init__(self) -> None:
        self.calls = 0

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return np.full(len(prompts), 0.9 if self.calls == 1 else 0.1)


class Recorder(BaseCallbackHandler):
    """Keeps what tracers receive when a chat model run starts and ends."""

    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []
        self.ends: list[LLMResult] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.starts.append({"serialized": serialized, **kwargs})

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self.ends.append(response)


# -- chains --------------------------------------------------------------------------------
@pytest.mark.parametrize(("threshold", "model"), [(0.0, STRONG), (0.4, STRONG), (0.6, WEAK), (1.0, WEAK)])
def test_lcel_chain_routes_by_threshold(provider: FakeProvider, threshold: float, model: str) -> None:
    llm = make_model(provider, threshold=threshold)
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "Explain {topic}.")])

    text = (prompt | llm | StrOutputParser()).invoke({"topic": "entropy"})
    message = (prompt | llm).invoke({"topic": "entropy"})

    assert text == f"Answer from {model.split('/')[1]}."
    assert message.response_metadata["model_name"] == model
    routing = message.response_metadata["routing"]
    assert routing["model"] == model and routing["score"] == 0.5 and routing["threshold"] == threshold
    assert routing["router"] == "fake" and routing["policy"] == "threshold" and routing["latency_ms"] >= 0
    assert provider.models_called() == [model.split("/")[1]] * 2


def test_batch_routes_each_prompt_on_its_own(provider: FakeProvider) -> None:
    llm = make_model(provider)
    replies = llm.batch(["prove Fermat's little theorem", "hello there"])
    assert [r.response_metadata["model_name"] for r in replies] == [STRONG, WEAK]
    assert sorted(provider.models_called()) == ["strong-model", "weak-model"]


async def test_async_chain_and_stream(provider: FakeProvider) -> None:
    llm = make_model(provider)
    chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | llm
    reply = await chain.ainvoke({"q": "prove it"})
    assert reply.response_metadata["model_name"] == STRONG
    chunks = [chunk async for chunk in chain.astream({"q": "hello friend, how are you"})]
    assert len([c for c in chunks if c.content]) > 1  # real token streaming, not one blob
    assert "".join(str(c.content) for c in chunks) == "Answer from weak-model."
    assert chunks[-1].response_metadata["routing"]["model"] == WEAK


def test_per_call_threshold_through_bind_and_configurable_fields(provider: FakeProvider) -> None:
    llm = make_model(provider)  # the prompt scores 0.5; the model's own threshold is 0.5
    premium = llm.bind(threshold=0.2)
    cheap = llm.bind(threshold=0.8)
    assert premium.invoke("summarise this").response_metadata["model_name"] == STRONG
    assert cheap.invoke("summarise this").response_metadata["model_name"] == WEAK
    # LangChain's own idiom for run-time settings: configurable_fields (issue 17 item 3)
    configurable = llm.configurable_fields(threshold=ConfigurableField(id="threshold"))
    low = {"configurable": {"threshold": 0.2}}
    high = {"configurable": {"threshold": 0.8}}
    assert configurable.invoke("summarise this", config=low).response_metadata["routing"]["threshold"] == 0.2
    assert configurable.invoke("summarise this", config=high).response_metadata["model_name"] == WEAK
    chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | configurable | StrOutputParser()
    assert chain.invoke({"q": "summarise this"}, config=low) == "Answer from strong-model."
    assert chain.invoke({"q": "summarise this"}, config=high) == "Answer from weak-model."
    # a bound value wins over the configured field
    assert configurable.bind(threshold=0.8).invoke("summarise this", config=low).response_metadata["model_name"] == WEAK


def test_strong_share_per_call(provider: FakeProvider) -> None:
    llm = make_model(provider, scorer="random")
    assert llm.bind(strong_share=1.0).invoke("anything").response_metadata["model_name"] == STRONG
    assert llm.invoke("anything", strong_share=0.0).response_metadata["model_name"] == WEAK


def test_model_pin_per_call(provider: FakeProvider) -> None:
    llm = make_model(provider)
    reply = llm.invoke("prove it", model="weak")
    assert reply.response_metadata["model_name"] == WEAK
    assert reply.response_metadata["routing"]["policy"] == "forced"
    assert llm.invoke("hello", model=STRONG).response_metadata["model_name"] == STRONG


def test_stop_sequence_cuts_the_answer(provider: FakeProvider) -> None:
    assert make_model(provider).invoke("hello", stop=["weak"]).content == "Answer from "
    assert make_model(provider, stop=["from"]).invoke("hello").content == "Answer "


def test_streaming_carries_usage_and_decision_once(provider: FakeProvider) -> None:
    chunks = list(make_model(provider).stream("prove that 2 is prime"))
    assert len([c for c in chunks if c.content]) == 3
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1 and with_usage[0].usage_metadata["input_tokens"] > 0
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert full.content == "Answer from strong-model."
    assert full.response_metadata["model_name"] == STRONG
    assert full.response_metadata["routing"]["role"] == "strong"
    assert full.usage_metadata is not None and full.usage_metadata["total_tokens"] > 0


def test_streaming_field_makes_invoke_stream_from_the_provider(provider: FakeProvider) -> None:
    reply = make_model(provider, streaming=True).invoke("prove it")
    assert reply.content == "Answer from strong-model."
    assert reply.response_metadata["routing"]["role"] == "strong" and reply.usage_metadata is not None
    assert provider.requests[-1].body["stream"] is True


# -- structured output -----------------------------------------------------------------------
class Person(BaseModel):
    """A person the text mentions."""

    name: str = Field(description="their name")
    age: int = Field(description="their age in years")


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output_methods(provider: FakeProvider, method: str) -> None:
    llm = make_model(provider, scorer=FakeScorer(default=0.9))
    person = llm.with_structured_output(Person, method=method).invoke("Extract: 'Ada' is 36 years old.")
    assert isinstance(person, Person)
    body = provider.requests[-1].body
    if method == "function_calling":
        assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
        assert person == Person(name="Ada", age=36)
    else:
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["name"] == "Person"
    raw = llm.with_structured_output(Person, method=method, include_raw=True).invoke("Extract: 'Ada' is 36.")
    assert isinstance(raw["parsed"], Person) and raw["parsing_error"] is None
    assert raw["raw"].response_metadata["model_name"] == STRONG


# -- agents ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("threshold", "model"), [(0.3, STRONG), (0.7, WEAK)])
def test_agent_completes_a_tool_round_trip(provider: FakeProvider, threshold: float, model: str) -> None:
    agent = create_agent(make_model(provider, threshold=threshold), tools=[get_weather])
    state = agent.invoke({"messages": [HumanMessage("What is the weather in 'Paris'?")]})
    call, result, answer = state["messages"][1:]
    assert isinstance(call, AIMessage) and call.tool_calls[0]["name"] == "get_weather"
    assert call.tool_calls[0]["args"] == {"city": "Paris"}
    assert isinstance(result, ToolMessage) and result.content == "It is sunny in Paris."
    assert isinstance(answer, AIMessage) and "It is sunny in Paris." in answer.text
    assert [m.response_metadata["model_name"] for m in (call, answer)] == [model, model]
    assert provider.models_called() == [model.split("/")[1]] * 2


async def test_async_agent_round_trip(provider: FakeProvider) -> None:
    agent = create_agent(make_model(provider), tools=[get_weather])
    state = await agent.ainvoke({"messages": [HumanMessage("prove the weather in 'Oslo' is known")]})
    assert state["messages"][-1].response_metadata["model_name"] == STRONG
    assert "It is sunny in Oslo." in state["messages"][-1].text


def test_agent_streams_tokens_of_the_routed_model(provider: FakeProvider) -> None:
    agent = create_agent(make_model(provider), tools=[get_weather])
    tokens = [
        (chunk.content, chunk.response_metadata.get("model_name"))
        for chunk, _ in agent.stream({"messages": [HumanMessage("hello, weather in 'Lima'?")]}, stream_mode="messages")
        if isinstance(chunk, AIMessage)
    ]
    assert "".join(content for content, _ in tokens if isinstance(content, str)).startswith("The tool returned")
    assert {name for _, name in tokens if name} == {WEAK}
    assert len([content for content, _ in tokens if content]) > 3  # token by token, not one message


@pytest.mark.parametrize(("sticky", "second"), [(True, STRONG), (False, WEAK)])
def test_sticky_routing_keeps_the_model_through_the_tool_loop(
    provider: FakeProvider, sticky: bool, second: str
) -> None:
    agent = create_agent(make_model(provider, scorer=DriftingScorer(), sticky=sticky), tools=[get_weather])
    state = agent.invoke({"messages": [HumanMessage("What is the weather in 'Rome'?")]})
    call, answer = state["messages"][1], state["messages"][-1]
    assert call.response_metadata["model_name"] == STRONG
    assert answer.response_metadata["model_name"] == second
    if sticky:  # its own policy name, not the user's "forced" (issue 18 item 16)
        assert answer.response_metadata["routing"]["policy"] == "sticky"


def test_sticky_reads_the_role_from_the_issuing_message(provider: FakeProvider) -> None:
    llm = make_model(provider).bind_tools([get_weather])
    issued = AIMessage(
        "",
        tool_calls=[{"name": "get_weather", "args": {"city": "Rome"}, "id": "call_1", "type": "tool_call"}],
        response_metadata={"model_name": STRONG, "routing": {"role": "strong", "model": STRONG}},
    )
    history = [HumanMessage("hello"), issued, ToolMessage("sunny", tool_call_id="call_1")]
    assert llm.invoke(history).response_metadata["model_name"] == STRONG  # "hello" alone scores weak
    fresh = [*history, AIMessage("It is sunny."), HumanMessage("hello again")]
    assert llm.invoke(fresh).response_metadata["model_name"] == WEAK  # a new turn is routed afresh


# -- failures, traces, secrets -------------------------------------------------------------
def test_fallback_answers_with_the_other_model(provider: FakeProvider) -> None:
    provider.fail_next("strong-model", status=500)
    reply = make_model(provider, fallback=True).invoke("prove it")
    routing = reply.response_metadata["routing"]
    assert reply.response_metadata["model_name"] == WEAK
    assert routing["fallback"] is True and routing["routed_model"] == STRONG and routing["model"] == WEAK
    assert provider.models_called() == ["strong-model", "weak-model"]


def test_provider_error_without_fallback_names_models_not_the_key(provider: FakeProvider) -> None:
    provider.fail_next("strong-model", status=500, error_message=f"bad key {SECRET}")
    with pytest.raises(ProviderError) as caught:
        make_model(provider).invoke("prove it")
    assert STRONG in str(caught.value) and caught.value.models == (STRONG,)
    assert SECRET not in str(caught.value)


def test_stream_falls_back_before_the_first_chunk_and_fails_loudly_after(provider: FakeProvider) -> None:
    provider.fail_next("strong-model", status=503)
    chunks = list(make_model(provider, fallback=True).stream("prove it"))
    assert "".join(str(c.content) for c in chunks) == "Answer from weak-model."
    assert chunks[-1].response_metadata["routing"]["fallback"] is True
    provider.fail_next("strong-model", status=200, content="one two three four", fail_after_chunks=2)
    with pytest.raises(ProviderError, match="mid-stream"):
        list(make_model(provider).stream("prove it"))


def test_traces_name_the_model_that_answers_and_never_the_key(provider: FakeProvider) -> None:
    recorder = Recorder()
    llm = make_model(provider)
    reply = llm.invoke("hello", config={"callbacks": [recorder]})
    list(llm.stream("prove it", config={"callbacks": [recorder]}))
    # routing happens inside the run (issue 17 item 3): the start names the candidates,
    # the end carries the model that answered and the decision
    (invoke_start, stream_start) = recorder.starts
    assert invoke_start["metadata"]["ls_model_name"] == stream_start["metadata"]["ls_model_name"] == f"{STRONG}|{WEAK}"
    assert invoke_start["invocation_params"]["strong"] == STRONG
    (invoke_end, stream_end) = recorder.ends
    assert invoke_end.llm_output is not None and invoke_end.llm_output["model_name"] == WEAK
    assert invoke_end.llm_output["routing"]["role"] == "weak"
    assert stream_end.generations[0][0].message.response_metadata["model_name"] == STRONG
    pinned = llm.invoke("hello", route_to="strong", config={"callbacks": [recorder]})
    assert recorder.starts[-1]["metadata"]["ls_model_name"] == STRONG and pinned.response_metadata["model_name"] == STRONG
    everything = json.dumps([recorder.starts, reply.response_metadata], default=repr) + repr(llm) + str(llm)
    everything += json.dumps([end.model_dump() for end in recorder.ends], default=repr)
    assert SECRET not in everything
    assert provider.requests[0].headers["authorization"] == f"Bearer {SECRET}"  # the provider did get it


def test_cache_key_holds_the_chosen_model(provider: FakeProvider) -> None:
    llm = make_model(provider, cache=InMemoryCache())
    first = llm.invoke("hello")
    again = llm.invoke("hello")
    assert again.content == first.content and again.response_metadata["model_name"] == WEAK
    assert llm.invoke("hello", model="strong").response_metadata["model_name"] == STRONG
    assert provider.models_called() == ["weak-model", "strong-model"]


def test_generate_called_directly_routes_inside_the_run(provider: FakeProvider) -> None:
    result = make_model(provider).generate([[HumanMessage("prove it")], [HumanMessage("hello")]])
    models = [generations[0].message.response_metadata["model_name"] for generations in result.generations]
    assert models == [STRONG, WEAK]


def test_usage_report_counts_calls_per_model(provider: FakeProvider) -> None:
    llm = make_model(provider)
    llm.batch(["prove a", "hello b", "hello c"])
    report = llm.client.usage()
    assert {model: usage.calls for model, usage in report.models.items()} == {STRONG: 1, WEAK: 2}
