"""Seeded held-out splits, stratified by group, so every subject is represented on both sides."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from routed_llm.errors import ConfigurationError

__all__ = ["holdout_mask"]


def holdout_mask(groups: Sequence[str], fraction: float, seed: int) -> np.ndarray:
    """A boolean mask of the held-out rows: ``round(fraction * n_g)`` random rows of each group ``g``.

    Groups are visited in sorted order with one generator, so the split depends only on
    the groups, the fraction and the seed, never on the order the files were read in.
    """
    if not isinstance(fraction, (int, float)) or not 0.0 <= fraction < 1.0:
        raise ConfigurationError("holdout", f"must be a fraction in [0, 1), got {fraction!r}")
    labels = np.asarray(groups, dtype=object).astype(str)
    rng = np.random.default_rng(seed)
    held_out = np.zeros(len(labels), dtype=bool)
    for group in np.unique(labels):
        rows = np.flatnonzero(labels == group)
        rng.shuffle(rows)
        held_out[rows[: int(round(len(rows) * fraction))]] = True
    return held_out
