"""RoutedLLM(models=[...]): N candidates, passed through to RoutedClient."""

from __future__ import annotations

import pytest
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.llms.routed_llm import RoutedLLM

from routed_llm.errors import ConfigurationError
from routed_llm.testing import FakeProvider, FakeQualityScorer

MODELS = ["openai/big", "openai/coder", "openai/tiny"]


def keyword_quality() -> FakeQualityScorer:
    """Predicted quality per candidate by keyword: code prompts suit 'coder', easy ones 'tiny'."""
    return FakeQualityScorer({"big": 0.9, "coder": 0.3, "tiny": 0.2}, {"python": {"coder": 0.95}, "easy": {"tiny": 0.85}})


def make(provider: FakeProvider, **options: object) -> RoutedLLM:
    candidates = [{"model": model, "name": model.split("/")[1], "cost": cost}
                  for model, cost in zip(MODELS, (0.01, 0.002, 0.0005), strict=True)]
    return RoutedLLM(models=candidates, scorer=keyword_quality(), cost_weight=20.0,
                     api_base=provider.base_url, api_key="k", num_retries=0, **options)


def user(text: str) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.USER, content=text)]


def test_each_request_goes_to_its_best_value_candidate(provider: FakeProvider) -> None:
    llm = make(provider)
    assert llm.models == MODELS
    reply = llm.chat(user("python sort"))
    routing = reply.additional_kwargs["routing"]
    assert routing["model"] == "openai/coder" and routing["policy"] == "cost_quality"
    assert set(routing["extra"]["candidates"]) == set(MODELS)
    assert llm.complete("easy sum").additional_kwargs["routing"]["model"] == "openai/tiny"
    assert llm.chat(user("hard proof"), route_to="openai/coder").additional_kwargs["routing"]["model"] == "openai/coder"
    assert provider.models_called() == ["coder", "tiny", "coder"]


def test_a_tool_loop_stays_on_the_candidate_that_called_the_tool(provider: FakeProvider) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    turns = [
        *user("easy sum"),  # the router alone would pick tiny
        ChatMessage(role=MessageRole.ASSISTANT, content=None,
                    additional_kwargs={"tool_calls": [call], "routing": {"role": "weak", "model": "openai/coder"}}),
        ChatMessage(role=MessageRole.TOOL, content="42", additional_kwargs={"tool_call_id": "call_1"}),
    ]
    assert make(provider).chat(turns).additional_kwargs["routing"]["policy"] == "sticky"
    assert provider.models_called() == ["coder"]


def test_models_and_strong_weak_do_not_mix(provider: FakeProvider) -> None:
    with pytest.raises(ConfigurationError, match="models"):
        make(provider, strong="openai/big")
