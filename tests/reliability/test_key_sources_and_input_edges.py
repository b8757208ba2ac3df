"""Issue 27 B5 and B8: keys from every source are masked; odd inputs are typed errors.

The provider here echoes the bearer token litellm sent (what a 401 quoting the key does),
so a key litellm read from the environment, or one passed with a single call, reaches
the error text exactly as it would in production.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

from routed_llm import ConfigurationError, InvalidPromptError, ProviderError, RoutedClient
from routed_llm.testing import FakeProvider, FakeReply, FakeScorer

HI = [{"role": "user", "content": "hi"}]
ENV_KEY = "sk-from-the-environment-5d1c9b7e"
CALL_KEY = "sk-passed-with-one-call-0a8e2f61"
HEADER_KEY = "hdr-secret-value-93c1d0aa"


@pytest.fixture
def echoing() -> Iterator[FakeProvider]:
    """A provider that fails with the Authorization header and every header value it was sent."""
    sent: list[FakeProvider] = []

    def reply(body: Any) -> FakeReply:
        headers = sent[0].requests[-1].headers  # the request being answered (these tests call one at a time)
        return FakeReply(status=401, error_message=f"Incorrect API key: {headers.get('authorization')} "
                                                   f"(headers {sorted(headers.values())})")

    with FakeProvider(reply) as fake:
        sent.append(fake)
        yield fake


def echoing_client(echoing: FakeProvider, **options: Any) -> RoutedClient:
    return RoutedClient("openai/big", "openai/small", scorer=FakeScorer(default=0.9), threshold=0.5,
                        api_base=echoing.base_url, num_retries=0, fallback=True, **options)


def rendered(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + caplog.text


def test_b5_a_key_litellm_reads_from_the_environment_is_masked(
    echoing: FakeProvider, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    client = echoing_client(echoing)
    with caplog.at_level(logging.WARNING, logger="routed_llm"), pytest.raises(ProviderError) as info:
        client.complete(HI)
    assert ENV_KEY in echoing.requests[-1].headers["authorization"]  # litellm did send the environment's key
    text = rendered(info.value, caplog)
    assert ENV_KEY not in text and "**********" in text


@pytest.mark.parametrize("where", ["api_key", "extra_headers"])
async def test_b5_a_key_passed_with_one_call_is_masked(
    echoing: FakeProvider, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    client = echoing_client(echoing, api_key="k")
    call = {"api_key": CALL_KEY} if where == "api_key" else {"extra_headers": {"X-Api-Key": HEADER_KEY}}
    secret = CALL_KEY if where == "api_key" else HEADER_KEY
    with caplog.at_level(logging.WARNING, logger="routed_llm"), pytest.raises(ProviderError) as info:
        await client.acomplete(HI, **call)
    assert secret in str(echoing.requests[-1].headers)
    text = rendered(info.value, caplog)
    assert secret not in text and "**********" in text


def test_b5_a_key_in_strong_kwargs_headers_is_masked(echoing: FakeProvider, caplog: pytest.LogCaptureFixture) -> None:
    client = echoing_client(echoing, api_key="k", strong_kwargs={"extra_headers": {"X-Api-Key": HEADER_KEY}})
    with caplog.at_level(logging.WARNING, logger="routed_llm"), pytest.raises(ProviderError) as info:
        client.complete(HI)
    text = rendered(info.value, caplog) + repr(client)
    assert HEADER_KEY not in text


# -- B8: input edges ----------------------------------------------------------------------------------
def client(provider: FakeProvider, **options: Any) -> RoutedClient:
    return RoutedClient("openai/big", "openai/small", scorer=FakeScorer(default=0.9), threshold=0.5,
                        api_base=provider.base_url, api_key="k", num_retries=0, **options)


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"x": value}
    return value


@pytest.mark.parametrize("depth", [990, 5000])
def test_b8_deeply_nested_json_in_a_content_part_is_an_invalid_prompt_error(
    provider: FakeProvider, depth: int
) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "hi", "meta": nested(depth)}]}]
    with pytest.raises(InvalidPromptError, match=r"messages\[0\]"):
        client(provider).complete(messages)
    assert provider.requests == []


def test_b8_a_lone_surrogate_in_a_dict_key_is_an_input_error_not_a_provider_failure(provider: FakeProvider) -> None:
    routed = client(provider, fallback=True)
    messages = [{"role": "user", "content": [{"type": "text", "text": "hi", "bad\ud800key": "v"}]}]
    with pytest.raises(InvalidPromptError, match="surrogate"):
        routed.complete(messages)
    assert provider.requests == [] and routed.usage().failed_calls == 0


@pytest.mark.parametrize("field", ["strong_kwargs", "weak_kwargs"])
@pytest.mark.parametrize("name", ["stream", "model", "messages"])
def test_b8_reserved_arguments_in_per_model_kwargs_are_refused_at_construction(
    provider: FakeProvider, field: str, name: str
) -> None:
    with pytest.raises(ConfigurationError, match=rf"^{field}\.{name}: ") as info:
        client(provider, **{field: {name: True}})
    assert info.value.field == f"{field}.{name}"
