"""Bad input reaches a decision or a typed error, never a crash inside a scorer."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routed_llm import InvalidPromptError, RandomScorer, RoutedClient
from routed_llm.testing import FakeProvider

ROUTER = RoutedClient("openai/big", "openai/small", scorer=RandomScorer(), threshold=0.5)


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": "x" * 1_000_000}],
        [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:..."}}]}],
        [{"role": "user", "content": "bad \udcff surrogate \ud800"}],
        [{"role": "user", "content": "q"}, {"role": "assistant", "content": None, "tool_calls": []},
         {"role": "tool", "content": "result", "tool_call_id": "1"}],
        "plain string",
    ],
    ids=["1MB", "image-only", "surrogates", "tool-loop", "string"],
)
def test_odd_but_valid_input_is_routed(messages: Any) -> None:
    decision = ROUTER.route(messages)
    assert decision.model in ("openai/big", "openai/small") and 0.0 <= decision.score <= 1.0


@pytest.mark.parametrize(
    "messages",
    [[], [{"role": "system", "content": "s"}], [{"role": "user", "content": 3}], [{"role": None}], None, 42, b"x"],
    ids=["empty", "no-user", "int-content", "none-role", "none", "int", "bytes"],
)
def test_bad_input_is_a_typed_error(messages: Any) -> None:
    with pytest.raises(InvalidPromptError):
        ROUTER.route(messages)


def test_a_megabyte_prompt_is_routed_and_sent_whole(provider: FakeProvider) -> None:
    client = RoutedClient("openai/big", "openai/small", scorer="random", threshold=1.0,
                          api_base=provider.base_url, api_key="k")
    reply = client.complete([{"role": "user", "content": "y" * 1_000_000}])
    assert reply.decision.model == "openai/small"
    assert len(provider.requests[-1].body["messages"][0]["content"]) == 1_000_000


_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_message = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system", "tool"]), "content": _json_like}),
    _json_like,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(st.one_of(st.lists(_message, max_size=6), _json_like))
def test_any_json_like_input_gives_a_decision_or_a_typed_error(messages: Any) -> None:
    try:
        decision = ROUTER.route(messages)
    except InvalidPromptError:
        return
    assert decision.model in ("openai/big", "openai/small")
