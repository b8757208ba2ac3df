"""Defaults that save: the shipped default router on everyday prompts it never trained on.

``tests/fixtures/everyday_prompts.jsonl`` holds two labelled groups written for this test
(never trained on): *easy* turns (greetings, thanks, one-fact questions, simple rewrites and
translations, small talk) that any chat model answers, and *hard* ones (proofs, multi-step
math, non-trivial code, precise extraction, multi-step reasoning). The default learns priors
of the same *kinds* and hand-written development asks (``routed_llm.training.default_priors``),
never these prompts: a test checks that no fixture prompt is, or nearly is, one of them.

The blind fixtures (``blind_everyday_prompts.jsonl`` and ``_2``), when present, were each
written by an author who had read neither the priors nor the training code; no training code
reads them and no development ask is (nearly) one of their prompts. Their rows are chat
messages (some with a system prompt or an earlier exchange), routed as an application routes
them. The floors are issue 26's targets (``benchmarks/blind_everyday.py`` measured AUC 0.995
and 0.992; easy 1.9% and 8.8% strong at the defaults, 0.0% and 2.5% at ``strong_share=0.3``;
demanding 94.4% or more). The first set was looked at while the default was developed; the
second is the held-out one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from routed_llm.client import RoutedClient
from routed_llm.prompts import prompt_text
from routed_llm.scorers import resolve_scorer
from routed_llm.training.default_priors import DEMANDING_ASKS, SIMPLE_ASKS, TRIVIAL_TURNS, everyday_asks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = FIXTURES / "everyday_prompts.jsonl"
BLINDS = (FIXTURES / "blind_everyday_prompts.jsonl", FIXTURES / "blind_everyday_prompts_2.jsonl")
NEAR = 0.7
"""Word-set overlap (Jaccard) from which a prior counts as a copy of a fixture prompt."""


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def _prior_prompts() -> list[str]:
    return [*TRIVIAL_TURNS, *SIMPLE_ASKS, *DEMANDING_ASKS, *everyday_asks()[0]]


def _auc(scores: np.ndarray, demanding: np.ndarray) -> float:
    high, low = scores[demanding], scores[~demanding]
    return float(((high[:, None] > low[None]) + 0.5 * (high[:, None] == low[None])).mean())


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
    assert _auc(scores, np.array([row["group"] == "hard" for row in rows])) >= 0.97


def test_a_client_with_only_two_models_sends_easy_turns_weak_and_demanding_ones_strong(
    rows: list[dict[str, str]],
) -> None:
    client = RoutedClient("strong-model", "weak-model")
    strong = {"easy": [], "hard": []}  # type: dict[str, list[bool]]
    for row in rows:
        strong[row["group"]].append(client.route([{"role": "user", "content": row["prompt"]}]).model == "strong-model")
    assert np.mean(strong["easy"]) <= 0.20
    assert np.mean(strong["hard"]) >= 0.85
    assert 0.25 <= np.mean(strong["easy"] + strong["hard"]) <= 0.65  # a moderate share of mixed traffic


@pytest.mark.parametrize("blind", BLINDS, ids=lambda path: path.name)
def test_no_blind_prompt_is_a_development_ask(blind: Path) -> None:
    if not blind.is_file():
        pytest.skip(f"the blind fixture {blind.name} is not in this checkout")
    asks = [_words(ask) for ask in everyday_asks()[0]]
    for line in blind.read_text(encoding="utf-8").splitlines():
        if line.strip():
            words = _words(prompt_text(json.loads(line)["messages"]))
            closest = max(len(words & other) / len(words | other) for other in asks)
            assert closest < NEAR, f"a blind prompt is (nearly) a development ask (overlap {closest:.2f})"


@pytest.mark.parametrize("blind", BLINDS, ids=lambda path: path.name)
def test_the_blind_prompts_go_where_their_author_would_send_them(blind: Path) -> None:
    if not blind.is_file():
        pytest.skip(f"the blind fixture {blind.name} is not in this checkout")
    rows = [json.loads(line) for line in blind.read_text(encoding="utf-8").splitlines() if line.strip()]
    demanding = np.array([row["group"] == "demanding" for row in rows])
    assert demanding.sum() >= 75 and (~demanding).sum() >= 75 and demanding.sum() == (~demanding).sum()
    client = RoutedClient("strong-model", "weak-model")
    plain = [client.route(row["messages"]) for row in rows]
    shared = np.array([client.route(row["messages"], strong_share=0.3).role == "strong" for row in rows])
    strong = np.array([decision.role == "strong" for decision in plain])
    assert _auc(np.array([decision.score for decision in plain]), demanding) >= 0.95
    assert strong[~demanding].mean() <= 0.20 and strong[demanding].mean() >= 0.85
    assert shared[~demanding].mean() <= 0.10 and shared[demanding].mean() >= 0.70


def test_a_one_line_proof_goes_strong_even_when_a_share_is_asked() -> None:
    client = RoutedClient("strong-model", "weak-model", strong_share=0.3)
    for ask in ("Prove that sqrt(2) is irrational.", "Prove Fermat's little theorem.", "Derive the quadratic formula."):
        assert client.route(ask).role == "strong", ask
    for ask in ("hi", "What is the capital of France?"):
        assert client.route(ask).role == "weak", ask
