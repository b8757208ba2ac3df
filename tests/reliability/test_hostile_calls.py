"""Issue 18 items 3-6 and 9: reserved call arguments, garbage streams, empty and media-only
prompts, unencodable prompts, and keys echoed back in provider errors."""

from __future__ import annotations

import traceback
from typing import Any

import litellm
import pytest

from routed_llm import ConfigurationError, InvalidPromptError, ProviderError, RoutedClient
from routed_llm.routing import ConcurrencyCap
from routed_llm.testing import FakeProvider, FakeScorer

HI = [{"role": "user", "content": "hi"}]
SECRET = "sk-live-0123456789abcdefSECRET"


def client(provider: FakeProvider, **options: Any) -> RoutedClient:
    settings: dict[str, Any] = {"scorer": FakeScorer(default=0.9), "threshold": 0.5, "api_base": provider.base_url,
                                "api_key": "k", "num_retries": 0}
    settings.update(options)
    return RoutedClient("openai/big", "openai/small", **settings)


# -- item 3: reserved keyword arguments ----------------------------------------------------------
@pytest.mark.parametrize(("name", "value", "hint"), [("stream", True, "stream()"), ("model", "openai/small", "route_to=")])
@pytest.mark.parametrize("method", ["complete", "stream"])
def test_reserved_call_arguments_are_a_typed_error_naming_what_to_use(
    provider: FakeProvider, method: str, name: str, value: Any, hint: str
) -> None:
    cap = ConcurrencyCap(1)
    routed = client(provider, policies=[cap])
    with pytest.raises(ConfigurationError, match=rf"^{name}: .*{hint}") as info:
        getattr(routed, method)(HI, **{name: value})
    assert info.value.field == name
    assert provider.requests == [] and cap.in_flight == 0


@pytest.mark.parametrize("name", ["stream", "model", "messages"])
def test_reserved_arguments_are_refused_when_the_client_is_built(name: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{name}: not an argument of RoutedClient"):
        RoutedClient("openai/big", "openai/small", scorer="random", **{name: "x"})


async def test_reserved_call_arguments_are_refused_by_the_async_methods_too(provider: FakeProvider) -> None:
    with pytest.raises(ConfigurationError, match="^stream: "):
        await client(provider).acomplete(HI, stream=True)
    with pytest.raises(ConfigurationError, match="^model: "):
        await client(provider).astream(HI, model="openai/small")
    assert provider.requests == []


# -- item 4: a garbage body on a stream ---------------------------------------------------------------
def test_a_garbage_stream_falls_back(provider: FakeProvider) -> None:
    provider.fail_next("big", status=200, garbage=True)
    stream = client(provider, fallback=True).stream(HI)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Answer from small." and stream.decision.routed_model == "openai/big"


async def test_a_garbage_async_stream_falls_back(provider: FakeProvider) -> None:
    provider.fail_next("big", status=200, garbage=True)
    stream = await client(provider, fallback=True).astream(HI)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "Answer from small." and stream.decision.fallback


def test_a_garbage_stream_without_fallback_raises(provider: FakeProvider) -> None:
    provider.fail_next("big", status=200, garbage=True)
    routed = client(provider)
    with pytest.raises(ProviderError, match="without content"):
        routed.stream(HI)
    assert routed.usage().failed_calls == 1


async def test_a_garbage_async_stream_without_fallback_raises(provider: FakeProvider) -> None:
    provider.fail_next("big", status=200, garbage=True)
    with pytest.raises(ProviderError, match="without content"):
        await client(provider).astream(HI)


# -- item 5: empty, whitespace-only and media-only prompts ----------------------------------------------
@pytest.mark.parametrize("messages", ["", "   \n\t", [{"role": "user", "content": " "}],
                                      [{"role": "user", "content": [{"type": "text", "text": "\n"}]}]],
                         ids=["empty-string", "whitespace-string", "whitespace-message", "whitespace-part"])
def test_empty_or_whitespace_prompts_are_an_invalid_prompt_error(provider: FakeProvider, messages: Any) -> None:
    routed = client(provider)
    with pytest.raises(InvalidPromptError, match="empty or whitespace"):
        routed.route(messages)
    with pytest.raises(InvalidPromptError):
        routed.complete(messages)
    assert provider.requests == []


def test_a_media_only_prompt_goes_to_the_weak_model_and_says_why(provider: FakeProvider) -> None:
    image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}]}]
    reply = client(provider).complete(image)
    assert reply.decision.model == "openai/small" and reply.decision.policy == "no_text"
    assert provider.models_called() == ["small"]


# -- item 6: a lone surrogate -----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["complete", "stream"])
def test_an_unencodable_prompt_is_an_input_error_and_nothing_is_sent(provider: FakeProvider, method: str) -> None:
    routed = client(provider, fallback=True)
    with pytest.raises(InvalidPromptError, match=r"messages\[0\]\.content: .*surrogate"):
        getattr(routed, method)([{"role": "user", "content": "bad \ud800 text"}])
    assert provider.requests == [] and routed.usage().failed_calls == 0


async def test_an_unencodable_prompt_is_an_input_error_in_async_code(provider: FakeProvider) -> None:
    with pytest.raises(InvalidPromptError, match="surrogate"):
        await client(provider).acomplete([{"role": "user", "content": [{"type": "text", "text": "\udcff"}]}])
    assert provider.requests == []


# -- item 9: a key echoed back by the provider -------------------------------------------------------------
def echoing_401(provider: FakeProvider, model: str) -> None:
    provider.fail_next(model, status=401, error_message=f"Incorrect API key provided: Bearer {SECRET}")


def assert_masked(error: ProviderError) -> None:
    rendered = "".join(traceback.format_exception(error))
    assert SECRET not in rendered and "**********" in rendered
    cause = error.__cause__
    assert isinstance(cause, litellm.AuthenticationError)  # still the provider's type, for except clauses
    assert SECRET not in str(cause) and SECRET not in repr(cause) and SECRET not in repr(cause.args)


def test_a_key_echoed_in_a_provider_error_is_masked_in_the_whole_chain(provider: FakeProvider) -> None:
    echoing_401(provider, "big")
    echoing_401(provider, "small")
    with pytest.raises(ProviderError) as info:
        client(provider, api_key=SECRET, fallback=True).complete(HI)
    assert_masked(info.value)


async def test_a_key_echoed_in_an_async_stream_error_is_masked(provider: FakeProvider) -> None:
    echoing_401(provider, "big")
    with pytest.raises(ProviderError) as info:
        await client(provider, api_key=SECRET).astream(HI)
    assert_masked(info.value)
