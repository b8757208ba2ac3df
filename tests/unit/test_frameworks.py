"""routed_llm.frameworks: the adapter kit both framework integrations share."""

from __future__ import annotations

import subprocess
import sys
import traceback
from types import SimpleNamespace
from typing import Any

import litellm
import openai
import pytest
from pydantic import SecretStr

from routed_llm import ConfigurationError, ProviderError
from routed_llm.frameworks import (
    STICKY_POLICY,
    BuiltClient,
    RoutingSettings,
    Turn,
    conceal,
    normalise_tool_choice,
    pin_target,
    provider_error,
    question_of,
    reveal,
    route,
    routing_text,
    split_call_options,
    sticky_target,
    token_usage,
    without_secrets,
)
from routed_llm.testing import FakeScorer

SECRET = "sk-kit-secret-0123456789"


def test_the_kit_imports_no_framework() -> None:
    code = (
        "import sys, routed_llm.frameworks; "
        "print(any(m.split('.')[0] in ('langchain_core', 'llama_index') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- settings -> client -----------------------------------------------------------------------
def test_a_client_is_rebuilt_only_when_its_settings_change() -> None:
    scorer = FakeScorer()
    built = BuiltClient.for_settings(None, RoutingSettings("openai/a", "openai/b", scorer, litellm_kwargs={"api_key": SECRET}))
    same = BuiltClient.for_settings(built, RoutingSettings("openai/a", "openai/b", scorer, litellm_kwargs={"api_key": SECRET}))
    assert same is built
    changed = BuiltClient.for_settings(built, RoutingSettings("openai/a", "openai/c", scorer, litellm_kwargs={"api_key": SECRET}))
    assert changed is not built and changed.client.weak == "openai/c"


def test_concealed_secrets_reach_the_client_revealed() -> None:
    settings = RoutingSettings("openai/a", "openai/b", FakeScorer(), litellm_kwargs=conceal({"api_key": SECRET}),
                               weak_kwargs=conceal({"extra_headers": {"Authorization": f"Bearer {SECRET}"}}))
    client = settings.build()
    assert client.litellm_kwargs("strong") == {"api_key": "**********"}
    assert SECRET not in repr(settings) and SECRET not in repr(client)


def test_conceal_reveal_and_without_secrets() -> None:
    values = {"api_key": SECRET, "seed": 7, "extra_headers": {"Authorization": SECRET, "X-Team": "a"}}
    hidden = conceal(values)
    assert isinstance(hidden["api_key"], SecretStr) and SECRET not in repr(hidden)
    assert reveal(hidden) == values
    assert without_secrets(hidden) == {"seed": 7, "extra_headers": {"X-Team": "a"}}


# -- per-call options ---------------------------------------------------------------------------
def test_call_options_win_over_defaults_and_the_rest_goes_to_litellm() -> None:
    options, rest = split_call_options({"threshold": 0.2, "temperature": 0.1}, {"threshold": 0.5, "strong_share": None})
    assert options == {"threshold": 0.2} and rest == {"temperature": 0.1}
    options, _ = split_call_options({"strong_share": 0.3}, {"threshold": 0.5})
    assert options == {"strong_share": 0.3}  # one cut-off only: the call's replaces the default threshold
    options, _ = split_call_options({"route_to": "weak"}, {"threshold": 0.5})
    assert options == {"threshold": 0.5, "route_to": "weak"}


@pytest.mark.parametrize(("kwargs", "field"), [({"threshold": 2}, "threshold"), ({"strong_share": -0.1}, "strong_share"),
                                               ({"messages": []}, "messages"), ({"stream": True}, "stream")])
def test_bad_call_options_name_the_argument(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{field}: "):
        split_call_options(kwargs, {})


def test_pin_target_between_two_models_and_among_n() -> None:
    assert pin_target("openai/a", "openai/a", "openai/b") == "strong"
    assert pin_target("weak", "openai/a", "openai/b") == "weak"
    assert pin_target("coder", None, None) == "coder"  # N candidates: the client checks names
    with pytest.raises(ConfigurationError, match="^model: "):
        pin_target("openai/z", "openai/a", "openai/b", field="model")


# -- sticky rule ----------------------------------------------------------------------------
ISSUER = Turn("assistant", ("c1",), {"role": "weak", "model": "openai/coder"})


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        ([Turn("user"), ISSUER, Turn("tool", ("c1",))], "weak"),
        ([Turn("user"), ISSUER, Turn("tool", ("c1",)), Turn("tool", ())], "weak"),
        ([Turn("user"), ISSUER, Turn("tool", ("other",))], None),
        ([Turn("user"), Turn("assistant", ("c1",)), Turn("tool", ("c1",))], None),
        ([Turn("user"), ISSUER, Turn("tool", ("c1",)), Turn("user")], None),
        ([Turn("tool", ("c1",))], None),
        ([], None),
    ],
)
def test_sticky_target(turns: list[Turn], expected: str | None) -> None:
    assert sticky_target(turns, by_model=False) == expected


def test_sticky_target_by_model_names_the_candidate() -> None:
    assert sticky_target([Turn("user"), ISSUER, Turn("tool", ("c1",))], by_model=True) == "openai/coder"


def test_a_sticky_decision_has_its_own_policy_and_a_user_pin_wins() -> None:
    client = RoutingSettings("openai/a", "openai/b", FakeScorer(default=0.1)).build()
    sticky = route(client, "hello", {}, sticky_to="strong")
    assert (sticky.policy, sticky.role) == (STICKY_POLICY, "strong")
    assert route(client, "hello", {"route_to": "weak"}, sticky_to="strong").policy == "forced"


# -- what is scored -------------------------------------------------------------------------
def test_routing_text_replaces_the_scored_text_inside_the_block_only() -> None:
    scorer = FakeScorer({"prove": 0.9}, default=0.1)
    client = RoutingSettings("openai/a", "openai/b", scorer).build()
    filled = [{"role": "user", "content": "Context: prove lemma 3 ... Question: hi"}]
    assert route(client, filled, {}).role == "strong"
    with routing_text("hi"):
        assert route(client, filled, {}).role == "weak"
    assert route(client, filled, {}).role == "strong"
    assert scorer.seen == [filled[0]["content"], "hi", filled[0]["content"]]


def test_question_of_finds_the_question_variable() -> None:
    assert question_of({"context_str": "long", "query_str": "why?"}) == "why?"
    assert question_of({"context": "long", "question": "how?"}) == "how?"
    assert question_of({"context_str": "long", "query_str": "  "}) is None
    assert question_of({"text": "anything"}) is None


# -- responses --------------------------------------------------------------------------------
def test_token_usage_reads_litellm_usage() -> None:
    usage = SimpleNamespace(prompt_tokens=10, completion_tokens=5, total_tokens=None,
                            prompt_tokens_details=SimpleNamespace(cached_tokens=4),
                            completion_tokens_details=SimpleNamespace(reasoning_tokens=2))
    assert token_usage(usage) == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                                  "cached_tokens": 4, "reasoning_tokens": 2}
    assert token_usage(None) == {}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("any", "required"),
        (True, "required"),
        ("required", "required"),
        ("auto", "auto"),
        ("none", "none"),
        (False, "none"),
        ("lookup", {"type": "function", "function": {"name": "lookup"}}),
        ({"type": "function", "function": {"name": "lookup"}}, {"type": "function", "function": {"name": "lookup"}}),
    ],
)
def test_tool_choice_spellings(choice: Any, expected: Any) -> None:
    assert normalise_tool_choice(choice, ["lookup"]) == expected


def test_tool_choice_naming_no_tool_names_the_field() -> None:
    with pytest.raises(ConfigurationError, match="^tool_choice: "):
        normalise_tool_choice("missing", ["lookup"])


# -- errors -----------------------------------------------------------------------------------
def _routed_failure() -> ProviderError:
    try:
        raise litellm.RateLimitError(f"quota exceeded for key {SECRET}", llm_provider="openai", model="openai/a")
    except litellm.RateLimitError as cause:
        error = ProviderError("openai/a failed: RateLimitError: quota exceeded for key **********",
                              models=["openai/a"], decision=None)
        error.__cause__ = cause
        return error


def test_provider_error_keeps_both_types_and_the_provider_status() -> None:
    error = provider_error(_routed_failure())
    assert isinstance(error, ProviderError) and isinstance(error, litellm.RateLimitError)
    assert isinstance(error, openai.RateLimitError)
    assert error.status_code == 429 and error.llm_provider == "openai" and error.models == ("openai/a",)
    assert type(provider_error(_routed_failure())) is type(error)  # one class per provider class


def test_provider_error_shows_no_secret_in_its_traceback() -> None:
    try:
        try:
            raise _routed_failure()
        except ProviderError as routed:
            raise provider_error(routed) from None
    except ProviderError as error:
        shown = "".join(traceback.format_exception(error)) + str(error) + repr(error) + str(vars(error))
    assert SECRET not in shown and "**********" in shown


def test_an_error_without_a_provider_cause_is_returned_as_is() -> None:
    plain = ProviderError("no call was made", models=[], decision=None)
    assert provider_error(plain) is plain
