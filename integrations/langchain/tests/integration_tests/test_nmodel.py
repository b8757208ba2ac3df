"""RoutedChatModel(models=[...]): N candidates, passed through to RoutedClient."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_routed_llm import RoutedChatModel

from routed_llm.testing import FakeProvider, FakeQualityScorer

MODELS = ["openai/big", "openai/coder", "openai/tiny"]


def keyword_quality() -> FakeQualityScorer:
    """Predicted quality per candidate by keyword: code prompts suit 'coder', easy ones 'tiny'."""
    return FakeQualityScorer({"big": 0.9, "coder": 0.3, "tiny": 0.2}, {"python": {"coder": 0.95}, "easy": {"tiny": 0.85}})


@pytest.fixture
def provider(fake_provider: FakeProvider) -> FakeProvider:
    fake_provider.clear()
    return fake_provider


def make(provider: FakeProvider, **fields: Any) -> RoutedChatModel:
    candidates = [{"model": model, "name": model.split("/")[1], "cost": cost}
                  for model, cost in zip(MODELS, (0.01, 0.002, 0.0005), strict=True)]
    return RoutedChatModel(models=candidates, scorer=keyword_quality(), cost_weight=20.0,
                           base_url=provider.base_url, api_key="k", max_retries=0, **fields)


def test_each_request_goes_to_its_best_value_candidate(provider: FakeProvider) -> None:
    llm = make(provider)
    reply = llm.invoke("python sort")
    routing = reply.response_metadata["routing"]
    assert routing["model"] == "openai/coder" and routing["policy"] == "cost_quality"
    assert set(routing["extra"]["candidates"]) == set(MODELS)
    assert llm.invoke("easy sum").response_metadata["routing"]["model"] == "openai/tiny"
    assert llm.invoke("hard proof", model="openai/coder").response_metadata["routing"]["model"] == "openai/coder"
    assert provider.models_called() == ["coder", "tiny", "coder"]


def test_a_tool_loop_stays_on_the_candidate_that_called_the_tool(provider: FakeProvider) -> None:
    call = {"id": "call_1", "name": "lookup", "args": {}}
    history = [
        HumanMessage("easy sum"),  # the router alone would pick tiny
        AIMessage("", tool_calls=[call], response_metadata={"routing": {"role": "weak", "model": "openai/coder"}}),
        ToolMessage("42", tool_call_id="call_1"),
    ]
    assert make(provider).invoke(history).response_metadata["routing"]["policy"] == "sticky"
    assert provider.models_called() == ["coder"]


def test_models_and_strong_weak_do_not_mix(provider: FakeProvider) -> None:
    # pydantic's ValidationError (a ValueError), as for any LangChain chat model; it names the field
    with pytest.raises(ValueError, match="models"):
        make(provider, strong="openai/big")


def test_candidate_secrets_stay_out_of_reprs_and_dumps(provider: FakeProvider) -> None:
    secret = "sk-candidate-0123456789abcdef"
    llm = RoutedChatModel(
        models=[{"model": "openai/big", "name": "big", "kwargs": {"api_key": secret}},
                {"model": "openai/tiny", "name": "tiny"}],
        scorer=keyword_quality(), base_url=provider.base_url, max_retries=0,
    )
    assert secret not in repr(llm) and secret not in llm.model_dump_json()
    assert llm.invoke("hard proof").response_metadata["routing"]["model"] == "openai/big"
    assert provider.requests[-1].headers.get("authorization") == f"Bearer {secret}"
