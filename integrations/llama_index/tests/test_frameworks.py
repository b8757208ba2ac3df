"""RoutedLLM inside LlamaIndex's own machinery: agents, a query engine, structured outputs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent, ReActAgent, ToolCallResult
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from llama_index.llms.routed_llm import RoutedLLM
from pydantic import BaseModel

from routed_llm.testing import FakeProvider, FakeReply, FakeScorer

MakeLLM = Callable[..., RoutedLLM]


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


MULTIPLY = FunctionTool.from_defaults(fn=multiply)


class Invoice(BaseModel):
    """An invoice read from text."""

    customer: str
    total: float
    paid: bool


class _ScoreSequence:
    """A router whose scores follow a script, one per call: a run that would switch models."""

    name = "sequence"

    def __init__(self, *scores: float) -> None:
        self._scores = list(scores)

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        return np.asarray([self._scores.pop(0) for _ in prompts])


@pytest.mark.parametrize("streaming", [True, False])
async def test_function_agent_completes_a_tool_round_trip_on_one_model(
    make_llm: MakeLLM, provider: FakeProvider, streaming: bool
) -> None:
    llm = make_llm(scorer=_ScoreSequence(0.9, 0.1))  # unpinned, the second call would go to the weak model
    agent = FunctionAgent(tools=[MULTIPLY], llm=llm, system_prompt="Use the tools.", streaming=streaming)
    handler = agent.run(user_msg="What is 3 times 3?")
    results = [event async for event in handler.stream_events() if isinstance(event, ToolCallResult)]
    response = await handler

    assert [r.tool_name for r in results] == ["multiply"] and results[0].tool_kwargs == {"a": 3, "b": 3}
    assert str(response) == "The tool returned 9. Answer from big."
    assert provider.models_called() == ["big", "big"]
    second = provider.requests[-1].body["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "tool"]
    assert second[-1]["tool_call_id"] == second[-2]["tool_calls"][0]["id"]
    assert response.response.additional_kwargs["routing"]["policy"] == "sticky"


async def test_agent_workflow_hands_the_question_to_a_routed_agent(make_llm: MakeLLM, provider: FakeProvider) -> None:
    agent = FunctionAgent(name="calculator", description="Multiplies numbers.", tools=[multiply], llm=make_llm())
    workflow = AgentWorkflow(agents=[agent], root_agent="calculator")
    response = await workflow.run(user_msg="prove that 3 times 3 is 9")
    assert "The tool returned 9" in str(response)
    assert provider.models_called() == ["big", "big"]


async def test_react_agent_parses_the_routed_model_text(make_llm: MakeLLM, provider: FakeProvider) -> None:
    def react(body: Mapping[str, Any]) -> FakeReply:
        if "Observation" in str(body["messages"][-1]["content"]):
            return FakeReply(content=f"Thought: I can answer without using any more tools.\nAnswer: 12 ({body['model']})")
        return FakeReply(content='Thought: I need to multiply.\nAction: multiply\nAction Input: {"a": 3, "b": 4}')

    provider.responder = react
    agent = ReActAgent(tools=[MULTIPLY], llm=make_llm(prompt_view="first_user"))
    response = await agent.run(user_msg="What is 3 times 4?")
    assert str(response) == "12 (small)"
    assert provider.models_called() == ["small", "small"]


def test_streamed_tool_call_is_reassembled_from_deltas(make_llm: MakeLLM, provider: FakeProvider) -> None:
    chunks = list(make_llm().stream_chat_with_tools([MULTIPLY], user_msg="prove 3 times 3"))
    [selection] = make_llm().get_tool_calls_from_response(chunks[-1])
    assert (selection.tool_name, selection.tool_kwargs) == ("multiply", {"a": 3, "b": 3})
    assert chunks[-1].additional_kwargs["routing"]["model"] == "openai/big"
    assert provider.requests[-1].body["tools"][0]["function"]["name"] == "multiply"


def test_predict_and_call_runs_the_chosen_tool(make_llm: MakeLLM, provider: FakeProvider) -> None:
    output = make_llm().predict_and_call([MULTIPLY], "prove 3 times 3")
    assert output.response == "9" and output.sources[0].tool_name == "multiply"
    assert provider.models_called() == ["big"]


def test_query_engine_answers_through_settings_llm(
    make_llm: MakeLLM, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Settings is process-wide: set its fields through monkeypatch so they are restored after the test.
    monkeypatch.setattr(Settings, "_llm", make_llm())
    monkeypatch.setattr(Settings, "_embed_model", MockEmbedding(embed_dim=8))
    documents = [
        Document(text="The Aurora release shipped in March and added offline mode."),
        Document(text="The Borealis release shipped in June and removed the legacy API."),
        Document(text="Support hours are nine to five, Monday to Friday."),
    ]
    engine = VectorStoreIndex.from_documents(documents).as_query_engine(similarity_top_k=3)
    response = engine.query("When did the Aurora release ship?")

    assert str(response) == "Answer from small."
    assert len(response.source_nodes) == 3
    prompt = str(provider.requests[-1].body["messages"])
    assert "Aurora release shipped in March" in prompt and "When did the Aurora release ship?" in prompt
    assert provider.models_called() == ["small"]


def test_structured_predict_fills_the_model(make_llm: MakeLLM, provider: FakeProvider) -> None:
    invoice = make_llm().structured_predict(Invoice, PromptTemplate("Read this invoice: {text}"), text="ACME, $120, paid")
    assert invoice == Invoice(customer="text", total=3.0, paid=True)
    offered = provider.requests[-1].body
    assert offered["tools"][0]["function"]["name"] == "Invoice"


async def test_as_structured_llm_returns_the_object_in_raw(make_llm: MakeLLM, provider: FakeProvider) -> None:
    structured = make_llm().as_structured_llm(Invoice)
    response = structured.complete("prove the invoice total")
    assert isinstance(response.raw, Invoice)
    assert provider.models_called() == ["big"]
    invoice = await make_llm().astructured_predict(Invoice, PromptTemplate("Read: {text}"), text="ACME")
    assert isinstance(invoice, Invoice)


# -- what is scored in a query engine (issue 16 item 5) -----------------------------------------
HARD_CONTEXT = [
    Document(text="To prove the lemma, prove first that every bounded sequence has a convergent subsequence."),
    Document(text="The proof of the theorem needs the lemma and a careful epsilon-delta argument."),
]


@pytest.fixture
def engine_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Settings, "_embed_model", MockEmbedding(embed_dim=8))


@pytest.mark.usefixtures("engine_settings")
@pytest.mark.parametrize("streaming", [False, True])
def test_a_query_engine_scores_the_question_not_the_filled_template(
    make_llm: MakeLLM, provider: FakeProvider, streaming: bool
) -> None:
    scorer = FakeScorer({"prove": 0.9}, default=0.1)  # the retrieved context says "prove"; the question does not
    llm = make_llm(scorer=scorer)
    engine = VectorStoreIndex.from_documents(HARD_CONTEXT).as_query_engine(llm=llm, streaming=streaming)
    response = engine.query("hi, what is this about?")
    text = "".join(response.response_gen) if streaming else str(response)

    assert text == "Answer from small." and scorer.seen == ["hi, what is this about?"]
    sent = str(provider.requests[-1].body["messages"])
    assert "every bounded sequence" in sent and "hi, what is this about?" in sent  # the model still reads it all


@pytest.mark.usefixtures("engine_settings")
async def test_an_async_query_engine_scores_the_question(make_llm: MakeLLM, provider: FakeProvider) -> None:
    scorer = FakeScorer({"prove": 0.9}, default=0.1)
    engine = VectorStoreIndex.from_documents(HARD_CONTEXT).as_query_engine(llm=make_llm(scorer=scorer))
    assert str(await engine.aquery("prove the lemma")) == "Answer from big."
    assert str(await engine.aquery("thanks!")) == "Answer from small."
    assert scorer.seen == ["prove the lemma", "thanks!"]


def test_a_template_without_a_question_variable_is_scored_whole(make_llm: MakeLLM) -> None:
    scorer = FakeScorer(default=0.1)
    make_llm(scorer=scorer).predict(PromptTemplate("Summarise: {text}"), text="the minutes of the meeting")
    assert scorer.seen == ["Summarise: the minutes of the meeting"]
