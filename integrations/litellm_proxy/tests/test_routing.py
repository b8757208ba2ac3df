"""The plugin with a plain ``litellm.Router`` (the proxy's router, without the server) and on its own hook."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import litellm
import numpy as np
import pytest
from routed_llm_proxy import DECISION_KEY, RoutedLLMRouting

from routed_llm import ConfigurationError, RoutedClient
from routed_llm.decision import ModelRole
from routed_llm.routing import CallOutcome, ConcurrencyCap, LatencyTarget, RoutingPolicy, SpendBudget
from routed_llm.scorers.base import BaseScorer
from routed_llm.testing import FakeProvider, FakeQualityScorer, FakeScorer

HARD = [{"role": "user", "content": "a hard proof"}]
EASY = [{"role": "user", "content": "an easy greeting"}]


def deployments(provider: FakeProvider) -> list[dict[str, Any]]:
    common = {"api_base": provider.base_url, "api_key": "fake-key"}
    return [
        {"model_name": "routed", "litellm_params": {"model": "openai/big", "input_cost_per_token": 1e-3,
                                                     "output_cost_per_token": 2e-3, **common},
         "model_info": {"id": "big-1", "routed_llm_role": "strong"}},
        {"model_name": "routed", "litellm_params": {"model": "openai/small", **common},
         "model_info": {"id": "small-1", "routed_llm_role": "weak"}},
        {"model_name": "routed", "litellm_params": {"model": "openai/small-2", **common},
         "model_info": {"id": "small-2", "routed_llm_role": "weak"}},
    ]


@pytest.fixture
def registered() -> Iterator[list[RoutedLLMRouting]]:
    """Plugins appended here are LiteLLM callbacks for the test, taken off every LiteLLM list after it."""
    plugins: list[RoutedLLMRouting] = []
    yield plugins
    for plugin in plugins:
        litellm.logging_callback_manager.remove_callback_from_all_lists(plugin)


def router_with(provider: FakeProvider, plugin: RoutedLLMRouting, registered: list[RoutedLLMRouting]) -> litellm.Router:
    registered.append(plugin)
    litellm.logging_callback_manager.add_litellm_callback(plugin)
    return litellm.Router(model_list=deployments(provider), num_retries=0)


async def test_a_litellm_router_calls_the_deployments_of_the_chosen_role(
    provider: FakeProvider, registered: list[RoutedLLMRouting]
) -> None:
    plugin = RoutedLLMRouting(FakeScorer({"hard": 0.9}, default=0.1), threshold=0.5)
    router = router_with(provider, plugin, registered)
    for _ in range(6):
        await router.acompletion(model="routed", messages=HARD)
        await router.acompletion(model="routed", messages=EASY)
    called = provider.models_called()
    assert called[0::2] == ["big"] * 6
    assert set(called[1::2]) <= {"small", "small-2"}  # LiteLLM still balances among the weak deployments


async def test_policies_see_every_outcome(provider: FakeProvider, registered: list[RoutedLLMRouting]) -> None:
    cap, budget = ConcurrencyCap(4), SpendBudget(100.0)
    plugin = RoutedLLMRouting(FakeScorer({"hard": 0.9}, default=0.1), policies=[cap, budget])
    router = router_with(provider, plugin, registered)
    reply = await router.acompletion(model="routed", messages=HARD)
    cost = reply._hidden_params["response_cost"]
    assert cost > 0
    await _until(lambda: plugin.in_flight() == 0)
    assert budget.spend() == pytest.approx(cost) and cap.peak == 1 and plugin.in_flight() == 0
    provider.fail_next("big", status=429)
    with pytest.raises(litellm.RateLimitError):
        await router.acompletion(model="routed", messages=HARD)
    await _until(lambda: plugin.in_flight() == 0)
    assert cap.in_flight == 0 and plugin.router.route(HARD).role == "strong" and cap.admit("strong") == "weak"  # resting after the 429


async def _until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """LiteLLM reports outcomes from background tasks: wait for them (a bound, not a timing assertion)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"the outcome did not reach the policies within {timeout_s}s")
        await asyncio.sleep(0.01)


def pool(*roles: str | None) -> list[dict[str, Any]]:
    return [{"litellm_params": {"model": f"openai/m{i}"},
             "model_info": {"id": f"m{i}", **({"routed_llm_role": role} if role else {})}}
            for i, role in enumerate(roles)]


async def test_untagged_groups_are_left_alone() -> None:
    plugin = RoutedLLMRouting(FakeScorer(default=0.9))
    healthy = pool(None, None)
    assert await plugin.async_filter_deployments("g", healthy, HARD, {"metadata": {}}) == healthy
    assert plugin.router.scorer.calls == 0  # type: ignore[attr-defined]


async def test_the_decision_is_written_once_per_request_and_kept_on_retries() -> None:
    scorer = FakeScorer({"hard": 0.9}, default=0.1)
    plugin = RoutedLLMRouting(scorer)
    request: dict[str, Any] = {"metadata": {}}
    kept = await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, request)
    assert [d["model_info"]["id"] for d in kept] == ["m0"]
    record = request["metadata"][DECISION_KEY]
    assert record["role"] == "strong" and record["score"] == 0.9 and record["model_group"] == "g"
    again = await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, request)
    assert [d["model_info"]["id"] for d in again] == ["m0"] and scorer.calls == 1 and plugin.in_flight() == 1


async def test_a_role_without_healthy_deployments_degrades_to_the_other() -> None:
    plugin = RoutedLLMRouting(FakeScorer(default=0.9))
    request: dict[str, Any] = {"metadata": {}}
    kept = await plugin.async_filter_deployments("g", pool("weak", None), HARD, request)
    assert [d["model_info"]["id"] for d in kept] == ["m0"]
    assert request["metadata"][DECISION_KEY]["policy"] == "unavailable"
    assert request["metadata"][DECISION_KEY]["admitted_role"] == "strong"


class BrokenScorer(BaseScorer):
    name = "broken"

    def score(self, prompts: list[str]) -> np.ndarray:
        raise RuntimeError("model file missing")


@pytest.mark.parametrize("on_error", ["strong", "weak"])
async def test_a_failing_router_still_serves_the_request(on_error: str) -> None:
    plugin = RoutedLLMRouting(BrokenScorer(), on_error=on_error)  # type: ignore[arg-type]
    request: dict[str, Any] = {"metadata": {}}
    kept = await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, request)
    assert [d["model_info"]["routed_llm_role"] for d in kept] == [on_error]
    assert request["metadata"][DECISION_KEY]["policy"] == "router_error" and plugin.in_flight() == 0


class CountingPolicy(RoutingPolicy):
    """Admits everything and counts the admissions and releases the plugin makes."""

    name = "counting"

    def __init__(self) -> None:
        self.admitted: list[str] = []
        self.released: list[int | None] = []

    def admit(self, role: ModelRole) -> ModelRole:
        self.admitted.append(role)
        return role

    def release(self, outcome: CallOutcome) -> None:
        self.released.append(outcome.status)


async def test_each_attempt_of_a_retried_request_is_admitted_and_released_once(
    provider: FakeProvider, registered: list[RoutedLLMRouting]
) -> None:
    counting = CountingPolicy()
    plugin = RoutedLLMRouting(FakeScorer({"hard": 0.9}, default=0.1), policies=[counting])
    registered.append(plugin)
    litellm.logging_callback_manager.add_litellm_callback(plugin)
    router = litellm.Router(model_list=deployments(provider), num_retries=1, retry_after=0)
    provider.fail_next("big", status=500)
    await router.acompletion(model="routed", messages=HARD)
    await _until(lambda: plugin.in_flight() == 0 and len(counting.released) == 2)
    assert provider.models_called() == ["big", "big"]  # the retry keeps the decision
    assert counting.admitted == ["strong", "strong"] and counting.released == [500, None]


async def test_a_retry_the_cap_no_longer_admits_goes_to_the_weak_deployments() -> None:
    cap = ConcurrencyCap(1)
    plugin = RoutedLLMRouting(FakeScorer({"hard": 0.9}, default=0.1), policies=[cap])
    first: dict[str, Any] = {"metadata": {}}
    await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, first)
    await plugin.async_log_failure_event(first, None, 0.0, 1.0)  # its first attempt failed: released
    assert cap.in_flight == 0
    await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, {"metadata": {}})  # takes the slot
    kept = await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, first)  # the retry
    record = first["metadata"][DECISION_KEY]
    assert [d["model_info"]["routed_llm_role"] for d in kept] == ["weak"]
    assert record["policy"] == "concurrency_cap" and record["admitted_role"] == "weak" and record["role"] == "weak"
    assert cap.in_flight == 1 and plugin.in_flight() == 2


async def test_admissions_never_reported_are_returned_after_max_call_s() -> None:
    cap = ConcurrencyCap(1)
    plugin = RoutedLLMRouting(FakeScorer(default=0.9), policies=[cap], max_call_s=1e-9)
    await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, {"metadata": {}})
    assert cap.in_flight == 1  # the client hung up: no outcome will ever come
    second: dict[str, Any] = {"metadata": {}}
    await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, second)
    assert second["metadata"][DECISION_KEY]["role"] == "strong" and cap.in_flight == 1


async def test_response_headers_carry_the_decision() -> None:
    plugin = RoutedLLMRouting(FakeScorer(default=0.9), threshold=0.25)
    request: dict[str, Any] = {"metadata": {}}
    await plugin.async_filter_deployments("g", pool("strong", "weak"), HARD, request)
    headers = await plugin.async_post_call_response_headers_hook(request, None, None)
    assert headers == {"x-routed-llm-scorer": "fake", "x-routed-llm-router": "fake", "x-routed-llm-score": "0.9",
                       "x-routed-llm-threshold": "0.25", "x-routed-llm-role": "strong",
                       "x-routed-llm-policy": "threshold"}
    assert await plugin.async_post_call_response_headers_hook({"metadata": {}}, None, None) is None


async def test_a_bad_role_tag_names_the_field_and_the_deployment() -> None:
    plugin = RoutedLLMRouting(FakeScorer())
    with pytest.raises(ConfigurationError, match=r"model_info.routed_llm_role.*'medium'.*openai/m0"):
        await plugin.async_filter_deployments("g", pool("medium"), HARD, {"metadata": {}})


@pytest.mark.parametrize(("kwargs", "field"), [({"on_error": "both"}, "on_error"), ({"role_key": ""}, "role_key"),
                                               ({"max_call_s": 0}, "max_call_s"), ({"threshold": -1}, "threshold")])
def test_configuration_errors_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{field}:"):
        RoutedLLMRouting("random", **kwargs)


# -- N candidates ---------------------------------------------------------------------------
FLEET = [{"model": "big", "cost": 0.01}, {"model": "coder", "cost": 0.002}, {"model": "tiny", "cost": 0.0005}]
CODE = [{"role": "user", "content": "a python sort"}]


def fleet_router() -> FakeQualityScorer:
    """Hard prompts suit big only; python prompts suit coder; easy ones tiny."""
    return FakeQualityScorer({"big": 0.9, "coder": 0.3, "tiny": 0.2},
                             {"python": {"coder": 0.95}, "easy": {"tiny": 0.85}})


def fleet_deployments(provider: FakeProvider) -> list[dict[str, Any]]:
    common = {"api_base": provider.base_url, "api_key": "fake-key"}
    return [{"model_name": "fleet", "litellm_params": {"model": f"openai/{name}", **common},
             "model_info": {"id": name, "routed_llm_role": name}} for name in ("big", "coder", "tiny")]


async def test_n_candidates_each_prompt_goes_to_its_best_value_deployment(
    provider: FakeProvider, registered: list[RoutedLLMRouting]
) -> None:
    plugin = RoutedLLMRouting(fleet_router(), models=FLEET, cost_weight=20.0)
    registered.append(plugin)
    litellm.logging_callback_manager.add_litellm_callback(plugin)
    router = litellm.Router(model_list=fleet_deployments(provider), num_retries=0)
    # utilities q - 20c: hard 0.7 / 0.26 / 0.19 -> big; python -> coder (0.91); easy -> tiny (0.84)
    for messages in (HARD, CODE, EASY):
        await router.acompletion(model="fleet", messages=messages)
    assert provider.models_called() == ["big", "coder", "tiny"]
    assert "models=['big', 'coder', 'tiny'], scorer='fake_quality', cost_weight=20.0" in repr(plugin)


async def test_n_candidates_record_the_candidate_and_fall_down_the_ranking() -> None:
    plugin = RoutedLLMRouting(fleet_router(), models=FLEET, cost_weight=20.0)
    request: dict[str, Any] = {"metadata": {}}
    kept = await plugin.async_filter_deployments("g", pool("big", "coder", "tiny"), CODE, request)
    assert [d["model_info"]["id"] for d in kept] == ["m1"]
    record = request["metadata"][DECISION_KEY]
    assert record["model"] == "coder" and record["role"] == "weak" and record["policy"] == "cost_quality"
    assert record["order"] == ["coder", "big", "tiny"] and record["threshold"] == 20.0
    headers = await plugin.async_post_call_response_headers_hook(request, None, None)
    assert headers is not None and headers["x-routed-llm-model"] == "coder" and headers["x-routed-llm-role"] == "weak"
    # coder has no healthy deployment: the prompt's next-best candidate serves it
    request = {"metadata": {}}
    kept = await plugin.async_filter_deployments("g", pool("big", "tiny"), CODE, request)
    assert [d["model_info"]["routed_llm_role"] for d in kept] == ["big"]
    assert request["metadata"][DECISION_KEY]["policy"] == "unavailable"


async def test_n_candidates_a_refused_strong_call_goes_to_the_best_other_candidate() -> None:
    cap = ConcurrencyCap(1)
    plugin = RoutedLLMRouting(fleet_router(), models=FLEET, cost_weight=20.0, policies=[cap])
    first: dict[str, Any] = {"metadata": {}}
    await plugin.async_filter_deployments("g", pool("big", "coder", "tiny"), HARD, first)
    assert first["metadata"][DECISION_KEY]["model"] == "big" and cap.in_flight == 1
    second: dict[str, Any] = {"metadata": {}}
    kept = await plugin.async_filter_deployments("g", pool("big", "coder", "tiny"), HARD, second)
    record = second["metadata"][DECISION_KEY]
    assert [d["model_info"]["routed_llm_role"] for d in kept] == ["coder"]  # hard: coder 0.26 beats tiny 0.19
    assert record["policy"] == "concurrency_cap" and record["admitted_role"] == "weak" and cap.in_flight == 1


async def test_n_candidates_tags_must_name_a_candidate() -> None:
    plugin = RoutedLLMRouting(fleet_router(), models=FLEET)
    with pytest.raises(ConfigurationError, match=r"model_info.routed_llm_role.*'strong'.*openai/m0"):
        await plugin.async_filter_deployments("g", pool("strong", "tiny"), HARD, {"metadata": {}})


def test_n_candidates_take_a_cost_weight_not_a_threshold() -> None:
    with pytest.raises(ConfigurationError, match="^threshold:"):
        RoutedLLMRouting(fleet_router(), models=FLEET, threshold=0.5)
    with pytest.raises(ConfigurationError, match="^router:"):
        RoutedLLMRouting(FakeScorer(), models=FLEET)


def test_the_default_router_is_the_clients_default() -> None:
    """Issue 17: a proxy config without ``router:`` routes with the default router, not at random."""
    assert RoutedLLMRouting().router.scorer.name == RoutedClient("openai/a", "openai/b").scorer.name != "random"


async def test_headers_name_the_deployment_that_answered_after_a_retry_elsewhere(
    provider: FakeProvider, registered: list[RoutedLLMRouting]
) -> None:
    """Issue 18 item 7: the strong deployment fails, LiteLLM retries on the weak one while the
    strong one cools down; the headers report who answered and that it was not the chosen one."""
    plugin = RoutedLLMRouting(FakeScorer({"hard": 0.9}, default=0.1), threshold=0.5)
    registered.append(plugin)
    litellm.logging_callback_manager.add_litellm_callback(plugin)
    router = litellm.Router(model_list=deployments(provider)[:2], num_retries=1, retry_after=0, allowed_fails=0)
    provider.fail_next("big", status=500)
    request: dict[str, Any] = {"metadata": {}}
    reply = await router.acompletion(model="routed", messages=HARD, metadata=request["metadata"])
    assert provider.models_called() == ["big", "small"]
    headers = await plugin.async_post_call_response_headers_hook(request, None, reply)
    assert headers is not None
    assert headers["x-routed-llm-role"] == "weak" and headers["x-routed-llm-deployment"] == "openai/small"
    assert headers["x-routed-llm-fallback"] == "true" and headers["x-routed-llm-policy"] == "unavailable"


async def test_a_slot_comes_back_when_a_later_policy_demotes_what_the_cap_admitted(
    provider: FakeProvider, registered: list[RoutedLLMRouting]
) -> None:
    """Issue 27 B1 in the proxy: max_strong 2 and a latency target, a slow strong model, sequential requests."""
    cap = ConcurrencyCap(2)
    plugin = RoutedLLMRouting(FakeScorer({"hard": 0.9}, default=0.1), policies=[cap, LatencyTarget(0.01, probe_every=3)])
    router = router_with(provider, plugin, registered)
    provider.fail_next("big", status=200, content="a slow answer", delay_s=0.05, times=15)
    for _ in range(15):
        await router.acompletion(model="routed", messages=HARD)
        await _until(lambda: plugin.in_flight() == 0)
    assert cap.in_flight == 0
    assert provider.models_called().count("big") >= 4  # the latency target's probes still reach the strong model


async def test_b4_a_cold_proxy_budget_reserves_from_the_price_table() -> None:
    """Issue 27 B4 in the proxy: a just-started proxy has seen no call, so a budget that reserved
    what it had observed reserved $0 and let every concurrent strong request through."""
    budget = SpendBudget(usd=0.01)
    plugin = RoutedLLMRouting(FakeScorer(default=0.9), policies=[budget])
    priced = [{"litellm_params": {"model": "openai/gpt-4o"}, "model_info": {"id": "s", "routed_llm_role": "strong"}},
              {"litellm_params": {"model": "openai/gpt-4o-mini"}, "model_info": {"id": "w", "routed_llm_role": "weak"}}]
    one_call = RoutedClient("openai/gpt-4o", "openai/gpt-4o-mini", scorer=FakeScorer())._prices.cost(
        "openai/gpt-4o", 1, 256)
    assert one_call is not None and one_call > 0
    roles = []
    for _ in range(40):  # no outcome is reported: every reservation stays held, as in a burst
        request: dict[str, Any] = {"metadata": {}}
        await plugin.async_filter_deployments("g", priced, HARD, request)
        roles.append(request["metadata"][DECISION_KEY]["admitted_role"])
    strong = roles.count("strong")  # the limit holds within one call's cost: 40 went strong before
    assert 1 <= strong <= budget.usd / one_call + 1, roles
