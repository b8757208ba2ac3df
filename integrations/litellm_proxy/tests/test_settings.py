"""The ``routed_llm`` config section, the shipped example config, and the package's surface."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest
import routed_llm_proxy
from routed_llm_proxy import RoutedLLMRouting
from routed_llm_proxy.settings import read_section, routing_kwargs, state_from_settings

from routed_llm import ConfigurationError
from routed_llm.routing import ConcurrencyCap, MemoryState, OnlineCalibrator, RedisState, SpendBudget
from routed_llm.testing import FakeScorer

EXAMPLE = Path(__file__).resolve().parents[1] / "config.yaml"


def test_public_names_are_pinned() -> None:
    assert routed_llm_proxy.__all__ == ["DECISION_KEY", "HEADER_PREFIX", "ROLE_KEY", "RoutedLLMRouting"]


def test_the_shipped_example_config_builds_a_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", "6390")
    plugin = RoutedLLMRouting.from_proxy_config(EXAMPLE, scorer=FakeScorer(), strong_share=None)
    assert [p.name for p in plugin.policies] == ["online_calibrator", "spend_budget", "concurrency_cap"]
    calibrator, budget, cap = plugin.policies
    assert isinstance(calibrator, OnlineCalibrator) and calibrator.strong_share == 0.3
    assert isinstance(budget, SpendBudget) and budget.usd == 50.0 and budget.clock is time.time
    assert isinstance(cap, ConcurrencyCap) and cap.max_strong == 32
    connection = calibrator.store._client.connection_pool.connection_kwargs  # type: ignore[attr-defined]
    assert (connection["host"], connection["port"]) == ("127.0.0.1", 6390)


def test_the_example_module_beside_the_config_is_what_litellm_loads() -> None:
    module = EXAMPLE.with_name("routed_llm_routing.py").read_text(encoding="utf-8")
    assert 'routing = RoutedLLMRouting.from_proxy_config(Path(__file__).with_name("config.yaml"))' in module
    import yaml

    config = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert config["litellm_settings"]["callbacks"] == ["routed_llm_routing.routing"]
    roles = {d["litellm_params"]["model"]: (d.get("model_info") or {}).get("routed_llm_role")
             for d in config["model_list"]}
    assert roles == {"openai/gpt-4o": "strong", "openai/gpt-4o-mini": "weak", "openai/text-embedding-3-small": None}


def test_settings_map_to_the_plugin_and_its_policies() -> None:
    kwargs = routing_kwargs({"scorer": "random", "strong_share": 0.3, "prompt_view": "all_user",
                             "spend_budget": {"usd": 2.0, "window_s": 60}, "latency_target": {"target_s": 3}})
    assert kwargs["scorer"] == "random" and kwargs["strong_share"] == 0.3 and kwargs["prompt_view"] == "all_user"
    assert [p.name for p in kwargs["policies"]] == ["spend_budget", "latency_target"]
    plugin = RoutedLLMRouting.from_settings({"threshold": 0.7, "role_key": "tier"}, scorer=FakeScorer())
    assert plugin.router.threshold == 0.7 and plugin.role_key == "tier" and plugin.policies == ()


def test_a_redis_url_in_the_settings_wins_over_the_environment() -> None:
    state = state_from_settings({"backend": "redis", "url": "redis://10.0.0.7:7000/2", "namespace": "fleet"},
                                environ={"REDIS_HOST": "elsewhere"})
    assert isinstance(state, RedisState) and state.namespace == "fleet"
    kwargs = state.client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("10.0.0.7", 7000, 2)


def test_the_proxy_redis_environment_is_used_with_its_password() -> None:
    state = state_from_settings("redis", environ={"REDIS_HOST": "cache", "REDIS_PASSWORD": "p@ss/word"})
    kwargs = state.client.connection_pool.connection_kwargs  # type: ignore[attr-defined]
    assert (kwargs["host"], kwargs["port"], kwargs["password"]) == ("cache", 6379, "p@ss/word")
    assert "p@ss" not in repr(state)
    assert isinstance(state_from_settings("redis", environ={"REDIS_URL": "redis://u:1@h:1/0"}), RedisState)
    assert isinstance(state_from_settings(None), MemoryState)


@pytest.mark.parametrize(("settings", "field"), [
    ({"routr": "random"}, "routed_llm.routr"),
    ({"spend_budget": 5}, "routed_llm.spend_budget"),
    ({"spend_budget": {"dollars": 5}}, "routed_llm.spend_budget"),
    ({"spend_budget": {"usd": -1}}, "usd"),
    ({"state": "postgres"}, "routed_llm.state.backend"),
    ({"state": {"backend": "redis", "host": "x"}}, "routed_llm.state.host"),
    ({"state": {"backend": "memory", "url": "x"}}, "routed_llm.state"),
])
def test_bad_settings_name_the_field(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{field}:"):
        routing_kwargs(settings)


@pytest.mark.parametrize(("settings", "message"), [
    ({"threshold": 1.5}, "^threshold: must be a number between 0 and 1"),
    ({"strong_share": -0.1}, "^strong_share: must be a number between 0 and 1"),
    ({"threshold": 0.2, "strong_share": 0.3}, "^threshold: give either "),
    ({"models": ["big", "tiny"], "threshold": 0.5}, "^threshold: N-model routing weighs cost"),
])
def test_routing_settings_follow_the_configuration_rules(settings: dict[str, Any], message: str) -> None:
    """Issue 24: the proxy applies the client's rules (RoutingConfig), not rules of its own."""
    with pytest.raises(ConfigurationError, match=message):
        RoutedLLMRouting.from_settings(settings, scorer=FakeScorer())


def test_router_is_read_as_the_deprecated_name_of_scorer() -> None:
    with pytest.warns(DeprecationWarning, match="scorer="):
        kwargs = routing_kwargs({"router": "random"})
    assert kwargs["scorer"] == "random" and "router" not in kwargs


def test_redis_state_without_a_location_says_where_to_put_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDIS_URL", "REDIS_HOST"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match=r"^routed_llm.state.url: .*REDIS_HOST"):
        routing_kwargs({"state": "redis"})


def test_a_config_without_the_section_gives_the_defaults(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_list: []\n", encoding="utf-8")
    assert read_section(config) == {}
    config.write_text("routed_llm: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="^routed_llm:"):
        read_section(config)
    with pytest.raises(ConfigurationError, match="^config: cannot read"):
        read_section(tmp_path / "missing.yaml")


def test_the_plugin_module_does_not_need_the_proxy_server() -> None:
    spec = importlib.util.find_spec("routed_llm_proxy.routing")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    assert "litellm.proxy" not in source  # runs with a plain litellm.Router too


@pytest.mark.parametrize(("settings", "field"), [
    ({"mode": "cascade", "checker": "openai/gpt-4o-mini"}, "mode"),
    ({"mode": "hybrid"}, "mode"),
    ({"checker": "openai/gpt-4o-mini"}, "checker"),
    ({"verifier": "agreement"}, "verifier"),
    ({"cascade_band": [0.1, 0.9]}, "cascade_band"),
    ({"weak_samples": 2}, "weak_samples"),
])
def test_a_cascade_is_refused_with_what_to_do_instead(tmp_path: Path, settings: dict[str, Any], field: str) -> None:
    """Issue 25: a routing strategy picks a deployment before any answer exists, so the plugin
    refuses the cascade options (rather than ignoring them) and points to the client."""
    import yaml

    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"model_list": [], "routed_llm": settings}), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=f"^{field}: the proxy's routing plugin cannot cascade: .*"
                                                 r"RoutedClient\(mode='cascade'.*api_base=<the proxy's URL>"):
        RoutedLLMRouting.from_proxy_config(config, scorer=FakeScorer())
    with pytest.raises(ConfigurationError, match=f"^{field}: "):
        RoutedLLMRouting(scorer=FakeScorer(), **settings)


def test_mode_route_is_the_plugins_mode() -> None:
    plugin = RoutedLLMRouting.from_settings({"mode": "route", "threshold": 0.4}, scorer=FakeScorer())
    assert plugin.router.threshold == 0.4
    with pytest.raises(ConfigurationError, match="^mode: must be one of"):
        RoutedLLMRouting.from_settings({"mode": "cascde"}, scorer=FakeScorer())
