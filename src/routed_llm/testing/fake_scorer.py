"""Scorers whose answers a test chooses: a two-model one and an N-model one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from routed_llm.scorers.base import BaseScorer

__all__ = ["FakeQualityScorer", "FakeScorer"]


class FakeScorer(BaseScorer):
    """Scores a prompt by the first key of ``scores`` it contains, else ``default``.

    ``FakeScorer({"prove": 0.9, "hello": 0.1})`` lets a test say which prompts must go to
    which model without training anything. ``calls`` counts the prompts scored and
    ``seen`` keeps them, so a test can check what an integration chose to score.
    """

    name: ClassVar[str] = "fake"

    def __init__(self, scores: Mapping[str, float] | None = None, default: float = 0.5) -> None:
        self.scores = dict(scores or {})
        self.default = default
        self.calls = 0
        self.seen: list[str] = []

    def get_params(self) -> dict[str, object]:
        return {"scores": self.scores, "default": self.default}

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        self.calls += len(prompts)
        self.seen.extend(prompts)
        return np.asarray(
            [next((value for key, value in self.scores.items() if key in prompt), self.default) for prompt in prompts],
            dtype=np.float64,
        )


class FakeQualityScorer(BaseScorer):
    """An N-model router whose predicted qualities a test chooses.

    ``FakeQualityScorer({"big": 0.9, "coder": 0.3}, {"python": {"coder": 0.95}})``
    predicts each model's default quality, raised or lowered by the keywords a prompt
    contains, so a test says which prompt suits which candidate without training a router.
    """

    name: ClassVar[str] = "fake_quality"

    def __init__(self, defaults: Mapping[str, float], keywords: Mapping[str, Mapping[str, float]] | None = None) -> None:
        self.defaults = dict(defaults)
        self.keywords = {word: dict(qualities) for word, qualities in (keywords or {}).items()}
        self.models_ = list(self.defaults)

    def get_params(self) -> dict[str, object]:
        return {"defaults": self.defaults, "keywords": self.keywords}

    def predict_quality(self, prompts: Sequence[str]) -> np.ndarray:
        rows = []
        for prompt in prompts:
            row = dict(self.defaults)
            for word, qualities in self.keywords.items():
                if word in prompt:
                    row.update(qualities)
            rows.append([row[model] for model in self.models_])
        return np.asarray(rows, dtype=np.float64).reshape(len(prompts), len(self.models_))

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        return self.predict_quality(prompts)
