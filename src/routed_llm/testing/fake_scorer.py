"""A scorer whose answers a test chooses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from routed_llm.scorers.base import BaseScorer

__all__ = ["FakeScorer"]


class FakeScorer(BaseScorer):
    """Scores a prompt by the first key of ``scores`` it contains, else ``default``.

    ``FakeScorer({"prove": 0.9, "hello": 0.1})`` lets a test say which prompts must go to
    which model without training anything. ``calls`` counts the prompts scored.
    """

    name: ClassVar[str] = "fake"

    def __init__(self, scores: Mapping[str, float] | None = None, default: float = 0.5) -> None:
        self.scores = dict(scores or {})
        self.default = default
        self.calls = 0

    def get_params(self) -> dict[str, object]:
        return {"scores": self.scores, "default": self.default}

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        self.calls += len(prompts)
        return np.asarray(
            [next((value for key, value in self.scores.items() if key in prompt), self.default) for prompt in prompts],
            dtype=np.float64,
        )
