"""RoutedChatModel built with only ``strong`` and ``weak``: the shipped default router and its
default threshold, end to end through LangChain and litellm to the loopback provider, on the
everyday prompts of ``tests/fixtures/everyday_prompts.jsonl`` (never trained on). The bounds
are issue 16's: at most 30% of easy turns and at least 70% of demanding ones strong."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from langchain_routed_llm import RoutedChatModel

from routed_llm.testing import FakeProvider

FIXTURE = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "everyday_prompts.jsonl"
STRONG, WEAK = "openai/strong-model", "openai/weak-model"


def test_a_model_with_only_two_providers_saves_on_easy_turns_and_pays_for_hard_ones(
    fake_provider: FakeProvider,
) -> None:
    llm = RoutedChatModel(strong=STRONG, weak=WEAK, api_base=fake_provider.base_url, api_key="sk-test",
                          max_retries=0)
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    strong: dict[str, list[bool]] = {"easy": [], "hard": []}
    for row in rows:
        routing = llm.invoke(row["prompt"]).response_metadata["routing"]
        assert routing["router"] == "default" and routing["threshold"] == 0.5
        strong[row["group"]].append(routing["model"] == STRONG)
    assert np.mean(strong["easy"]) <= 0.30
    assert np.mean(strong["hard"]) >= 0.70
    assert 0.25 <= np.mean(strong["easy"] + strong["hard"]) <= 0.65  # a moderate share of mixed traffic
