"""Defaults that save: the shipped default router on everyday prompts it never trained on.

``tests/fixtures/everyday_prompts.jsonl`` holds two labelled groups written for this test
(never trained on): *easy* turns (greetings, thanks, one-fact questions, simple rewrites and
translations, small talk) that any chat model answers, and *hard* ones (proofs, multi-step
math, non-trivial code, precise extraction, multi-step reasoning). The floors are the
measured figures (``benchmarks/generalization.py``: AUC 0.914, 17% of the easy group and 93%
of the hard group strong at the defaults) less a margin.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from routed_llm.client import RoutedClient
from routed_llm.scorers import resolve_scorer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "everyday_prompts.jsonl"
TRIVIAL_TURNS = Path(__file__).resolve().parents[2] / "benchmarks" / "trivial_turns.py"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_fixture_has_two_real_groups_and_is_not_training_data(rows: list[dict[str, str]]) -> None:
    groups = [row["group"] for row in rows]
    assert len(rows) >= 60 and groups.count("easy") >= 25 and groups.count("hard") >= 25
    spec = importlib.util.spec_from_file_location("trivial_turns", TRIVIAL_TURNS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    trained = {turn.lower().strip() for turn in module.TRIVIAL_TURNS}
    assert not trained & {row["prompt"].lower().strip() for row in rows}


def test_the_default_score_separates_easy_from_demanding_prompts(rows: list[dict[str, str]]) -> None:
    scores = resolve_scorer("default").score([row["prompt"] for row in rows])
    hard = np.array([row["group"] == "hard" for row in rows])
    auc = ((scores[hard][:, None] > scores[~hard][None]) + 0.5 * (scores[hard][:, None] == scores[~hard][None])).mean()
    assert auc >= 0.88


def test_a_client_with_only_two_models_sends_easy_turns_weak_and_demanding_ones_strong(
    rows: list[dict[str, str]],
) -> None:
    client = RoutedClient("strong-model", "weak-model")
    strong = {"easy": [], "hard": []}  # type: dict[str, list[bool]]
    for row in rows:
        strong[row["group"]].append(client.route([{"role": "user", "content": row["prompt"]}]).model == "strong-model")
    assert np.mean(strong["easy"]) <= 0.30
    assert np.mean(strong["hard"]) >= 0.80
    assert 0.25 <= np.mean(strong["easy"] + strong["hard"]) <= 0.65  # a moderate share of mixed traffic
