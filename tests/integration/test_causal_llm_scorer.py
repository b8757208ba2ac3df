"""The causal-LLM scorer over real litellm against the loopback fake provider."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from routed_llm.client import RoutedClient
from routed_llm.errors import ArtifactError, ConfigurationError, ScorerError
from routed_llm.scorers import load_scorer
from routed_llm.scorers.causal_llm import CausalLLMScorer, parse_rating, rating_distribution
from routed_llm.scorers.registry import resolve_scorer
from routed_llm.testing import FakeProvider, FakeReply

SECRET = "sk-causal-secret-0123456789"


def entry(token: str, logprob: float, alternatives: Mapping[str, float]) -> dict[str, Any]:
    return {"token": token, "logprob": logprob,
            "top_logprobs": [{"token": t, "logprob": lp} for t, lp in alternatives.items()]}


def rating_reply(body: Mapping[str, Any]) -> FakeReply | None:
    """Hard prompts (containing 'prove') get a confident high rating, others a low one."""
    if body.get("model") != "judge":
        return None
    prompt = body["messages"][-1]["content"]
    if "prove" in prompt:
        alternatives = {"5": math.log(0.6), "4": math.log(0.3), " 3": math.log(0.1)}
        return FakeReply(content="5", logprobs=[entry("5", math.log(0.6), alternatives)])
    alternatives = {"1": math.log(0.8), "2": math.log(0.2)}
    return FakeReply(content="1", logprobs=[entry("1", math.log(0.8), alternatives)])


@pytest.fixture()
def provider() -> FakeProvider:
    with FakeProvider(rating_reply) as fake:
        yield fake


def make_scorer(provider: FakeProvider, **options: Any) -> CausalLLMScorer:
    return CausalLLMScorer("openai/judge", api_base=provider.base_url, api_key=SECRET, num_retries=0, **options)


# -- pure parsing ------------------------------------------------------------------------------
def test_rating_distribution_sums_equivalent_tokens_and_renormalises() -> None:
    tokens = [entry(" ", -0.01, {" ": -0.01}),
              entry("4", math.log(0.5), {"4": math.log(0.5), " 4": math.log(0.1), "3": math.log(0.2), "x": -1.0})]
    distribution = rating_distribution(tokens, 5)
    assert distribution is not None
    np.testing.assert_allclose(distribution, [0, 0, 0.2 / 0.8, 0.6 / 0.8, 0])


def test_rating_distribution_reads_litellm_objects(provider: FakeProvider) -> None:
    import litellm

    reply = litellm.completion(model="openai/judge", api_base=provider.base_url, api_key="k",
                               messages=[{"role": "user", "content": "prove it"}], logprobs=True, top_logprobs=3)
    distribution = rating_distribution(reply.choices[0].logprobs.content, 5)
    np.testing.assert_allclose(distribution, [0, 0, 0.1, 0.3, 0.6])


def test_rating_distribution_is_none_without_a_rating_token() -> None:
    assert rating_distribution([entry("hello", -0.1, {"hello": -0.1})], 5) is None
    assert rating_distribution(None, 5) is None
    assert rating_distribution([entry("7", -0.1, {"7": -0.1})], 5) is None


def test_parse_rating_takes_the_first_digit_in_range() -> None:
    assert parse_rating("Rating: 4/5", 5) == 4
    assert parse_rating("I'd say 12, no, 3", 5) == 3
    assert parse_rating("7 then 2", 5) == 2
    assert parse_rating("no idea", 5) is None
    assert parse_rating(None, 5) is None


# -- scoring through litellm ----------------------------------------------------------------
def test_score_is_the_expected_rating_from_logprobs(provider: FakeProvider) -> None:
    scores = make_scorer(provider).score(["hello there", "prove that sqrt(2) is irrational"])
    # easy: E = 0.8*1 + 0.2*2 = 1.2 -> 0.05 ; hard: E = 0.1*3 + 0.3*4 + 0.6*5 = 4.5 -> 0.875
    np.testing.assert_allclose(scores, [0.05, 0.875])
    body = provider.requests[0].body
    assert body["logprobs"] is True and body["top_logprobs"] == 5
    assert "1 to 5" in body["messages"][0]["content"]


def test_falls_back_to_the_sampled_rating_without_logprobs() -> None:
    with FakeProvider(lambda body: FakeReply(content="Rating: 4")) as fake:
        scorer = make_scorer(fake)
        np.testing.assert_allclose(scorer.score(["anything"]), [0.75])
        no_logprobs = make_scorer(fake, use_logprobs=False)
        no_logprobs.score(["anything"])
        assert "logprobs" not in fake.requests[-1].body


def test_unreadable_answer_is_a_scorer_error() -> None:
    with FakeProvider(lambda body: FakeReply(content="I cannot rate that")) as fake:
        with pytest.raises(ScorerError, match="not a rating from 1 to 5"):
            make_scorer(fake).score(["x"])


def test_provider_failure_is_typed_and_hides_the_key(provider: FakeProvider) -> None:
    provider.fail_next("judge", status=500, error_message=f"boom {SECRET}")
    with pytest.raises(ScorerError) as caught:
        make_scorer(provider).score(["x"])
    assert "judge" in str(caught.value) and SECRET not in str(caught.value)
    assert SECRET not in repr(make_scorer(provider))


async def test_ascore_matches_score(provider: FakeProvider) -> None:
    prompts = ["hello", "prove Fermat's little theorem", "hi"]
    scorer = make_scorer(provider)
    np.testing.assert_allclose(await scorer.ascore(prompts), scorer.score(prompts))


def test_concurrency_is_bounded() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(body: Mapping[str, Any]) -> FakeReply:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return FakeReply(content="3")

    with FakeProvider(slow) as fake:
        scores = make_scorer(fake, max_concurrency=2).score([f"prompt {i}" for i in range(8)])
        assert len(fake.requests) == 8
    np.testing.assert_allclose(scores, 0.5)
    assert 1 <= state["peak"] <= 2


async def test_routed_client_awaits_ascore(provider: FakeProvider) -> None:
    client = RoutedClient("openai/strong", "openai/weak", scorer=make_scorer(provider), threshold=0.5,
                          api_base=provider.base_url, api_key="k")
    reply = await client.acomplete("prove that there are infinitely many primes")
    assert reply.decision.role == "strong"
    assert reply.decision.score == pytest.approx(0.875)
    assert provider.models_called() == ["judge", "strong"]


def test_bad_configuration_names_the_field(provider: FakeProvider) -> None:
    with pytest.raises(ConfigurationError, match="scale"):
        make_scorer(provider, scale=12).score(["x"])
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        make_scorer(provider, max_concurrency=0).score(["x"])
    with pytest.raises(ConfigurationError, match="instruction"):
        make_scorer(provider, instruction="rate it").score(["x"])


# -- calibration and artifacts ----------------------------------------------------------
def test_fit_calibrates_and_round_trips_without_the_key(provider: FakeProvider, tmp_path: Path) -> None:
    prompts = ["hello", "prove a", "hi", "prove b"]
    scorer = make_scorer(provider, calibration_size=4).fit(prompts, [1, 0, 1, 0])
    assert scorer.threshold_for_strong_share(0.5) == pytest.approx(np.quantile([0.05, 0.875, 0.05, 0.875], 0.5))
    scorer.save_pretrained(tmp_path / "router")
    assert SECRET not in (tmp_path / "router" / "config.json").read_text()
    loaded = load_scorer(tmp_path / "router")
    assert isinstance(loaded, CausalLLMScorer)
    assert loaded.get_params() == scorer.get_params()
    np.testing.assert_allclose(loaded.score_quantiles_, scorer.score_quantiles_)
    reloaded = CausalLLMScorer.from_pretrained(tmp_path / "router")
    reloaded._litellm_kwargs = {"api_key": "k"}
    np.testing.assert_allclose(reloaded.score(["prove c"]), [0.875])


def test_corrupted_or_mismatched_artifact_is_refused(provider: FakeProvider, tmp_path: Path) -> None:
    directory = make_scorer(provider).fit(["hi", "prove a"]).save_pretrained(tmp_path / "router")
    config = json.loads((directory / "config.json").read_text())
    config["params"]["no_such_option"] = 1
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="params do not fit"):
        load_scorer(directory)
    (directory / "config.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_scorer(directory)


def test_registered_under_its_name() -> None:
    scorer = resolve_scorer("causal_llm", model="openai/judge")
    assert isinstance(scorer, CausalLLMScorer) and scorer.model == "openai/judge"
