"""RoutedLLM reads its fields at call time, rejects misspelt arguments, keeps provider error
types and keeps echoed keys out of tracebacks."""

from __future__ import annotations

import traceback
from collections.abc import Callable

import openai
import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.bridge.pydantic import ValidationError
from llama_index.llms.routed_llm import RoutedLLM

from routed_llm import ConfigurationError, ProviderError
from routed_llm.testing import FakeProvider, FakeQualityScorer

MakeLLM = Callable[..., RoutedLLM]
EASY = [ChatMessage(role=MessageRole.USER, content="hello there")]  # the fixture's router scores it 0.1


def answered_by(llm: RoutedLLM) -> str:
    return str(llm.chat(EASY).additional_kwargs["routing"]["model"])


# -- fields are read at call time (issue 17 items 2 and 5) -----------------------------------
def test_assigning_threshold_or_strong_share_changes_the_next_decision(make_llm: MakeLLM) -> None:
    llm = make_llm()
    assert answered_by(llm) == "openai/small"
    llm.threshold = 0.05
    assert answered_by(llm) == "openai/big"
    shared = make_llm(scorer="random", threshold=None)
    shared.strong_share = 1.0
    assert answered_by(shared) == "openai/big"
    shared.strong_share = 0.0
    assert answered_by(shared) == "openai/small"


def test_model_copy_routes_with_its_own_fields(make_llm: MakeLLM, provider: FakeProvider) -> None:
    llm = make_llm()
    premium = llm.model_copy(update={"threshold": 0.05})
    renamed = llm.model_copy(update={"weak": "openai/tiny"})
    assert answered_by(premium) == "openai/big" and answered_by(llm) == "openai/small"
    assert answered_by(renamed) == "openai/tiny"
    assert provider.models_called() == ["big", "small", "tiny"]


def test_an_assigned_threshold_out_of_range_fails_where_it_is_assigned(make_llm: MakeLLM) -> None:
    llm = make_llm()
    with pytest.raises(ValidationError, match="threshold: must be a number between 0 and 1"):
        llm.threshold = 2.0
    with pytest.raises(ValidationError, match="strong_share"):
        llm.strong_share = -0.1
    assert llm.threshold == 0.5 and llm.strong_share is None  # the values before the failed assignments
    llm.threshold = 0.7
    assert llm.threshold == 0.7
    unchecked = llm.model_copy(update={"threshold": 2.0})  # model_copy skips validation: the call still checks
    with pytest.raises(ConfigurationError, match="^threshold: "):
        unchecked.chat(EASY)


def test_models_keep_strong_and_weak_kwargs(provider: FakeProvider) -> None:
    quality = FakeQualityScorer({"big": 0.9, "small": 0.2})
    models = [{"model": "openai/big", "name": "big"}, {"model": "openai/small", "name": "small"}]
    llm = RoutedLLM(models=models, scorer=quality, api_base=provider.base_url,
                    api_key="k", max_retries=0, strong_kwargs={"extra_headers": {"X-Tier": "strong"}},
                    weak_kwargs={"extra_headers": {"X-Tier": "weak"}})
    llm.chat(EASY, route_to="openai/big")
    llm.chat(EASY, route_to="openai/small")
    assert [request.headers.get("x-tier") for request in provider.requests] == ["strong", "weak"]


def test_default_router_is_the_shipped_default() -> None:
    assert RoutedLLM("openai/big", "openai/small").scorer == "default"


def test_max_retries_is_the_framework_name_and_num_retries_still_works(make_llm: MakeLLM) -> None:
    assert make_llm(num_retries=None, max_retries=2).client.litellm_kwargs("strong")["num_retries"] == 2
    assert make_llm().max_retries == 0  # the fixture passes litellm's num_retries=0


# -- typed configuration errors (issue 18 item 15) --------------------------------------------
@pytest.mark.parametrize(
    ("options", "field"),
    [({"temprature": 0.2}, "temprature"), ({"threshold": 2}, "threshold"), ({"threshold": -0.5}, "threshold"),
     ({"threshold": None, "strong_share": 1.5}, "strong_share"), ({"additional_kwargs": {"model": "x"}}, "model")],
)
def test_misspelt_or_out_of_range_arguments_are_typed_errors(make_llm: MakeLLM, options: dict[str, object],
                                                             field: str, secret: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{field}: ") as caught:
        make_llm(**options)
    assert secret not in str(caught.value)


# -- provider errors keep their type; echoed keys stay masked (issue 17 item 3, 18 item 9) ----
def test_a_429_is_an_openai_rate_limit_error_and_a_provider_error(make_llm: MakeLLM, provider: FakeProvider) -> None:
    provider.fail_next("small", status=429)
    with pytest.raises(openai.RateLimitError) as caught:
        make_llm().chat(EASY)
    assert isinstance(caught.value, ProviderError) and caught.value.status_code == 429


@pytest.mark.parametrize("call", ["chat", "stream_chat", "complete"])
def test_a_401_echoing_the_key_is_masked_in_the_traceback(
    make_llm: MakeLLM, provider: FakeProvider, secret: str, call: str
) -> None:
    provider.fail_next("small", status=401, error_message=f"Incorrect API key provided: {secret}")
    llm = make_llm()
    with pytest.raises(openai.AuthenticationError) as caught:
        if call == "chat":
            llm.chat(EASY)
        elif call == "stream_chat":
            list(llm.stream_chat(EASY))
        else:
            llm.complete("hello there")
    shown = "".join(traceback.format_exception(caught.value))
    assert secret not in shown and "openai/small" in shown
    assert provider.requests[-1].headers["authorization"] == f"Bearer {secret}"
