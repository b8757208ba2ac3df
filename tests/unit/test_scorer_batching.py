"""Batched scoring: every prompt scored once, progress reported, broken scorers caught."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from routed_llm.errors import ConfigurationError, ScorerError
from routed_llm.scorers import RandomScorer, score_in_batches
from routed_llm.testing import FakeScorer


def test_batches_cover_every_prompt_in_order_and_report_progress() -> None:
    prompts = [f"prompt {i}" for i in range(10)]
    done: list[int] = []
    scores = score_in_batches(RandomScorer(seed=3), prompts, batch_size=4, on_batch=done.append)
    np.testing.assert_array_equal(scores, RandomScorer(seed=3).score(prompts))
    assert done == [4, 4, 2]
    assert score_in_batches(RandomScorer(), [], batch_size=4).shape == (0,)


def test_each_batch_is_validated_with_the_scorer_name() -> None:
    class Broken(FakeScorer):
        def score(self, prompts: Sequence[str]) -> np.ndarray:
            return np.full(len(prompts), 1.5)

    with pytest.raises(ScorerError, match="'fake' returned scores outside"):
        score_in_batches(Broken(), ["a", "b"], batch_size=1)
    with pytest.raises(ConfigurationError, match="batch_size"):
        score_in_batches(FakeScorer(), ["a"], batch_size=0)
