"""RoutedClient(models=[...]): N candidates through real litellm and the loopback fake."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from routed_llm import ModelPrice, RoutedClient
from routed_llm.errors import ConfigurationError, ProviderError
from routed_llm.routing import ConcurrencyCap
from routed_llm.scorers.multi import IntentRouter
from routed_llm.testing import FakeProvider, FakeQualityScorer, FakeScorer

MODELS = ["openai/big", "openai/coder", "openai/tiny"]


def keyword_quality() -> FakeQualityScorer:
    """Predicted quality per candidate by keyword: code prompts suit 'coder', easy ones 'tiny'."""
    return FakeQualityScorer({"big": 0.9, "coder": 0.3, "tiny": 0.2}, {"python": {"coder": 0.95}, "easy": {"tiny": 0.85}})


def candidates() -> list[dict[str, object]]:
    return [{"model": model, "name": model.split("/")[1], "cost": cost}
            for model, cost in zip(MODELS, (0.01, 0.002, 0.0005), strict=True)]


def client_for(provider: FakeProvider, **options: object) -> RoutedClient:
    return RoutedClient(models=candidates(), scorer=keyword_quality(), api_base=provider.base_url,
                        api_key="k", num_retries=0, **options)


def test_each_prompt_goes_to_its_best_value_candidate(provider: FakeProvider) -> None:
    client = client_for(provider, cost_weight=20.0)
    # utilities (q - 20c): python: 0.7, 0.91, 0.19 -> coder; easy: 0.7, 0.26, 0.84 -> tiny; hard: big
    replies = {text: client.complete(text) for text in ("python sort", "easy sum", "hard proof")}
    assert {text: reply.decision.model for text, reply in replies.items()} == {
        "python sort": "openai/coder", "easy sum": "openai/tiny", "hard proof": "openai/big"}
    assert provider.models_called() == ["coder", "tiny", "big"]
    decision = replies["python sort"].decision
    assert decision.role == "weak" and replies["hard proof"].decision.role == "strong"
    assert decision.policy == "cost_quality" and decision.threshold == 20.0
    assert decision.score == pytest.approx(0.95)
    assert decision.extra["candidates"]["openai/coder"] == {"name": "coder", "quality": 0.95, "cost": 0.002}
    assert set(decision.extra["candidates"]) == set(MODELS)
    assert decision.extra["ranking"] == ["openai/coder", "openai/big", "openai/tiny"]
    assert decision.to_dict()["extra"]["cost_weight"] == 20.0
    assert repr(client).startswith(f"RoutedClient(models={MODELS!r}, scorer='fake_quality', cost_weight=20.0")
    assert "'k'" not in repr(client)  # the API key stays redacted


def test_cost_weight_zero_takes_the_best_and_infinity_the_cheapest(provider: FakeProvider) -> None:
    assert client_for(provider).route("hard proof").model == "openai/big"
    assert client_for(provider, cost_weight=math.inf).route("hard proof").model == "openai/tiny"


def test_target_cost_solves_the_weight(provider: FakeProvider) -> None:
    client = client_for(provider)
    traffic = ["python a", "easy b", "hard c", "python d"] * 5
    weight = client.set_target_cost(traffic, 0.004)
    costs = [client.route(text).extra["candidates"][client.route(text).model]["cost"] for text in traffic]
    assert weight > 0 and np.mean(costs) <= 0.004
    assert client.route("hard c").threshold == weight


def test_fallback_follows_the_ranking(provider: FakeProvider) -> None:
    client = client_for(provider, cost_weight=20.0, fallback=True)
    provider.fail_next("coder", status=500)
    reply = client.complete("python sort")
    assert reply.decision.model == "openai/big" and reply.decision.routed_model == "openai/coder"
    assert reply.decision.fallback and provider.models_called() == ["coder", "big"]
    provider.fail_next("tiny", status=500)
    with pytest.raises(ProviderError) as failure:
        client_for(provider, cost_weight=math.inf).complete("easy sum")
    assert failure.value.models == ("openai/tiny",)


def test_route_to_pins_a_candidate(provider: FakeProvider) -> None:
    client = client_for(provider, cost_weight=20.0)
    assert client.route("hard proof", route_to="openai/tiny").model == "openai/tiny"
    pinned = client.route("hard proof", route_to="coder")
    assert pinned.model == "openai/coder" and pinned.policy == "forced"
    assert client.route("python", route_to="strong").model == "openai/big"
    with pytest.raises(ConfigurationError, match="route_to"):
        client.route("x", route_to="openai/unknown")


def test_a_saturated_strong_model_degrades_to_the_next_candidate(provider: FakeProvider) -> None:
    cap = ConcurrencyCap(0)
    reply = client_for(provider, policies=[cap]).complete("hard proof")
    # big is capped; the best other candidate for a hard prompt (0.3 vs 0.2 at weight 0) is coder
    assert reply.decision.model == "openai/coder" and reply.decision.policy == "concurrency_cap"


def test_prices_from_the_price_map_when_no_cost_is_given(provider: FakeProvider) -> None:
    client = RoutedClient(
        models=[{"model": "openai/big", "name": "big"}, {"model": "openai/tiny", "name": "tiny"},
                {"model": "openai/coder", "name": "coder"}],
        scorer=keyword_quality(), cost_weight=1000.0, api_base=provider.base_url, api_key="k",
        prices={"openai/big": ModelPrice(1e-5, 1e-5), "openai/tiny": ModelPrice(1e-8, 1e-8),
                "openai/coder": ModelPrice(1e-6, 1e-6)},
    )
    decision = client.route("easy sum")
    assert decision.model == "openai/tiny"
    assert decision.extra["candidates"]["openai/big"]["cost"] == pytest.approx(1e-5 * (len("easy sum") // 4 + 1 + 256))
    reply = client.complete("easy sum")
    assert reply.decision.cost is not None and client.usage().models["openai/tiny"].calls == 1


def test_configuration_errors_name_the_field() -> None:
    with pytest.raises(ConfigurationError, match="models"):
        RoutedClient("openai/big", "openai/tiny", models=MODELS, scorer=keyword_quality())
    with pytest.raises(ConfigurationError, match="router"):
        RoutedClient(models=MODELS, scorer=FakeScorer())
    with pytest.raises(ConfigurationError, match="models"):
        RoutedClient(models=["openai/big", "openai/x"], scorer=keyword_quality())
    with pytest.raises(ConfigurationError, match="models"):
        RoutedClient(models=["openai/big"], scorer=keyword_quality())
    with pytest.raises(ConfigurationError, match="threshold"):
        RoutedClient(models=candidates(), scorer=keyword_quality(), threshold=0.5)
    with pytest.raises(ConfigurationError, match="cost_weight"):
        RoutedClient(models=candidates(), scorer=keyword_quality(), cost_weight=-1)
    with pytest.raises(ConfigurationError, match="strong"):
        RoutedClient(scorer="random")
    with pytest.raises(ConfigurationError, match="target_cost"):
        RoutedClient("openai/big", "openai/tiny", scorer="random").set_target_cost(["x"], 0.1)


def test_intent_routes_send_each_domain_to_its_expert(provider: FakeProvider, tmp_path: Path) -> None:
    routes = tmp_path / "routes.yaml"
    routes.write_text(
        "default: general\nthreshold: 0.5\nroutes:\n"
        "  code:\n    model: openai/coder\n    examples: [write a python function, fix this python loop]\n"
        "  math:\n    model: openai/big\n    examples: [solve the equation for x, integrate x squared]\n"
        "  general:\n    model: openai/tiny\n    examples: [tell me a story, what is the weather]\n"
    )
    router = IntentRouter.from_file(routes, encoder="hashing")
    client = RoutedClient(models=[{"model": model, "name": route} for route, model in router.route_models_.items()],
                          scorer=router, api_base=provider.base_url, api_key="k", num_retries=0)
    assert client.complete("write a python function to add").decision.model == "openai/coder"
    decision = client.complete("solve the equation for y").decision
    assert decision.model == "openai/big" and set(decision.extra["candidates"]) == {
        "openai/coder", "openai/big", "openai/tiny"}
    assert client.route("zebra saxophone quantum").model == "openai/tiny"  # no route is confident: default
    assert provider.models_called() == ["coder", "big"]


def test_out_of_distribution_prompts_are_pinned_to_the_first_candidate(provider: FakeProvider) -> None:
    from routed_llm.routing import OutOfDistributionGuard

    topics = ["rome", "egypt", "china", "maya"]
    training = [f"easy question number {i} about the history of {topic}" for i in range(60) for topic in topics]
    guard = OutOfDistributionGuard(n_centroids=4).fit(training)
    client = client_for(provider, cost_weight=20.0, policies=[guard])
    familiar = client.route(training[5])
    foreign = client.route("easy: 请用中文解释量子纠缠")
    assert (familiar.model, familiar.policy) == ("openai/tiny", "cost_quality")
    assert (foreign.model, foreign.role, foreign.policy) == ("openai/big", "strong", "ood_guard")
