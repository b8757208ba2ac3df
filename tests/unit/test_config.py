"""RoutingConfig: one set of rules for every entry point (issue 24).

The client, the adapters and the proxy build from the same config, so the repros of
"entry points validate differently" are checked here once at the source and, where an
entry point maps its own arguments, at that entry point too (the adapters' and the
proxy's own test suites, ``tests/integration/test_cli.py``).
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from routed_llm import ConfigurationError, RoutedClient, RoutingConfig
from routed_llm.config import CALL_OPTIONS, CallOptions, check_litellm_kwargs
from routed_llm.routing import OnlineCalibrator
from routed_llm.testing import FakeScorer

PAIR = {"strong": "openai/a", "weak": "openai/b"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", [1.5, 2, -0.1, float("nan"), float("inf"), True, "0.5"])
@pytest.mark.parametrize("name", ["threshold", "strong_share"])
def test_one_range_rule_for_the_client_its_calls_and_the_config(name: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=f"^{name}: must be a number between 0 and 1"):
        RoutedClient(**PAIR, scorer=FakeScorer(), **{name: value})
    client = RoutedClient(**PAIR, scorer=FakeScorer())
    with pytest.raises(ConfigurationError, match=f"^{name}: must be a number between 0 and 1"):
        client.route("hello", **{name: value})
    with pytest.raises(ConfigurationError, match=f"^{name}: "):
        RoutingConfig(**PAIR, **{name: value})


def test_a_threshold_and_a_share_together_are_refused_wherever_given() -> None:
    with pytest.raises(ConfigurationError, match="^threshold: give either threshold or strong_share"):
        RoutedClient(**PAIR, scorer=FakeScorer(), threshold=0.2, strong_share=0.3)
    with pytest.raises(ConfigurationError, match="^threshold: give either threshold or strong_share"):
        RoutedClient(**PAIR, scorer=FakeScorer()).route("hello", threshold=0.2, strong_share=0.3)


def test_one_place_raises_the_either_or_message() -> None:
    sources = [*(ROOT / "src").rglob("*.py"), *(ROOT / "integrations").rglob("*.py")]
    places = [path for path in sources if "either threshold or strong_share" in path.read_text(encoding="utf-8")]
    assert places == [ROOT / "src" / "routed_llm" / "cutoff.py"]


def test_the_same_model_twice_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="^weak: must differ from strong"):
        RoutedClient("openai/a", "openai/a", scorer=FakeScorer())


@pytest.mark.parametrize(("given", "meant"), [("strong_shar", "strong_share"), ("thresold", "threshold"),
                                              ("fallbak", "fallback"), ("prompt_veiw", "prompt_view")])
def test_a_misspelt_option_at_construction_says_what_was_meant(given: str, meant: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{given}: unknown routing option; did you mean '{meant}'"):
        RoutedClient(**PAIR, scorer=FakeScorer(), **{given: 0.3})


def test_a_misspelt_option_of_a_call_says_what_was_meant() -> None:
    client = RoutedClient(**PAIR, scorer=FakeScorer())
    with pytest.raises(ConfigurationError, match="^thresold: unknown routing option; did you mean 'threshold'"):
        client.route("hello", thresold=0.2)
    with pytest.raises(ConfigurationError, match="^strong_shar: .*did you mean 'strong_share'"):
        CallOptions.split({"strong_shar": 0.3, "temperature": 0.1}, "complete")


def test_litellm_arguments_pass_through() -> None:
    litellm_kwargs = {"temperature": 0.2, "api_base": "http://127.0.0.1:1/v1", "num_retries": 2, "timeout": 5,
                      "extra_headers": {"X-Team": "a"}, "fallbacks": ["openai/c"], "seed": 7, "top_p": 0.9}
    client = RoutedClient(**PAIR, scorer=FakeScorer(), **litellm_kwargs)
    assert client.config.litellm_kwargs == litellm_kwargs
    options, rest = CallOptions.split({"threshold": 0.2, **litellm_kwargs}, "complete")
    assert options == CallOptions(threshold=0.2) and rest == litellm_kwargs


def test_no_litellm_argument_is_taken_for_a_misspelt_option() -> None:
    litellm = pytest.importorskip("litellm")
    names = set(inspect.signature(litellm.completion).parameters) | set(litellm.all_litellm_params)
    names -= {"model", "messages", "stream", *CALL_OPTIONS}
    check_litellm_kwargs(dict.fromkeys(names), "complete")
    check_litellm_kwargs(dict.fromkeys(names), "RoutedClient", construction=True)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"route_to": "weak"}, "^route_to: is an option of a call .*, not of RoutedClient"),
    ({"model": "openai/a"}, "^model: not an argument of RoutedClient: pin a model with route_to="),
    ({"stream": True}, "^stream: "),
])
def test_what_is_not_a_setting_is_refused_at_construction(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        RoutedClient(**PAIR, scorer=FakeScorer(), **kwargs)


@pytest.mark.parametrize(("kwargs", "field"), [({"fallback": True}, "fallback"), ({"messages": []}, "messages"),
                                               ({"stream": True}, "stream"), ({"mode": "stream"}, "mode")])
def test_what_is_not_a_call_option_is_refused_with_the_call(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{field}: "):
        CallOptions.split(kwargs, "complete")


def test_the_share_in_force_is_what_the_client_reports_and_decides_with() -> None:
    client = RoutedClient(**PAIR, strong_share=0.3)  # the shipped default carries quantiles
    decision = client.route("What is the capital of France?")
    assert decision.threshold == client.threshold == client.scorer.threshold_for_strong_share(0.3) != 0.5
    assert f"threshold={client.threshold!r}" in repr(client)


def test_a_cut_off_change_keeps_the_ledger_and_the_policies_state() -> None:
    calibrator = OnlineCalibrator(strong_share=0.5, window=10, min_samples=1)
    client = RoutedClient(**PAIR, scorer=FakeScorer(default=0.4), threshold=0.5, policies=[calibrator])
    assert client.reconfigured(client.config.replace(threshold=0.5)) is client
    moved = client.reconfigured(client.config.replace(threshold=0.2))
    assert moved is not client and moved.threshold == 0.2 and client.threshold == 0.5
    assert moved._ledger is client._ledger and moved.policies[0] is calibrator and moved.scorer is client.scorer
    other = client.reconfigured(client.config.replace(weak="openai/c"))
    assert other._ledger is not client._ledger and other.weak == "openai/c"


def test_cascade_modes_name_what_they_need() -> None:
    config = RoutingConfig(**PAIR, mode="cascade", checker="openai/c", verifier="agreement")
    assert (config.mode, config.checker, config.verifier) == ("cascade", "openai/c", "agreement")
    assert RoutedClient.from_config(config.replace(scorer=FakeScorer()))._verifier.name == "agreement"
    with pytest.raises(ConfigurationError, match="^checker: mode='cascade' needs checker="):
        RoutingConfig(**PAIR, mode="cascade")
    with pytest.raises(ConfigurationError, match="^checker: mode='hybrid' needs checker="):
        RoutedClient(**PAIR, scorer=FakeScorer()).route("hello", mode="hybrid")
    with pytest.raises(ConfigurationError, match="^checker: "):
        RoutingConfig(**PAIR, mode="cascade", verifier="agreement")
    assert RoutingConfig(**PAIR, mode="cascade", verifier="self_check").checker is None
    with pytest.raises(ConfigurationError, match="^verifier: 'learned' is not trained"):
        RoutedClient(**PAIR, scorer=FakeScorer(), mode="cascade", verifier="learned")
    with pytest.raises(ConfigurationError, match="^mode: 'cascade' needs strong= and weak="):
        RoutingConfig(models=["openai/a", "openai/b"], mode="cascade", checker="openai/c")
    for band in ((0.5, 0.5), (0.2,), "0.2-1", (-0.1, 1.0), (0.2, 1.1)):
        with pytest.raises(ConfigurationError, match="^cascade_band: "):
            RoutingConfig(**PAIR, cascade_band=band)  # type: ignore[arg-type]
    assert RoutingConfig(**PAIR, cascade_band=[0, 0.9]).cascade_band == (0.0, 0.9)
    with pytest.raises(ConfigurationError, match="^mode: must be one of"):
        RoutingConfig(**PAIR, mode="escalate")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="^checker: "):
        RoutingConfig(**PAIR, checker="")
    with pytest.raises(ConfigurationError, match="^verifier: "):
        RoutingConfig(**PAIR, verifier=0.5)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"strong": "openai/a", "weak": None}, "weak"),
    ({"models": ["openai/a", "openai/b"], "strong": "openai/a"}, "models"),
    ({"models": ["openai/a", "openai/b"], "threshold": 0.5}, "threshold"),
    ({**PAIR, "cost_weight": -1}, "cost_weight"),
    ({**PAIR, "policies": ["budget"]}, "policies[0]"),
    ({**PAIR, "fallback": "yes"}, "fallback"),
    ({**PAIR, "prompt_view": "everything"}, "prompt_view"),
    ({**PAIR, "max_prompt_chars": 3}, "max_prompt_chars"),
    ({**PAIR, "strong_kwargs": ["api_key"]}, "strong_kwargs"),
])
def test_each_bad_option_is_named(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{re.escape(field)}: "):
        RoutingConfig(**kwargs)


def test_the_config_is_frozen_and_hides_secrets() -> None:
    config = RoutingConfig(**PAIR, litellm_kwargs={"api_key": "sk-config-secret-123456"}, threshold=0.3)
    with pytest.raises(AttributeError):
        config.threshold = 0.4  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.litellm_kwargs["api_key"] = "other"  # type: ignore[index]
    assert "sk-config-secret" not in repr(config) and "threshold=0.3" in repr(config)


def test_router_is_a_deprecated_alias_of_scorer() -> None:
    scorer = FakeScorer()
    with pytest.warns(DeprecationWarning, match="scorer="):
        client = RoutedClient(**PAIR, router=scorer)
    assert client.scorer is scorer
    with pytest.raises(ConfigurationError, match="^router: "), pytest.warns(DeprecationWarning):
        RoutedClient(**PAIR, scorer=FakeScorer(), router=scorer)
    decision = client.route("hello")
    assert decision.router == decision.scorer == "fake"
    assert decision.to_dict()["router"] == decision.to_dict()["scorer"] == "fake"


def test_importing_routing_alone_has_no_cycle() -> None:
    for module in ("routed_llm.routing", "routed_llm.config", "routed_llm.routing.sticky"):
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
