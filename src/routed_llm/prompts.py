"""Turn chat messages into the text a router scorer sees.

Scorers are trained on single prompts, but applications send conversations: system
prompts, tool results, images, earlier turns. What counts is a routing choice of its own,
so it is configurable (:data:`PromptView`) and lives in one function that every entry
point (client, CLI, framework integrations) shares.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, get_args

from routed_llm.errors import ConfigurationError, InvalidPromptError

__all__ = ["DEFAULT_MAX_PROMPT_CHARS", "Messages", "PromptView", "prompt_text", "routing_text", "scored_text_in_force"]

PromptView = Literal["last_user", "first_user", "all_user", "conversation"]
"""Which turns the scorer sees.

- ``last_user`` (default): the newest user turn, the request being answered now.
- ``first_user``: the first user turn; it stays the same through an agent's tool loop, so
  a deterministic scorer keeps choosing the same model for the whole run.
- ``all_user``: every user turn, oldest first.
- ``conversation``: system, user and assistant text, each line prefixed by its role.

Tool and function results are never scored: they are data the model reads, not the
difficulty of the request.
"""

Messages = str | Sequence[Mapping[str, Any]]
"""A plain prompt string or an OpenAI-style list of ``{"role", "content"}`` messages."""

DEFAULT_MAX_PROMPT_CHARS = 4096
_SKIPPED_ROLES = frozenset({"tool", "function", "ipython"})
_VIEWS: tuple[str, ...] = get_args(PromptView)
_ELLIPSIS = "\n…\n"
_routing_text: ContextVar[str | None] = ContextVar("routed_llm_routing_text", default=None)


def prompt_text(
    messages: Messages,
    *,
    view: PromptView = "last_user",
    max_chars: int | None = DEFAULT_MAX_PROMPT_CHARS,
) -> str:
    """Return the text a scorer sees for ``messages``.

    Long texts keep their head and their tail (the instruction usually opens a prompt and
    the actual question closes it, as in few-shot prompts), joined by an ellipsis line.
    Lone surrogates and other unencodable characters are replaced, so scorers and
    tokenizers never see invalid UTF-8.
    """
    if view not in _VIEWS:
        raise ConfigurationError("prompt_view", f"must be one of {_VIEWS}, got {view!r}")
    if max_chars is not None and (not isinstance(max_chars, int) or max_chars < 16):
        raise ConfigurationError("max_prompt_chars", f"must be an int >= 16 or None, got {max_chars!r}")
    if isinstance(messages, str):
        text = messages
    else:
        text = _select(_parse(messages), view)
    return _truncate(_clean(text), max_chars)


@contextmanager
def routing_text(text: str) -> Iterator[None]:
    """Score ``text`` instead of the messages for the routed calls made inside the block.

    Frameworks fill templates (retrieved context, instructions) around the user's
    question; the router should judge the question. LlamaIndex's ``RoutedLLM.predict``
    and kin use this with the template's question variable; LangChain users can wrap a
    chain call in it. A call's own ``scored_text=`` wins. Context-local, so concurrent
    tasks and threads do not mix.
    """
    token = _routing_text.set(text)
    try:
        yield
    finally:
        _routing_text.reset(token)


def scored_text_in_force() -> str | None:
    """The text :func:`routing_text` set for the current context, if any."""
    return _routing_text.get()


def _parse(messages: Any) -> list[tuple[str, str]]:
    if isinstance(messages, (bytes, bytearray)) or not isinstance(messages, Sequence):
        raise InvalidPromptError(
            f"messages: expected a string or a list of message dicts, got {type(messages).__name__}"
        )
    if len(messages) == 0:
        raise InvalidPromptError("messages: the list is empty")
    turns: list[tuple[str, str]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise InvalidPromptError(
                f"messages[{index}]: expected a dict with 'role' and 'content', got {type(message).__name__}"
            )
        role = message.get("role")
        if not isinstance(role, str):
            raise InvalidPromptError(f"messages[{index}].role: expected a string, got {role!r}")
        if role in _SKIPPED_ROLES:
            continue
        turns.append((role, _content_text(message.get("content"), index)))
    return turns


def _content_text(content: Any, index: int) -> str:
    if content is None:  # assistant turns that only carry tool calls
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence) and not isinstance(content, (bytes, bytearray)):
        parts = []
        for part_index, part in enumerate(content):
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping):
                if part.get("type", "text") == "text" and isinstance(part.get("text"), str):
                    parts.append(part["text"])
                # images, audio, files: not text, nothing to score
            else:
                raise InvalidPromptError(
                    f"messages[{index}].content[{part_index}]: expected a string or a content "
                    f"part dict, got {type(part).__name__}"
                )
        return "\n".join(parts)
    raise InvalidPromptError(
        f"messages[{index}].content: expected a string, a list of content parts or None, "
        f"got {type(content).__name__}"
    )


def _select(turns: list[tuple[str, str]], view: PromptView) -> str:
    user_turns = [text for role, text in turns if role == "user"]
    if view == "conversation":
        if not turns:
            raise InvalidPromptError("messages: no system, user or assistant turn to score")
        return "\n".join(f"{role}: {text}" for role, text in turns if text)
    if not user_turns:
        raise InvalidPromptError("messages: no user turn to score")
    if view == "last_user":
        return user_turns[-1]
    if view == "first_user":
        return user_turns[0]
    return "\n".join(user_turns)


def _clean(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def _truncate(text: str, max_chars: int | None) -> str:
    if max_chars is None or len(text) <= max_chars:
        return text
    keep = max_chars - len(_ELLIPSIS)
    head = keep // 2
    return text[:head] + _ELLIPSIS + text[len(text) - (keep - head) :]
