"""The plugin inside a real LiteLLM Proxy, in front of a loopback fake provider."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import pytest
from routed_llm_qa.cascade_cases import CHECKER, REPLIES, STRONG, VERDICTS, WEAK, cascade_reply

from routed_llm import RoutedClient
from routed_llm.routing import RedisState
from routed_llm.testing import FakeScorer

if TYPE_CHECKING:
    from conftest import RunningProxy  # the session fixture's type (conftest is not importable at run time)

pytestmark = pytest.mark.slow


def ask(proxy: RunningProxy, text: str, model: str = "routed", **body: object) -> tuple[dict, dict[str, str], str]:
    """Send one chat request; return the JSON answer, the headers and the model the fake served."""
    before = len(proxy.provider.models_called())
    with proxy.client() as client:
        reply = client.post("/v1/chat/completions", json={
            "model": model, "messages": [{"role": "user", "content": text}], **body})
    assert reply.status_code == 200, reply.text
    served = proxy.provider.models_called()[before:]
    assert len(served) == 1
    return reply.json(), dict(reply.headers), str(served[0])


def test_the_router_sends_hard_prompts_to_the_strong_deployment(proxy: RunningProxy) -> None:
    for _ in range(3):
        answer, headers, served = ask(proxy, "a hard proof")
        assert served == "big" and answer["choices"][0]["message"]["content"] == "Answer from big."
        assert headers["x-routed-llm-role"] == "strong" and headers["x-routed-llm-router"] == "fake"
        assert float(headers["x-routed-llm-score"]) == pytest.approx(0.9)
        assert float(headers["x-routed-llm-threshold"]) == pytest.approx(0.5)
        assert headers["x-routed-llm-policy"] == "threshold"
        _, headers, served = ask(proxy, "an easy greeting")
        assert served == "small" and headers["x-routed-llm-role"] == "weak"
        assert float(headers["x-routed-llm-score"]) == pytest.approx(0.1)


def test_the_last_user_turn_is_what_the_router_scores(proxy: RunningProxy) -> None:
    before = len(proxy.provider.models_called())
    with proxy.client() as client:
        reply = client.post("/v1/chat/completions", json={"model": "routed", "messages": [
            {"role": "system", "content": "You answer hard questions."},
            {"role": "user", "content": "a hard proof"},
            {"role": "assistant", "content": "Done."},
            {"role": "user", "content": "thanks, and hello"},
        ]})
    assert reply.status_code == 200 and reply.headers["x-routed-llm-role"] == "weak"
    assert proxy.provider.models_called()[before:] == ["small"]


def test_streamed_answers_are_routed_too(proxy: RunningProxy) -> None:
    before = len(proxy.provider.models_called())
    with proxy.client() as client, client.stream("POST", "/v1/chat/completions", json={
            "model": "routed", "stream": True, "messages": [{"role": "user", "content": "a hard proof"}]}) as reply:
        assert reply.status_code == 200
        chunks = [json.loads(line[6:]) for line in reply.iter_lines() if line.startswith("data: {")]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    assert text == "Answer from big." and proxy.provider.models_called()[before:] == ["big"]


def test_a_group_without_role_tags_is_left_to_litellm(proxy: RunningProxy) -> None:
    _, headers, served = ask(proxy, "a hard proof", model="plain")
    assert served == "plain"
    assert not [name for name in headers if name.startswith("x-routed-llm-")]


@pytest.mark.parametrize(("question", "answered", "escalated"), VERDICTS)
def test_a_cascade_runs_in_front_of_the_proxy_each_call_a_proxy_request(
    proxy: RunningProxy, question: str, answered: str, escalated: bool
) -> None:
    """The documented alternative to a cascading plugin: the client cascades, the proxy serves each call."""
    groups = {role: f"litellm_proxy/cascade-{role}" for role in ("strong", "weak", "checker")}
    client = RoutedClient(**groups, mode="cascade", scorer=FakeScorer(default=0.1), threshold=0.5,
                          api_base=proxy.base_url, api_key=proxy.key, num_retries=0)
    proxy.provider.clear()
    proxy.provider.responder = cascade_reply
    try:
        reply = client.complete([{"role": "user", "content": question}])
    finally:
        proxy.provider.responder = None
    assert reply.content == REPLIES[question][answered]
    assert (reply.decision.policy, reply.decision.extra["cascade"]["escalated"]) == ("cascade", escalated)
    assert reply.decision.model == groups["strong" if escalated else "weak"]
    served = sorted(f"openai/{model}" for model in proxy.provider.models_called())
    assert served == sorted([WEAK, CHECKER, *([STRONG] if escalated else [])])  # each through the proxy


def test_policy_state_is_shared_through_redis(proxy: RunningProxy) -> None:
    if proxy.redis_url is None:
        pytest.skip("redis-server is not installed: the proxy keeps its policy state in memory")
    replica = RedisState(proxy.redis_url, namespace=proxy.namespace)  # this process acts as a second replica
    window = replica.score_window("online_calibrator")
    ledger = replica.spend_ledger("spend_budget")
    seen_before = window.snapshot(1)[1]
    ask(proxy, "a hard proof")
    ask(proxy, "an easy greeting")
    assert window.snapshot(1)[1] == seen_before + 2
    assert window.snapshot(2)[0].tolist() == pytest.approx([0.9, 0.1])
    _wait_for(lambda: ledger.total(since=time.time() - 3600) > 0.0)  # costs arrive through LiteLLM's logging
    # Another replica spent the whole budget: the next hard prompt goes to the weak deployment.
    ledger.record(time.time(), 5.0)
    try:
        _, headers, served = ask(proxy, "a hard proof")
        assert served == "small" and headers["x-routed-llm-role"] == "weak"
        assert headers["x-routed-llm-policy"] == "spend_budget" and headers["x-routed-llm-threshold"] == "inf"
    finally:
        replica.client.delete(f"{proxy.namespace}:spend_budget:spent")
    _, headers, served = ask(proxy, "a hard proof")
    assert served == "big" and headers["x-routed-llm-policy"] == "threshold"


def test_n_candidates_each_prompt_is_served_by_its_best_value_deployment(fleet_proxy: RunningProxy) -> None:
    # utilities q - 20c: hard -> big (0.7), python -> coder (0.91), easy -> tiny (0.84)
    for text, expected, role in (("a hard proof", "big", "strong"), ("a python sort", "coder", "weak"),
                                 ("an easy greeting", "tiny", "weak")):
        answer, headers, served = ask(fleet_proxy, text, model="fleet")
        assert served == expected and answer["choices"][0]["message"]["content"] == f"Answer from {expected}."
        assert headers["x-routed-llm-model"] == expected and headers["x-routed-llm-role"] == role
        assert headers["x-routed-llm-router"] == "fake_quality" and headers["x-routed-llm-policy"] == "cost_quality"
        assert float(headers["x-routed-llm-threshold"]) == pytest.approx(20.0)


def _wait_for(condition: object, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    pytest.fail(f"condition not met within {timeout_s}s")
