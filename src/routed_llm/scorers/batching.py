"""Scoring a benchmark's prompts in batches, so large sets show progress and bound memory."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from routed_llm.errors import ConfigurationError
from routed_llm.scorers.base import RouterScorer, check_scores

__all__ = ["DEFAULT_BATCH_SIZE", "score_in_batches"]

DEFAULT_BATCH_SIZE = 256


def score_in_batches(
    scorer: RouterScorer,
    prompts: Sequence[str],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """All scores of ``prompts``; ``on_batch(k)`` is told after each batch of ``k`` prompts.

    Every batch is validated as it arrives, so a scorer that breaks halfway through a
    large set fails with its name instead of producing a silently wrong curve.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigurationError("batch_size", f"must be a positive integer, got {batch_size!r}")
    parts: list[np.ndarray] = []
    for start in range(0, len(prompts), batch_size):
        batch = list(prompts[start : start + batch_size])
        parts.append(check_scores(scorer.score(batch), len(batch), scorer.name))
        if on_batch is not None:
            on_batch(len(batch))
    return np.concatenate(parts) if parts else np.zeros(0)
