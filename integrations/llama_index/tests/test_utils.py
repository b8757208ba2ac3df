"""The pure converters between LlamaIndex messages and litellm's OpenAI-style dicts."""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    VideoBlock,
)
from llama_index.llms.routed_llm.base import _turns
from llama_index.llms.routed_llm.utils import (
    MissingToolCallError,
    to_openai_messages,
    tool_selections,
)

from routed_llm import InvalidPromptError, RoutedLLMError
from routed_llm.frameworks import normalise_tool_choice
from routed_llm.routing.sticky import sticky_target

CALL = {"id": "call_7", "type": "function", "function": {"name": "multiply", "arguments": '{"a": 2, "b": 5}'}}


def test_text_blocks_become_plain_content_and_bookkeeping_is_dropped() -> None:
    message = ChatMessage(role=MessageRole.USER, blocks=[TextBlock(text="one "), TextBlock(text="two")],
                          additional_kwargs={"routing": {"role": "weak"}, "thinking_delta": "x"})
    assert to_openai_messages([message]) == [{"role": "user", "content": "one two"}]


def test_images_make_content_parts_and_thinking_is_not_sent() -> None:
    message = ChatMessage(role=MessageRole.USER, blocks=[
        TextBlock(text="what is this?"), ImageBlock(url="https://example.org/cat.png"), ThinkingBlock(content="hm")])
    [sent] = to_openai_messages([message])
    assert sent["content"] == [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.org/cat.png", "detail": "auto"}},
    ]


def test_tool_calls_from_kwargs_and_blocks_and_tool_results() -> None:
    from_kwargs = ChatMessage(role=MessageRole.ASSISTANT, content="", additional_kwargs={"tool_calls": [CALL]})
    from_block = ChatMessage(role=MessageRole.ASSISTANT, blocks=[
        ToolCallBlock(tool_call_id="call_8", tool_name="multiply", tool_kwargs={"a": 1, "b": 1})])
    result = ChatMessage(role=MessageRole.TOOL, content="10", additional_kwargs={"tool_call_id": "call_7", "name": "multiply"})
    sent = to_openai_messages([from_kwargs, from_block, result])
    assert sent[0] == {"role": "assistant", "content": None, "tool_calls": [CALL]}
    assert sent[1]["tool_calls"] == [{"id": "call_8", "type": "function",
                                      "function": {"name": "multiply", "arguments": '{"a": 1, "b": 1}'}}]
    assert sent[2] == {"role": "tool", "content": "10", "tool_call_id": "call_7", "name": "multiply"}


def test_unsupported_block_names_its_position() -> None:
    message = ChatMessage(role=MessageRole.USER, blocks=[TextBlock(text="x"), VideoBlock(url="https://e.org/v.mp4")])
    with pytest.raises(InvalidPromptError, match=r"messages\[1\]\.blocks\[1\]: a VideoBlock"):
        to_openai_messages([ChatMessage(role=MessageRole.SYSTEM, content="s"), message])


def test_tool_choice_by_name_becomes_a_function_object() -> None:
    assert normalise_tool_choice("multiply") == {"type": "function", "function": {"name": "multiply"}}
    assert normalise_tool_choice("required") == "required"


def test_tool_selections_read_arguments_and_tolerate_partial_json() -> None:
    message = ChatMessage(role=MessageRole.ASSISTANT, additional_kwargs={"tool_calls": [CALL]})
    [selection] = tool_selections(message, error_on_no_tool_call=True)
    assert (selection.tool_id, selection.tool_name, selection.tool_kwargs) == ("call_7", "multiply", {"a": 2, "b": 5})
    partial = {**CALL, "function": {"name": "multiply", "arguments": '{"a": 2, "b'}}
    streaming = ChatMessage(role=MessageRole.ASSISTANT, additional_kwargs={"tool_calls": [partial]})
    assert tool_selections(streaming, error_on_no_tool_call=True)[0].tool_kwargs == {}


def test_no_tool_call_is_a_typed_value_error_when_one_is_required() -> None:
    text = ChatMessage(role=MessageRole.ASSISTANT, content="just words")
    assert tool_selections(text, error_on_no_tool_call=False) == []
    with pytest.raises(MissingToolCallError, match="response.message") as info:
        tool_selections(text, error_on_no_tool_call=True)
    assert isinstance(info.value, ValueError) and isinstance(info.value, RoutedLLMError)


def pinned_role(messages: list[ChatMessage]) -> str | None:
    return sticky_target(_turns(messages), by_model=False)


def test_sticky_rule_reads_the_assistant_turn_that_asked_for_the_tools() -> None:
    user = ChatMessage(role=MessageRole.USER, content="q")
    asked = ChatMessage(role=MessageRole.ASSISTANT, additional_kwargs={"tool_calls": [CALL], "routing": {"role": "weak"}})
    result = ChatMessage(role=MessageRole.TOOL, content="10", additional_kwargs={"tool_call_id": "call_7"})
    assert pinned_role([user, asked, result, result]) == "weak"
    assert pinned_role([user, asked, result, ChatMessage(role=MessageRole.USER, content="next")]) is None
    unrouted = ChatMessage(role=MessageRole.ASSISTANT, additional_kwargs={"tool_calls": [CALL]})
    assert pinned_role([user, unrouted, result]) is None
    assert pinned_role([]) is None
    other = ChatMessage(role=MessageRole.TOOL, content="10", additional_kwargs={"tool_call_id": "call_other"})
    assert pinned_role([user, asked, other]) is None  # answers a call this turn did not issue (one rule with LangChain)
