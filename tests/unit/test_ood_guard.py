from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routed_llm import ConfigurationError, NotFittedError
from routed_llm.routing.ood import OutOfDistributionGuard

TOPICS = ["cell biology", "tax law", "european history", "organic chemistry", "microeconomics", "astronomy"]
TRAINING = [
    f"Which of the following best describes {topic} in question {i}? A. the first option B. the second option "
    f"C. the third option D. none of the above. Answer:"
    for i in range(60) for topic in TOPICS
]
FOREIGN = [
    "请用中文解释量子纠缠的基本原理以及它在通信中的应用",
    "fn main() { let v: Vec<u8> = std::fs::read(\"x\").unwrap(); println!(\"{:?}\", v.len()); }",
    "SELECT user_id, COUNT(*) FROM orders GROUP BY user_id HAVING COUNT(*) > 10;",
]


def test_foreign_prompts_are_pinned_and_familiar_ones_are_not() -> None:
    guard = OutOfDistributionGuard(n_centroids=8).fit(TRAINING)
    assert [guard.pin(text) for text in FOREIGN] == ["strong", "strong", "strong"]
    unseen_but_familiar = TRAINING[7].replace("question 1", "question 999")
    assert unseen_but_familiar not in TRAINING and guard.pin(unseen_but_familiar) is None
    assert np.mean([guard.pin(text) is not None for text in TRAINING]) <= 0.02


def test_route_to_weak_and_round_trip(tmp_path: Path) -> None:
    guard = OutOfDistributionGuard("weak", n_centroids=4, quantile=0.05).fit(TRAINING)
    loaded = OutOfDistributionGuard.from_pretrained(guard.save_pretrained(tmp_path / "guard"))
    assert loaded.route_to == "weak" and loaded.limit_ == pytest.approx(guard.limit_)
    np.testing.assert_allclose(loaded.distance(FOREIGN), guard.distance(FOREIGN), rtol=1e-5)
    assert loaded.pin(FOREIGN[0]) == "weak"


def test_misuse_is_reported() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        OutOfDistributionGuard().pin("x")
    with pytest.raises(ConfigurationError, match="route_to"):
        OutOfDistributionGuard("medium").fit(TRAINING)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="quantile"):
        OutOfDistributionGuard(quantile=1.0).fit(TRAINING)
    with pytest.raises(ConfigurationError, match="prompts"):
        OutOfDistributionGuard().fit(["only one"])
