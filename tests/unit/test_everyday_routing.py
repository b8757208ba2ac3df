"""Defaults that save: the shipped default router on everyday prompts it never trained on.

``tests/fixtures/everyday_prompts.jsonl`` holds two labelled groups written for this test
(never trained on): *easy* turns (greetings, thanks, one-fact questions, simple rewrites and
translations, small talk) that any chat model answers, and *hard* ones (proofs, multi-step
math, non-trivial code, precise extraction, multi-step reasoning). The default learns priors
of the same *kinds* (``benchmarks/trivial_turns.py``, ``benchmarks/task_priors.py``), written
from the issue's categories, never from these prompts: a test checks that no fixture prompt
is, or nearly is, one of them. The floors are the measured figures
(``benchmarks/generalization.py``: AUC 0.991, 11% of the easy group and 97% of the hard
group strong at the defaults) less a margin.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

from routed_llm.client import RoutedClient
from routed_llm.scorers import resolve_scorer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "everyday_prompts.jsonl"
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
PRIORS = {"trivial_turns.py": ("TRIVIAL_TURNS",), "task_priors.py": ("SIMPLE_ASKS", "DEMANDING_ASKS")}
NEAR = 0.7
"""Word-set overlap (Jaccard) from which a prior counts as a copy of a fixture prompt."""


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def _prior_prompts() -> list[str]:
    prompts: list[str] = []
    for file, names in PRIORS.items():
        spec = importlib.util.spec_from_file_location(file.removesuffix(".py"), BENCHMARKS / file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name in names:
            prompts += getattr(module, name)
    return prompts


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_fixture_has_two_real_groups_and_is_not_training_data(rows: list[dict[str, str]]) -> None:
    groups = [row["group"] for row in rows]
    assert len(rows) >= 60 and groups.count("easy") >= 25 and groups.count("hard") >= 25
    priors = _prior_prompts()
    assert len(priors) > 500
    prior_words = [_words(prompt) for prompt in priors]
    for row in rows:
        words = _words(row["prompt"])
        closest = max(len(words & other) / len(words | other) for other in prior_words if words | other)
        assert closest < NEAR, f"{row['prompt']!r} is (nearly) a training prior"


def test_the_default_score_separates_easy_from_demanding_prompts(rows: list[dict[str, str]]) -> None:
    scores = resolve_scorer("default").score([row["prompt"] for row in rows])
    hard = np.array([row["group"] == "hard" for row in rows])
    auc = ((scores[hard][:, None] > scores[~hard][None]) + 0.5 * (scores[hard][:, None] == scores[~hard][None])).mean()
    assert auc >= 0.95


def test_a_client_with_only_two_models_sends_easy_turns_weak_and_demanding_ones_strong(
    rows: list[dict[str, str]],
) -> None:
    client = RoutedClient("strong-model", "weak-model")
    strong = {"easy": [], "hard": []}  # type: dict[str, list[bool]]
    for row in rows:
        strong[row["group"]].append(client.route([{"role": "user", "content": row["prompt"]}]).model == "strong-model")
    assert np.mean(strong["easy"]) <= 0.30
    assert np.mean(strong["hard"]) >= 0.85
    assert 0.25 <= np.mean(strong["easy"] + strong["hard"]) <= 0.65  # a moderate share of mixed traffic
