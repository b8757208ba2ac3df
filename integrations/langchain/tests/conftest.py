"""Fixtures: a loopback OpenAI-compatible provider that answers like a cooperative model.

The fake's default answers fit any schema but ignore the prompt; LangChain's standard
suite checks more (``magic_function(3)`` must be called with 3, a customer named
'你好啊集团' must keep its name, JSON mode must return the keys the prompt names), so
:func:`grounded_reply` reads those values from the prompt, as a real model would.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402

from routed_llm.testing import FakeProvider, FakeReply, fake_value_for_schema  # noqa: E402

STRONG = "openai/strong-model"
WEAK = "openai/weak-model"

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_QUOTED = re.compile(r"(?<!\w)'([^']+)'(?!\w)|\"([^\"]+)\"")


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, Mapping))
    return ""


def _last_user_text(messages: list[Mapping[str, Any]]) -> str:
    return next((_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")


def grounded_arguments(schema: Mapping[str, Any], prompt: str) -> dict[str, Any]:
    """Tool arguments taken from the prompt where it states them: numbers in order for
    numeric parameters, quoted text for string ones, a schema-valid value otherwise."""
    numbers = _NUMBER.findall(prompt)
    quoted = [a or b for a, b in _QUOTED.findall(prompt)]
    arguments: dict[str, Any] = {}
    for name, sub in (schema.get("properties") or {}).items():
        kind = sub.get("type")
        if kind == "integer" and numbers:
            arguments[name] = int(float(numbers.pop(0)))
        elif kind == "number" and numbers:
            arguments[name] = float(numbers.pop(0))
        elif kind == "string" and quoted:
            arguments[name] = quoted.pop(0)
        else:
            arguments[name] = fake_value_for_schema(sub, {**schema.get("$defs", {}), **schema.get("definitions", {})})
    return arguments


def grounded_reply(body: Mapping[str, Any]) -> FakeReply | None:
    """Tool calls and JSON-mode objects grounded in the prompt; ``None`` leaves the rest to
    the fake's default behaviour."""
    messages = list(body.get("messages") or [])
    prompt = _last_user_text(messages)
    tools = body.get("tools") or []
    tool_choice = body.get("tool_choice")
    if tools and tool_choice != "none" and messages and messages[-1].get("role") != "tool":
        if isinstance(tool_choice, Mapping):
            wanted = tool_choice["function"]["name"]
            tool = next(t for t in tools if t["function"]["name"] == wanted)
        else:
            tool = next((t for t in tools if t["function"]["name"] in prompt), tools[0])
        function = tool["function"]
        arguments = grounded_arguments(function.get("parameters") or {}, prompt)
        call_id = "call_" + hashlib.sha1(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:12]
        return FakeReply(tool_calls=[{"id": call_id, "type": "function", "function": {
            "name": function["name"], "arguments": json.dumps(arguments, ensure_ascii=False)}}])
    if (body.get("response_format") or {}).get("type") == "json_object":
        keys = [a or b for a, b in _QUOTED.findall(prompt)]
        if keys:
            return FakeReply(content=json.dumps({key: f"{key} about the topic" for key in keys}))
    return None


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[FakeProvider]:
    """One loopback provider for the whole session (its URL is stable for the suites)."""
    with FakeProvider(grounded_reply) as fake:
        yield fake
