from __future__ import annotations

import numpy as np
import pytest

from routed_llm import ConfigurationError, RandomScorer, calibrate
from routed_llm.routing import threshold_for_share
from routed_llm.routing.threshold import ThresholdPolicy


def test_threshold_semantics() -> None:
    assert ThresholdPolicy(0.0).use_strong(0.0)
    assert ThresholdPolicy(0.5).use_strong(0.5)
    assert not ThresholdPolicy(0.5).use_strong(0.49)
    assert not ThresholdPolicy(1.0).use_strong(0.99)
    assert ThresholdPolicy(0.9).use_strong(0.6, threshold=0.6)


@pytest.mark.parametrize("bad", [-0.1, 1.01, 2, float("nan"), float("inf"), "0.5", True])
def test_bad_thresholds_are_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="threshold"):
        ThresholdPolicy(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("share", [0.0, 0.1, 0.3, 0.5, 0.9, 1.0])
def test_calibrate_hits_the_share(share: float) -> None:
    prompts = [f"q{i}" for i in range(5000)]
    scorer = RandomScorer()
    threshold = calibrate(scorer, prompts, share)
    achieved = np.mean(scorer.score(prompts) >= threshold)
    assert achieved == pytest.approx(share, abs=0.001)


def test_share_zero_sends_nothing_even_with_ties() -> None:
    scores = np.array([0.7, 0.7, 0.7])
    assert not np.any(scores >= threshold_for_share(scores, 0.0))
    assert np.all(scores >= threshold_for_share(scores, 1.0))


def test_calibrate_refuses_bad_input() -> None:
    with pytest.raises(ConfigurationError, match="strong_share"):
        calibrate(RandomScorer(), ["a"], -0.1)
    with pytest.raises(ConfigurationError, match="prompts"):
        calibrate(RandomScorer(), [], 0.5)
