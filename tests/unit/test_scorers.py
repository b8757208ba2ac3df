from __future__ import annotations

import numpy as np
import pytest

from routed_llm import ConfigurationError, RandomScorer, RouterScorer, ScorerError, UnknownRouterError, resolve_scorer
from routed_llm.scorers.base import check_scores
from routed_llm.testing import FakeScorer


def test_random_scorer_is_uniform_seedable_and_deterministic_per_prompt() -> None:
    prompts = [f"prompt {i}" for i in range(20_000)]
    scores = RandomScorer(seed=1).score(prompts)
    assert scores.shape == (20_000,)
    assert scores.min() >= 0.0 and scores.max() < 1.0
    assert abs(scores.mean() - 0.5) < 0.01
    assert abs(np.mean(scores >= 0.7) - 0.3) < 0.015
    np.testing.assert_array_equal(scores, RandomScorer(seed=1).score(prompts))
    assert not np.array_equal(scores, RandomScorer(seed=2).score(prompts))
    assert RandomScorer().score(["same"])[0] == RandomScorer().score(["other", "same"])[1]


def test_random_scorer_threshold_for_share_is_exact() -> None:
    assert RandomScorer().threshold_for_strong_share(0.3) == pytest.approx(0.7)
    with pytest.raises(ConfigurationError, match="strong_share"):
        RandomScorer().threshold_for_strong_share(1.5)


def test_scorers_satisfy_the_protocol() -> None:
    assert isinstance(RandomScorer(), RouterScorer)
    assert isinstance(FakeScorer(), RouterScorer)


def test_registry_resolves_names_and_instances() -> None:
    assert isinstance(resolve_scorer("random"), RandomScorer)
    assert resolve_scorer("random", seed=3).seed == 3  # type: ignore[attr-defined]
    scorer = FakeScorer()
    assert resolve_scorer(scorer) is scorer
    with pytest.raises(UnknownRouterError, match="nonexistent"):
        resolve_scorer("nonexistent")
    with pytest.raises(ConfigurationError, match="router"):
        resolve_scorer(42)  # type: ignore[arg-type]


def test_quantile_calibration_needs_quantiles() -> None:
    with pytest.raises(ConfigurationError, match="calibrate"):
        FakeScorer().threshold_for_strong_share(0.5)
    scorer = FakeScorer()
    scorer.score_quantiles_ = np.linspace(0.2, 0.6, 101)
    assert scorer.threshold_for_strong_share(0.25) == pytest.approx(0.5)


def test_check_scores_rejects_broken_output() -> None:
    with pytest.raises(ScorerError, match="shape"):
        check_scores([0.1, 0.2], 3, "x")
    with pytest.raises(ScorerError, match=r"\[0, 1\]"):
        check_scores([1.5], 1, "x")
    with pytest.raises(ScorerError, match=r"\[0, 1\]"):
        check_scores([float("nan")], 1, "x")


def test_repr_shows_params() -> None:
    assert repr(RandomScorer(seed=7)) == "RandomScorer(seed=7)"
