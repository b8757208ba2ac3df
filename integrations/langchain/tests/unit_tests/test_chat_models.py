"""RoutedChatModel without a provider: exports, converters, configuration, secrets, traces."""

from __future__ import annotations

from typing import Any

import langchain_routed_llm
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langchain_routed_llm import RoutedChatModel
from langchain_routed_llm.chat_models import _convert_message_to_dict, _turns
from pydantic import SecretStr

from routed_llm import ConfigurationError
from routed_llm.routing.sticky import sticky_target
from routed_llm.testing import FakeScorer

pytestmark = pytest.mark.usefixtures("socket_disabled")

STRONG, WEAK = "openai/strong-model", "anthropic/weak-model"
SECRET = "sk-unit-secret-0123456789"


def make_model(**fields: Any) -> RoutedChatModel:
    return RoutedChatModel(**{"strong": STRONG, "weak": WEAK, "scorer": FakeScorer(default=0.2), **fields})


def test_public_names_are_pinned() -> None:
    assert langchain_routed_llm.__all__ == ["RoutedChatModel"]


# -- converters ------------------------------------------------------------------------------
def test_assistant_turn_keeps_text_and_tool_calls_only() -> None:
    message = AIMessage(
        [
            {"type": "thinking", "thinking": "hmm", "signature": "abc"},
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}},
        ],
        tool_calls=[{"name": "lookup", "args": {"q": "ünï"}, "id": "t1", "type": "tool_call"}],
    )
    assert _convert_message_to_dict(message) == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "ünï"}'}}],
    }
    assert _convert_message_to_dict(AIMessage("", tool_calls=[
        {"name": "f", "args": {}, "id": "t2", "type": "tool_call"}]))["content"] is None


def test_other_turns_use_the_openai_format() -> None:
    assert _convert_message_to_dict(SystemMessage("be brief")) == {"role": "system", "content": "be brief"}
    assert _convert_message_to_dict(HumanMessage("hi", name="ada")) == {"role": "user", "name": "ada", "content": "hi"}
    tool_message = ToolMessage("sunny", tool_call_id="t1", name="weather")
    assert _convert_message_to_dict(tool_message) == {
        "role": "tool", "name": "weather", "tool_call_id": "t1", "content": "sunny"}


def _issued(role: str | None) -> AIMessage:
    metadata = {"routing": {"role": role}} if role else {}
    return AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "c1", "type": "tool_call"}],
                     response_metadata=metadata)


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([HumanMessage("q"), _issued("strong"), ToolMessage("r", tool_call_id="c1")], "strong"),
        ([HumanMessage("q"), _issued("weak"), ToolMessage("r", tool_call_id="c1")], "weak"),
        ([HumanMessage("q"), _issued(None), ToolMessage("r", tool_call_id="c1")], None),
        ([HumanMessage("q"), _issued("strong"), ToolMessage("r", tool_call_id="other")], None),
        ([HumanMessage("q"), _issued("strong"), ToolMessage("r", tool_call_id="c1"), HumanMessage("next")], None),
        ([], None),
    ],
)
def test_sticky_role_comes_from_the_message_that_issued_the_call(
    messages: list[Any], expected: str | None
) -> None:
    assert sticky_target(_turns(messages), by_model=False) == expected


def test_unknown_tool_choice_names_the_field() -> None:
    @tool
    def lookup(q: str) -> str:
        """Look something up."""
        return q

    with pytest.raises(ConfigurationError, match="tool_choice"):
        make_model().bind_tools([lookup], tool_choice="missing")


# -- configuration -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"strong": ""}, "strong"),
        ({"threshold": -1.0}, "threshold"),
        ({"threshold": 0.3, "strong_share": 0.2}, "threshold"),
        ({"prompt_view": "everything"}, "prompt_view"),
        ({"scorer": "no-such-router"}, "router"),
        ({"model_kwargs": {"model": "x"}}, "model_kwargs"),
        ({"model": "openai/gpt-4o"}, "model"),
        ({"treshold": 0.3}, "treshold"),
    ],
)
def test_bad_configuration_names_the_field_and_hides_the_key(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field) as caught:
        make_model(api_key=SECRET, **fields)
    assert SECRET not in str(caught.value)


def test_litellm_arguments_from_fields() -> None:
    model = make_model(api_key=SECRET, api_base="http://127.0.0.1:9/v1", timeout=7.5, max_retries=3,
                       weak_kwargs={"api_key": "sk-weak-only-key"}, model_kwargs={"top_p": 0.5})
    strong = model.client.litellm_kwargs("strong")
    assert strong == {"api_key": "**********", "api_base": "http://127.0.0.1:9/v1", "timeout": 7.5,
                      "num_retries": 3, "top_p": 0.5}
    assert model.client._kwargs["weak"]["api_key"] == "sk-weak-only-key"
    assert model.client._kwargs["strong"]["api_key"] == SECRET


def test_api_key_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTED_LLM_API_KEY", SECRET)
    model = make_model()
    assert isinstance(model.api_key, SecretStr) and model.api_key.get_secret_value() == SECRET


def test_secrets_never_show_in_repr_or_params() -> None:
    model = make_model(api_key=SECRET, strong_kwargs={"api_key": "sk-strong-only-secret",
                                                      "extra_headers": {"Authorization": "Bearer sk-header-secret"}})
    shown = repr(model) + str(model) + str(model._identifying_params) + str(model._get_invocation_params())
    shown += model.model_dump_json() + str(model._get_ls_params()) + repr(model.client)
    for secret in (SECRET, "sk-strong-only-secret", "sk-header-secret"):
        assert secret not in shown


def test_ls_params_name_a_pinned_model_or_every_candidate() -> None:
    """Routing happens inside the run (issue 17: no invoke overrides), so a trace's start
    names the pinned model when the call pins one, and every model that may answer otherwise."""
    model = make_model(temperature=0.3, max_tokens=64, stop=["END"])
    params = model._get_ls_params(route_to="weak")
    assert params == {"ls_provider": "anthropic", "ls_model_name": WEAK, "ls_model_type": "chat",
                      "ls_temperature": 0.3, "ls_max_tokens": 64, "ls_stop": ["END"]}
    assert model._get_ls_params(model="strong")["ls_model_name"] == STRONG
    assert model._get_ls_params()["ls_model_name"] == f"{STRONG}|{WEAK}"
    invocation = model._get_invocation_params()
    assert invocation["strong"] == STRONG and invocation["scorer"] == "fake"


def test_pinning_an_unknown_model_fails_before_any_call() -> None:
    with pytest.raises(ConfigurationError, match="model"):
        make_model().invoke("hello", model="openai/some-other-model")


def test_structured_output_rejects_an_unknown_method() -> None:
    with pytest.raises(ConfigurationError, match="method"):
        make_model().with_structured_output({"title": "T", "type": "object"}, method="xml")  # type: ignore[arg-type]


def test_routing_lives_in_the_generate_and_stream_hooks_only() -> None:
    """LangChain's idiom (issue 17 item 3): BaseChatModel's public methods are inherited as they are."""
    overridden = set(vars(RoutedChatModel))
    assert not overridden & {"invoke", "ainvoke", "stream", "astream", "batch", "abatch", "__init__"}
    assert {"_generate", "_agenerate", "_stream", "_astream"} <= overridden
    assert not hasattr(RoutedChatModel._generate, "__signature__")
