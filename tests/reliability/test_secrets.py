"""A planted API key never shows in logs, reprs, errors, decision metadata or saved artifacts."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from routed_llm import ProviderError, RoutedClient
from routed_llm.scorers.causal_llm import CausalLLMScorer
from routed_llm.testing import FakeProvider

PLANTED = "sk-PLANTED-do-not-leak-7f3a9c21e0"


def test_planted_key_stays_out_of_everything(provider: FakeProvider, caplog: pytest.LogCaptureFixture,
                                             tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    client = RoutedClient(
        "openai/big", "openai/small", scorer="random", threshold=0.0, fallback=True, num_retries=0,
        api_base=provider.base_url, api_key=PLANTED,
        weak_kwargs={"extra_headers": {"X-Api-Key": PLANTED}},
    )
    seen: list[str] = [repr(client), str(client.litellm_kwargs("strong")), str(client.litellm_kwargs("weak"))]

    reply = client.complete("hello")
    seen += [json.dumps(reply.decision.to_dict()), repr(reply.decision)]

    provider.fail_next("big", status=401, error_message=f"invalid key {PLANTED}")
    provider.fail_next("small", status=500, error_message=f"upstream echoed {PLANTED}")
    with pytest.raises(ProviderError) as info:
        client.complete("hello again")
    seen += [str(info.value), repr(info.value), repr(info.value.decision)]

    scorer = CausalLLMScorer("openai/judge", api_base=provider.base_url, api_key=PLANTED)
    seen.append(repr(scorer))
    scorer.score_quantiles_ = None
    directory = scorer.save_pretrained(tmp_path / "router")
    seen += [p.read_bytes().decode("utf-8", "replace") for p in directory.rglob("*") if p.is_file()]
    seen.append(str(client.usage()))
    seen.append(caplog.text)

    assert caplog.text, "the client logs its decisions and failures at DEBUG/WARNING"
    leaks = [text for text in seen if PLANTED in text]
    assert leaks == []
    assert provider.requests[0].headers["authorization"] == f"Bearer {PLANTED}"  # but it was really used


def test_a_key_in_an_encoder_spec_is_never_saved_nor_shown(provider: FakeProvider, tmp_path: Path) -> None:
    """Issue 18 item 8: MF, SW and the OOD guard kept ``encoder={..., "api_key": KEY}`` in config.json and reprs."""
    from routed_llm.routing.ood import OutOfDistributionGuard
    from routed_llm.scorers import load_scorer
    from routed_llm.scorers.mf import MFScorer
    from routed_llm.scorers.sw import SWScorer
    from routed_llm.training.labels import Battles

    spec = {"type": "litellm", "model": "openai/fake-embed", "api_base": provider.base_url, "api_key": PLANTED}
    prompts = ["prove the theorem", "hello there", "derive the integral", "hi thanks"]
    battles = Battles(prompts=prompts, models=["big", "small"], prompt_index=np.arange(4),
                      model_a=np.zeros(4, int), model_b=np.ones(4, int), outcome=np.array([1.0, 0.0, 1.0, 0.5]))
    routers = [MFScorer("big", "small", encoder=spec, dim=4, epochs=2).fit(battles),
               SWScorer("big", "small", encoder=spec).fit(battles),
               OutOfDistributionGuard(encoder=spec, n_centroids=2).fit(prompts)]
    seen: list[str] = []
    for router in routers:
        assert "api_key" in repr(router)  # the repr shows there is a key, masked
        seen.append(repr(router))
        directory = router.save_pretrained(tmp_path / router.name)
        seen += [p.read_bytes().decode("utf-8", "replace") for p in directory.rglob("*") if p.is_file()]
        loaded = load_scorer(directory) if router.name != "ood_guard" else OutOfDistributionGuard.from_pretrained(directory)
        assert "api_key" not in loaded.encoder and loaded.encoder["model"] == "openai/fake-embed"
    assert [text for text in seen if PLANTED in text] == []
    assert all(r.headers["authorization"] == f"Bearer {PLANTED}" for r in provider.requests)  # it was really used


def test_label_cli_masks_a_key_from_the_environment_that_a_provider_echoes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18 item 10: ``routed-llm label`` printed a 401 body quoting OPENAI_API_KEY in clear."""
    from routed_llm.cli import main
    from routed_llm.secrets import MASK

    monkeypatch.setenv("OPENAI_API_KEY", PLANTED)
    data = tmp_path / "prompts.txt"
    data.write_text("what is 2+2?\n")
    with FakeProvider() as fake:
        fake.fail_next("strong", status=401, error_message=f"Incorrect API key provided: {PLANTED}")
        code = main(["label", "--judge", "openai/judge", "--data", str(data), "--strong", "openai/strong",
                     "--weak", "openai/weak", "--out", str(tmp_path / "battles.jsonl"), "--api-base", fake.base_url,
                     "--no-progress", "--num-retries", "0"])
        assert fake.requests[0].headers["authorization"] == f"Bearer {PLANTED}"
    err = capsys.readouterr().err
    assert code == 1 and "1 failed" in err and f"Incorrect API key provided: {MASK}" in err
    assert PLANTED not in err


async def test_labelling_as_a_library_masks_a_key_from_the_environment_that_a_provider_echoes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 18 item 10, library side: ``alabel_battles``'s report held the echoed key in clear."""
    from routed_llm.secrets import MASK
    from routed_llm.training.judge import LabelItem, alabel_battles

    monkeypatch.setenv("OPENAI_API_KEY", PLANTED)
    with FakeProvider() as fake:
        fake.fail_next("strong", status=401, error_message=f"Incorrect API key provided: {PLANTED}")
        report = await alabel_battles([LabelItem(prompt="what is 2+2?")], judge="openai/judge",
                                      strong="openai/strong", weak="openai/weak", out=tmp_path / "battles.jsonl",
                                      api_base=fake.base_url, num_retries=0)
    assert report.errors and all(PLANTED not in error for error in report.errors)
    assert any(MASK in error for error in report.errors)


def _texts_reachable_from(error: BaseException) -> list[str]:
    """Every string an error handler can reach: the chain, attributes, containers and the HTTP
    exchange (URL, headers and body of requests and responses) the exceptions carry."""
    import httpx

    found: list[str] = []
    seen: set[int] = set()
    pending: list[Any] = [error]
    while pending:
        value = pending.pop()
        if id(value) in seen or value is None:
            continue
        seen.add(id(value))
        if isinstance(value, (str, bytes)):
            found.append(value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
        elif isinstance(value, dict):
            pending += [*map(str, value), *value.values()]
        elif isinstance(value, (list, tuple, set)):
            pending += list(value)
        elif isinstance(value, (httpx.Request, httpx.Response)):
            pending += [str(value.url) if isinstance(value, httpx.Request) else value.request,
                        str(list(value.headers.multi_items())), value.content]
        elif isinstance(value, BaseException):
            pending += [value.__cause__, value.__context__, list(value.args), dict(vars(value))]
        elif hasattr(value, "__dict__"):
            pending.append(dict(vars(value)))
    return found


def test_the_masked_cause_carries_no_key_in_its_http_exchange(provider: FakeProvider) -> None:
    """litellm's exception holds the httpx request (``Authorization: Bearer <key>``) and the
    response whose body echoed the key; the copy keeps both, masked, for handlers that read them."""
    client = RoutedClient("openai/big", "openai/small", scorer="random", threshold=0.0, num_retries=0,
                          api_base=provider.base_url, api_key=PLANTED)
    provider.fail_next("big", status=429, error_message=f"slow down {PLANTED}")
    with pytest.raises(ProviderError) as info:
        client.complete("hello")
    texts = _texts_reachable_from(info.value)
    assert any("slow down" in text for text in texts), "the provider's message is still there"
    assert [text for text in texts if PLANTED in text] == []
    cause = info.value.__cause__
    assert cause is not None and cause.response.status_code == 429  # type: ignore[attr-defined]
    assert "slow down" in cause.response.text  # type: ignore[attr-defined]
