"""The random router: RouteLLM's baseline, and a deterministic one."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from routed_llm.scorers.base import BaseScorer, check_share

__all__ = ["RandomScorer"]

_SCALE = float(2**64)


class RandomScorer(BaseScorer):
    """Uniform scores in [0, 1) that ignore what the prompt asks.

    A score is derived from a hash of ``(seed, prompt)`` rather than drawn from a
    generator, so the same prompt always gets the same score: runs are reproducible,
    concurrent callers share no generator state, and an agent loop that re-sends its
    first prompt keeps its model.
    """

    name: ClassVar[str] = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        salt = str(self.seed).encode()
        values = [
            int.from_bytes(
                hashlib.blake2b(prompt.encode("utf-8", "replace"), digest_size=8, key=salt).digest(),
                "big",
            )
            / _SCALE
            for prompt in prompts
        ]
        return np.asarray(values, dtype=np.float64)

    def threshold_for_strong_share(self, strong_share: float) -> float:
        """Exact for uniform scores: P(score >= 1 - s) = s."""
        check_share(strong_share)
        return 1.0 - float(strong_share)
