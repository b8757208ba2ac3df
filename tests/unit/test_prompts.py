from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routed_llm import ConfigurationError, InvalidPromptError, prompt_text

CHAT = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "first question"},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]},
    {"role": "tool", "content": "tool output that must not be scored", "tool_call_id": "1"},
    {"role": "assistant", "content": "an answer"},
    {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "image_url", "image_url": {"url": "x"}},
                                 {"type": "text", "text": "question"}]},
]


def test_plain_string_is_the_prompt() -> None:
    assert prompt_text("hello") == "hello"


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("last_user", "second\nquestion"),
        ("first_user", "first question"),
        ("all_user", "first question\nsecond\nquestion"),
        ("conversation", "system: You are terse.\nuser: first question\nassistant: an answer\nuser: second\nquestion"),
    ],
)
def test_views_select_turns_and_skip_tool_output(view: str, expected: str) -> None:
    assert prompt_text(CHAT, view=view) == expected  # type: ignore[arg-type]


def test_long_prompts_keep_head_and_tail() -> None:
    text = "HEAD" + "x" * 10_000 + "TAIL"
    out = prompt_text(text, max_chars=100)
    assert len(out) == 100
    assert out.startswith("HEAD") and out.endswith("TAIL") and "…" in out


def test_no_truncation_when_disabled() -> None:
    assert len(prompt_text("y" * 50_000, max_chars=None)) == 50_000


def test_lone_surrogates_are_replaced() -> None:
    out = prompt_text("bad \ud800 char")
    out.encode("utf-8")  # would raise on a lone surrogate
    assert out.startswith("bad ") and out.endswith(" char")


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        ([], "empty"),
        ([{"role": "system", "content": "only system"}], "no user turn"),
        ([{"role": "tool", "content": "x"}], "no user turn"),
        (["not a dict"], "messages[0]"),
        ([{"content": "no role"}], "messages[0].role"),
        ([{"role": "user", "content": 42}], "messages[0].content"),
        ([{"role": "user", "content": [1]}], "messages[0].content[0]"),
        (b"bytes", "expected a string"),
        (None, "expected a string"),
    ],
)
def test_bad_input_raises_typed_error_naming_the_problem(messages: object, fragment: str) -> None:
    with pytest.raises(InvalidPromptError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        prompt_text(messages)  # type: ignore[arg-type]


def test_bad_configuration_names_the_field() -> None:
    with pytest.raises(ConfigurationError, match="prompt_view"):
        prompt_text("x", view="everything")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="max_prompt_chars"):
        prompt_text("x", max_chars=3)


_content = st.one_of(
    st.none(),
    st.text(),
    st.lists(st.one_of(st.text(), st.fixed_dictionaries({"type": st.just("text"), "text": st.text()}),
                       st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.just({"url": "u"})}))),
)
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant", "tool", "function"]), "content": _content}
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_message, max_size=8), st.sampled_from(["last_user", "first_user", "all_user", "conversation"]))
def test_any_message_list_gives_text_or_a_typed_error(messages: list[dict], view: str) -> None:
    try:
        out = prompt_text(messages, view=view, max_chars=256)  # type: ignore[arg-type]
    except InvalidPromptError:
        return
    assert isinstance(out, str) and len(out) <= 256
    out.encode("utf-8")
