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

from routed_llm import ConfigurationError, ProviderError, RoutedClient
from routed_llm.frameworks import (
    adapter_config,
    conceal,
    normalise_tool_choice,
    provider_error,
    question_of,
    reveal,
    token_usage,
    without_secrets,
)
from routed_llm.prompts import routing_text
from routed_llm.routing.sticky import STICKY_POLICY, Turn, sticky_target
from routed_llm.testing import FakeScorer

SECRET = "sk-kit-secret-0123456789"


def test_the_kit_imports_no_framework() -> None:
    code = (
        "import sys, routed_llm.frameworks; "
        "print(any(m.split('.')[0] in ('langchain_core', 'llama_index') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- fields -> configuration --------------------------------------------------------------------
def _fields(**changes: Any) -> SimpleNamespace:
    """An adapter's fields, as both adapters name them."""
    values: dict[str, Any] = {
        "strong": "openai/a", "weak": "openai/b", "scorer": FakeScorer(), "threshold": None, "strong_share": None,
        "cost_weight": 0.0, "policies": [], "fallback": False, "prices": None, "prompt_view": "last_user",
        "max_prompt_chars": 4096, "strong_kwargs": {}, "weak_kwargs": {}, "api_key": None, "api_base": None,
        "timeout": None, "max_retries": None, "mode": "route", "checker": None, "verifier": None, "weak_samples": 0,
        "cascade_band": (0.2, 1.0),
    }
    return SimpleNamespace(**{**values, **changes})


def test_concealed_secrets_reach_the_client_revealed() -> None:
    fields = _fields(api_key=SecretStr(SECRET), max_retries=2,
                     weak_kwargs=conceal({"extra_headers": {"Authorization": f"Bearer {SECRET}"}}))
    config = adapter_config(fields, conceal({"seed": 7, "api_key": "overridden"}), None)
    assert config.litellm_kwargs == {"seed": 7, "api_key": SECRET, "num_retries": 2}
    client = RoutedClient.from_config(config)
    assert client.litellm_kwargs("strong") == {"seed": 7, "api_key": "**********", "num_retries": 2}
    assert SECRET not in repr(config) and SECRET not in repr(client)


def test_conceal_reveal_and_without_secrets() -> None:
    values = {"api_key": SECRET, "seed": 7, "extra_headers": {"Authorization": SECRET, "X-Team": "a"}}
    hidden = conceal(values)
    assert isinstance(hidden["api_key"], SecretStr) and SECRET not in repr(hidden)
    assert reveal(hidden) == values
    assert without_secrets(hidden) == {"seed": 7, "extra_headers": {"X-Team": "a"}}


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
    client = RoutedClient("openai/a", "openai/b", FakeScorer(default=0.1), threshold=0.3)
    loop = [Turn("user"), Turn("assistant", ("c1",), {"role": "strong"}), Turn("tool", ("c1",))]
    sticky = client.route("hello", sticky=loop)
    assert (sticky.policy, sticky.role, sticky.threshold) == (STICKY_POLICY, "strong", 0.3)
    assert client.route("hello", sticky=loop, route_to="weak").policy == "forced"
    assert client.route("hello", sticky=loop[:2]).policy == "threshold"  # no tool result: the rule does not apply


# -- what is scored -------------------------------------------------------------------------
def test_routing_text_replaces_the_scored_text_inside_the_block_only() -> None:
    scorer = FakeScorer({"prove": 0.9}, default=0.1)
    client = RoutedClient("openai/a", "openai/b", scorer)
    filled = [{"role": "user", "content": "Context: prove lemma 3 ... Question: hi"}]
    assert client.route(filled).role == "strong"
    with routing_text("hi"):
        assert client.route(filled).role == "weak"
        assert client.route(filled, scored_text="prove it").role == "strong"  # the call's own text wins
    assert client.route(filled).role == "strong"
    assert scorer.seen == [filled[0]["content"], "hi", "prove it", filled[0]["content"]]


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
