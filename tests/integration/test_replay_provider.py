"""The replay provider: the real client gets each model's recorded answer at its recorded cost."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from routed_llm import ConfigurationError, ProviderError, RoutedClient
from routed_llm.evaluation.loaders.responses import (
    ResponseRecord,
    load_gsm8k_responses,
    load_routerbench_responses,
)
from routed_llm.testing.replay import TOKEN_USD, ReplayProvider

QUESTION = "Which is a mammal?\nA) trout\nB) whale\nAnswer:"
RECORD = ResponseRecord(
    source="toy", row_id="1", prompt=QUESTION,
    responses={"big": "B", "small": "A\n"}, scores={"big": 1.0, "small": 0.0},
    costs={"big": 0.00533, "small": 0.0003192},
)
UNCOSTED = ResponseRecord("toy", "2", "How many legs has a cat?", {"big": "4", "small": "#### 4"},
                          {"big": 1.0, "small": 1.0}, {})


def _client(replay: ReplayProvider, **options: object) -> RoutedClient:
    return RoutedClient(strong="openai/big", weak="openai/small", router="random", api_base=replay.base_url,
                        api_key="sk-replay", prices=replay.prices(), **options)  # type: ignore[arg-type]


def test_each_model_answers_its_recorded_answer_at_its_recorded_cost() -> None:
    with ReplayProvider([RECORD]) as replay:
        client = _client(replay)
        strong = client.complete(QUESTION, route_to="strong")
        weak = client.complete([{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}],
                               route_to="weak")
        assert (strong.content, strong.decision.model) == ("B", "openai/big")
        assert weak.content == "A\n"
        assert strong.decision.cost == pytest.approx(0.00533, abs=TOKEN_USD)
        assert weak.decision.cost == pytest.approx(0.0003192, abs=TOKEN_USD)
        assert client.usage().cost == pytest.approx(0.00533 + 0.0003192, abs=2 * TOKEN_USD)
        assert replay.recorded("small", QUESTION) == ("A\n", 0.0003192)


def test_a_stream_replays_the_answer_and_its_cost() -> None:
    with ReplayProvider([RECORD]) as replay:
        stream = _client(replay).stream(QUESTION, route_to="strong")
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        assert text == "B"
        assert stream.decision.cost == pytest.approx(0.00533, abs=TOKEN_USD)


def test_an_unrecorded_prompt_or_model_fails_as_a_provider_error_naming_it() -> None:
    with ReplayProvider([RECORD]) as replay:
        with pytest.raises(ProviderError, match="no recorded answer of 'small'"):
            _client(replay).complete("What is a whale?", route_to="weak")
        client = RoutedClient(strong="openai/big", weak="openai/other", router="random", api_base=replay.base_url,
                              api_key="sk-replay", prices=replay.prices())
        with pytest.raises(ProviderError, match="not replayed"):
            client.complete(QUESTION, route_to="weak")


def test_calls_without_a_recorded_cost_are_priced_at_litellms_price_from_their_lengths() -> None:
    with ReplayProvider([UNCOSTED], price_models={"big": "gpt-4-1106-preview"}) as replay:
        assert replay.unpriced() == ["small"]
        reply = _client(replay).complete(UNCOSTED.prompt, route_to="strong")
        expected = math.ceil(len(UNCOSTED.prompt) / 4) * 1e-5 + 1 * 3e-5  # litellm: $10 / $30 per M tokens
        assert reply.decision.cost == pytest.approx(expected, abs=TOKEN_USD)
        assert _client(replay).complete(UNCOSTED.prompt, route_to="weak").decision.cost == 0.0
    with pytest.raises(ConfigurationError, match="price_models.big"):
        ReplayProvider([UNCOSTED], price_models={"big": "no-such/model-xyz"})


def test_recorded_routerbench_and_gsm8k_rows_replay_through_the_client(shared_data: Path) -> None:
    records = load_routerbench_responses(shared_data / "routerbench" / "arc_challenge_train.csv")[:5]
    gsm8k = load_gsm8k_responses(shared_data / "routellm" / "gsm8k" / "gsm8k_responses.csv")[:2]
    strong, weak = "gpt-4-1106-preview", "mistralai/mixtral-8x7b-chat"
    with ReplayProvider(records + gsm8k, price_models={strong: strong}) as replay:
        client = RoutedClient(strong="openai/" + strong, weak="openai/" + weak, api_base=replay.base_url,
                              api_key="sk-replay", prices=replay.prices())
        for record in records:
            reply = client.complete(record.prompt, route_to="weak")
            assert reply.content == record.responses[weak]
            assert reply.decision.cost == pytest.approx(record.costs[weak], abs=TOKEN_USD)
        reply = client.complete(gsm8k[0].prompt, route_to="strong")
        assert reply.content == gsm8k[0].responses[strong] and reply.decision.cost > 0
