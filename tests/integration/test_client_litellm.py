"""RoutedClient through real litellm HTTP calls to the loopback fake provider."""

from __future__ import annotations

import json
import logging

import pytest

from routed_llm import ConfigurationError, ModelPrice, ProviderError, RoutedClient
from routed_llm.testing import FakeProvider, FakeScorer

HI = [{"role": "user", "content": "hi"}]
SECRET = "sk-test-PLANTED-secret-0123456789"
PRICES = {"openai/big": ModelPrice(10e-6, 30e-6), "openai/small": ModelPrice(1e-6, 2e-6)}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def make_client(provider: FakeProvider, **options: object) -> RoutedClient:
    settings: dict[str, object] = {
        "strong": "openai/big",
        "weak": "openai/small",
        "scorer": "random",
        "api_base": provider.base_url,
        "api_key": SECRET,
        "prices": PRICES,
    }
    settings.update(options)
    return RoutedClient(**settings)  # type: ignore[arg-type]


def test_acceptance_threshold_zero_calls_strong_and_one_calls_weak(provider: FakeProvider) -> None:
    reply = make_client(provider, threshold=0.0).complete(HI)
    assert provider.models_called() == ["big"]
    assert reply.decision.model == "openai/big" and 0.0 <= reply.decision.score <= 1.0
    assert reply.content == "Answer from big."

    reply = make_client(provider, threshold=1.0).complete(HI)
    assert provider.models_called() == ["big", "small"]
    assert reply.decision.model == "openai/small" and reply.decision.role == "weak"


def test_decision_carries_score_threshold_latency_and_cost(provider: FakeProvider) -> None:
    client = make_client(provider, scorer=FakeScorer({"prove": 0.9}, default=0.1), threshold=0.5)
    hard = client.complete([{"role": "user", "content": "prove the theorem"}])
    easy = client.complete(HI)
    assert (hard.decision.model, easy.decision.model) == ("openai/big", "openai/small")
    assert hard.decision.score == 0.9 and hard.decision.threshold == 0.5 and hard.decision.router == "fake"
    assert hard.decision.latency_ms >= 0.0
    usage = hard.usage
    assert hard.decision.cost == pytest.approx(usage.prompt_tokens * 10e-6 + usage.completion_tokens * 30e-6)
    assert easy.decision.cost == pytest.approx(easy.usage.prompt_tokens * 1e-6 + easy.usage.completion_tokens * 2e-6)


def test_per_call_threshold_and_forced_route(provider: FakeProvider) -> None:
    client = make_client(provider, scorer=FakeScorer(default=0.4), threshold=0.5)
    assert client.complete(HI).decision.role == "weak"
    assert client.complete(HI, threshold=0.3).decision.role == "strong"
    forced = client.complete(HI, route_to="strong")
    assert forced.decision.role == "strong" and forced.decision.policy == "forced"
    assert provider.models_called() == ["small", "big", "big"]
    with pytest.raises(ConfigurationError, match="route_to"):
        client.route(HI, route_to="medium")  # type: ignore[arg-type]


def test_strong_share_uses_the_scorers_calibration(provider: FakeProvider) -> None:
    client = make_client(provider, strong_share=0.25)
    assert client.threshold == pytest.approx(0.75)
    assert client.route(HI, strong_share=1.0).role == "strong"
    with pytest.raises(ConfigurationError, match="threshold"):
        make_client(provider, threshold=0.5, strong_share=0.5)


def test_accounting_and_always_strong_saving(provider: FakeProvider) -> None:
    client = make_client(provider, scorer=FakeScorer({"hard": 0.9}, default=0.1))
    replies = [client.complete([{"role": "user", "content": text}]) for text in ("hard one", "easy", "easy too")]
    report = client.usage()
    assert report.calls == 3
    assert report.models["openai/big"].calls == 1 and report.models["openai/small"].calls == 2
    assert report.cost == pytest.approx(sum(r.decision.cost for r in replies))
    expected_strong = sum(r.usage.prompt_tokens * 10e-6 + r.usage.completion_tokens * 30e-6 for r in replies)
    assert report.always_strong_cost == pytest.approx(expected_strong)
    assert 0.0 < report.saving_ratio < 1.0


def test_litellm_price_map_prices_known_models(provider: FakeProvider) -> None:
    client = RoutedClient("openai/gpt-4o", "openai/gpt-4o-mini", threshold=1.0,
                          api_base=provider.base_url, api_key="k")
    reply = client.complete(HI)
    assert reply.decision.cost is not None and reply.decision.cost > 0
    assert client.usage().saving_ratio > 0.5


def test_tools_and_options_pass_through(provider: FakeProvider) -> None:
    client = make_client(provider, threshold=0.0, strong_kwargs={"temperature": 0.1})
    reply = client.complete(
        [{"role": "user", "content": "weather in Paris?"}], tools=[WEATHER_TOOL], tool_choice="auto", max_tokens=50
    )
    assert reply.tool_calls[0].function.name == "get_weather"
    assert json.loads(reply.tool_calls[0].function.arguments) == {"city": "text"}
    body = provider.requests[-1].body
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert body["temperature"] == 0.1 and body["max_tokens"] == 50

    history = [
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [tc.model_dump() for tc in reply.tool_calls]},
        {"role": "tool", "tool_call_id": reply.tool_calls[0].id, "content": "sunny, 21C"},
    ]
    final = client.complete(history, tools=[WEATHER_TOOL])
    assert "sunny, 21C" in final.content


def test_response_format_passes_through(provider: FakeProvider) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    reply = make_client(provider, threshold=1.0).complete(
        HI, response_format={"type": "json_schema", "json_schema": {"name": "r", "schema": schema}}
    )
    assert json.loads(reply.content) == {"n": 3}


def test_stream_yields_chunks_and_settles_cost(provider: FakeProvider) -> None:
    client = make_client(provider, threshold=0.0)
    stream = client.stream(HI)
    assert stream.decision.model == "openai/big" and stream.decision.cost is None
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "Answer from big."
    assert stream.decision.cost is not None and stream.decision.cost > 0
    assert client.usage().models["openai/big"].calls == 1
    assert provider.requests[-1].body["stream"] is True


async def test_acomplete_and_astream(provider: FakeProvider) -> None:
    client = make_client(provider, scorer=FakeScorer(default=0.6), threshold=0.5)
    reply = await client.acomplete(HI)
    assert reply.decision.model == "openai/big" and reply.content == "Answer from big."
    stream = await client.astream(HI, threshold=0.9)
    pieces = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
    assert "".join(pieces) == "Answer from small."
    assert stream.decision.role == "weak" and stream.decision.cost is not None
    assert client.usage().calls == 2


def test_provider_500_is_a_typed_error_naming_model_and_decision(provider: FakeProvider, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(provider, threshold=0.0, num_retries=0)
    provider.fail_next("big", status=500, times=5)
    with pytest.raises(ProviderError) as info:
        client.complete(HI)
    error = info.value
    assert error.models == ("openai/big",)
    assert error.decision is not None and error.decision.model == "openai/big"
    assert "openai/big" in str(error) and "threshold" in str(error)
    assert SECRET not in str(error) and SECRET not in repr(error.__cause__ or "")
    assert client.usage().failed_calls == 1
    assert SECRET not in caplog.text


async def test_fallback_to_the_other_model_is_recorded(provider: FakeProvider) -> None:
    client = make_client(provider, threshold=0.0, fallback=True, num_retries=0)
    provider.fail_next("big", status=503)
    reply = client.complete(HI)
    assert reply.decision.model == "openai/small" and reply.decision.routed_model == "openai/big"
    assert reply.decision.fallback and reply.content == "Answer from small."

    provider.fail_next("big", status=500)
    provider.fail_next("small", status=500)
    with pytest.raises(ProviderError) as info:
        await client.acomplete(HI)
    assert info.value.models == ("openai/big", "openai/small")
    assert "openai/big and openai/small failed" in str(info.value)


def test_stream_failure_midway_is_an_error_not_a_short_answer(provider: FakeProvider) -> None:
    client = make_client(provider, scorer=FakeScorer(default=0.9), threshold=0.5, num_retries=0)
    provider.responder = None
    provider.fail_next("big", status=200, content="one two three four five", fail_after_chunks=2)
    with pytest.raises(ProviderError, match="mid-stream"):
        for _ in client.stream(HI):
            pass


def test_secrets_never_in_repr(provider: FakeProvider) -> None:
    client = make_client(provider, strong_kwargs={"extra_headers": {"Authorization": f"Bearer {SECRET}"}})
    assert SECRET not in repr(client)
    assert SECRET not in repr(client.litellm_kwargs("strong"))
    reply = client.complete(HI, threshold=0.0)
    assert SECRET not in json.dumps(reply.decision.to_dict())
    assert provider.requests[-1].headers["authorization"] == f"Bearer {SECRET}"


def test_configuration_errors_name_the_field() -> None:
    with pytest.raises(ConfigurationError, match="strong"):
        RoutedClient("", "openai/small")
    with pytest.raises(ConfigurationError, match="threshold"):
        RoutedClient("a/b", "c/d", threshold=-1)
    with pytest.raises(ConfigurationError, match="prompt_view"):
        RoutedClient("a/b", "c/d", prompt_view="nope")  # type: ignore[arg-type]
