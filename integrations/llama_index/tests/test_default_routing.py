"""RoutedLLM built with only ``strong`` and ``weak``: the shipped default router and its default
threshold, end to end through LlamaIndex and litellm to the loopback provider, on the everyday
prompts of ``tests/fixtures/everyday_prompts.jsonl`` (never trained on). The bounds are issue
16's: at most 30% of easy turns and at least 70% of demanding ones strong."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from llama_index.core.llms import ChatMessage
from llama_index.llms.routed_llm import RoutedLLM

from routed_llm.testing import FakeProvider

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "everyday_prompts.jsonl"


def test_an_llm_with_only_two_providers_saves_on_easy_turns_and_pays_for_hard_ones(provider: FakeProvider) -> None:
    llm = RoutedLLM(strong="openai/big", weak="openai/small", api_base=provider.base_url, api_key="sk-test",
                    num_retries=0)
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    strong: dict[str, list[bool]] = {"easy": [], "hard": []}
    for row in rows:
        routing = llm.chat([ChatMessage(role="user", content=row["prompt"])]).additional_kwargs["routing"]
        assert routing["router"] == "default" and routing["threshold"] == 0.5
        strong[row["group"]].append(routing["model"] == "openai/big")
    assert np.mean(strong["easy"]) <= 0.30
    assert np.mean(strong["hard"]) >= 0.70
    assert 0.25 <= np.mean(strong["easy"] + strong["hard"]) <= 0.65  # a moderate share of mixed traffic
