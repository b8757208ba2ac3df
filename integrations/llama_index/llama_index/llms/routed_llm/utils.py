"""Pure converters between LlamaIndex's chat types and the OpenAI-style dicts litellm speaks.

Kept apart from the LLM class so the translation (the integration's only real work) can
be read and tested on its own; nothing here routes, calls or holds state.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    AudioBlock,
    CachePoint,
    ChatMessage,
    CitationBlock,
    DocumentBlock,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.llms.llm import ToolSelection

from routed_llm.errors import InvalidPromptError, RoutedLLMError
from routed_llm.frameworks import ROUTING_KEY

__all__ = [
    "MissingToolCallError",
    "StreamState",
    "from_litellm_message",
    "to_openai_messages",
    "tool_selections",
]

_ROLE_NAMES: Mapping[MessageRole, str] = {MessageRole.CHATBOT: "assistant", MessageRole.MODEL: "assistant"}
_SKIPPED_BLOCKS = (ThinkingBlock, CachePoint, CitationBlock)
"""Blocks that describe a model's own output (or provider hints), not input it can read."""


class MissingToolCallError(RoutedLLMError, ValueError):
    """The model answered without the tool call the caller required.

    A ``ValueError`` too, because LlamaIndex's programs and agents expect one there.
    """


# -- LlamaIndex -> OpenAI-style dicts ------------------------------------------------------
def to_openai_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """The request litellm sends: only the keys the chat API defines leave the process.

    ``additional_kwargs`` are filtered rather than copied, so bookkeeping such as the routing
    decision recorded on an assistant message never reaches a provider that would reject it.
    """
    return [_to_openai_message(message, index) for index, message in enumerate(messages)]


def _to_openai_message(message: ChatMessage, index: int) -> dict[str, Any]:
    role = _ROLE_NAMES.get(message.role, message.role.value)
    parts: list[dict[str, Any]] = []
    tool_calls = [_tool_call_dict(call) for call in message.additional_kwargs.get("tool_calls") or []]
    for block_index, block in enumerate(message.blocks):
        if isinstance(block, ToolCallBlock):
            tool_calls.append(_tool_call_block_dict(block))
        elif not isinstance(block, _SKIPPED_BLOCKS):
            parts.append(_content_part(block, f"messages[{index}].blocks[{block_index}]"))
    content: str | list[dict[str, Any]] | None
    if all(part["type"] == "text" for part in parts):
        content = "".join(part["text"] for part in parts)
    else:
        content = parts
    result: dict[str, Any] = {"role": role, "content": content}
    if tool_calls:
        result["tool_calls"] = _dedupe_calls(tool_calls)
        if content == "":
            result["content"] = None
    for key in ("tool_call_id", "name"):
        if message.additional_kwargs.get(key) is not None:
            result[key] = message.additional_kwargs[key]
    return result


def _content_part(block: Any, where: str) -> dict[str, Any]:
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, ImageBlock):
        if block.url is not None:
            url = str(block.url)
        else:
            data = block.resolve_image(as_base64=True).read().decode("utf-8")
            url = f"data:{block.image_mimetype or 'image/png'};base64,{data}"
        return {"type": "image_url", "image_url": {"url": url, "detail": block.detail or "auto"}}
    if isinstance(block, AudioBlock):
        data = block.resolve_audio(as_base64=True).read().decode("utf-8")
        return {"type": "input_audio", "input_audio": {"data": data, "format": block.format}}
    if isinstance(block, DocumentBlock):
        buffer = block.resolve_document()
        mimetype = block.document_mimetype or block._guess_mimetype() or "application/pdf"
        return {"type": "file", "file": {"file_data": f"data:{mimetype};base64,{block._get_b64_string(buffer)}"}}
    raise InvalidPromptError(f"{where}: a {type(block).__name__} cannot be sent through litellm's chat API")


def _tool_call_dict(call: Any) -> dict[str, Any]:
    """A tool call as the chat API wants it, from a dict or a litellm/OpenAI object."""
    data = call if isinstance(call, Mapping) else call.model_dump()
    function = data.get("function") or {}
    function = function if isinstance(function, Mapping) else function.model_dump()
    arguments = function.get("arguments")
    return {
        "id": data.get("id") or f"call_{uuid.uuid4().hex[:12]}",
        "type": "function",
        "function": {
            "name": function.get("name") or "",
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
        },
    }


def _tool_call_block_dict(block: ToolCallBlock) -> dict[str, Any]:
    arguments = block.tool_kwargs if isinstance(block.tool_kwargs, str) else json.dumps(block.tool_kwargs)
    return {
        "id": block.tool_call_id or f"call_{uuid.uuid4().hex[:12]}",
        "type": "function",
        "function": {"name": block.tool_name, "arguments": arguments},
    }


def _dedupe_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A message may carry the same call twice (kwargs and a block); send it once."""
    seen: set[str] = set()
    unique = []
    for call in calls:
        if call["id"] not in seen:
            seen.add(call["id"])
            unique.append(call)
    return unique


# -- litellm -> LlamaIndex -----------------------------------------------------------------
def from_litellm_message(message: Any, routing: Mapping[str, Any]) -> ChatMessage:
    """The assistant's reply, with its tool calls and the decision that chose its model.

    The decision rides on the message because agents keep messages (not responses) in
    their memory, and sticky routing reads it back from there.
    """
    additional: dict[str, Any] = {ROUTING_KEY: dict(routing)}
    calls = [_tool_call_dict(call) for call in (message.get("tool_calls") or [])]
    if calls:
        additional["tool_calls"] = calls
    return ChatMessage(role=MessageRole.ASSISTANT, content=message.get("content"), additional_kwargs=additional)


class StreamState:
    """The answer so far, rebuilt from litellm stream chunks (text and tool-call deltas)."""

    def __init__(self) -> None:
        self.content = ""
        self.usage: Any = None
        self._calls: dict[int, dict[str, Any]] = {}

    def update(self, chunk: Any) -> str | None:
        """Fold ``chunk`` in; return its text delta, or ``None`` for a chunk without a choice."""
        if getattr(chunk, "usage", None) is not None:
            self.usage = chunk.usage
        if not chunk.choices:
            return None
        delta = chunk.choices[0].delta
        text = delta.content or ""
        self.content += text
        for position, call in enumerate(delta.tool_calls or []):
            index = call.index if getattr(call, "index", None) is not None else position
            slot = self._calls.setdefault(index, {"id": None, "type": "function",
                                                  "function": {"name": "", "arguments": ""}})
            if call.id:
                slot["id"] = call.id
            if call.function is not None:
                slot["function"]["name"] += call.function.name or ""
                slot["function"]["arguments"] += call.function.arguments or ""
        return text

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return [
            {**call, "id": call["id"] or f"call_{index}", "function": dict(call["function"])}
            for index, call in sorted(self._calls.items())
        ]

    def message(self, routing: Mapping[str, Any]) -> ChatMessage:
        additional: dict[str, Any] = {ROUTING_KEY: dict(routing)}
        if self._calls:
            additional["tool_calls"] = self.tool_calls
        return ChatMessage(role=MessageRole.ASSISTANT, content=self.content, additional_kwargs=additional)


def tool_selections(message: ChatMessage, *, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """The tool calls of an assistant message; partial JSON arguments (mid-stream) read as ``{}``."""
    calls = [_tool_call_dict(call) for call in message.additional_kwargs.get("tool_calls") or []]
    calls += [_tool_call_block_dict(block) for block in message.blocks if isinstance(block, ToolCallBlock)]
    selections = []
    for call in _dedupe_calls(calls):
        name = call["function"]["name"]
        if not name:
            continue
        try:
            arguments = json.loads(call["function"]["arguments"] or "{}")
        except json.JSONDecodeError:
            arguments = {}
        selections.append(ToolSelection(tool_id=call["id"], tool_name=name,
                                        tool_kwargs=arguments if isinstance(arguments, dict) else {}))
    if not selections and error_on_no_tool_call:
        raise MissingToolCallError("response.message: expected at least one tool call, the model answered with text")
    return selections
