"""A tiny deterministic encoder and a synthetic three-model table for the N-model tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from routed_llm.data.table import BenchmarkTable

MODELS = ["big", "coder", "tiny"]


class WordEncoder:
    """Bag of hashed words, unit length: similar wording, similar vectors (no model download)."""

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim

    def spec(self) -> dict[str, Any]:
        return {"type": "words", "dim": self.dim}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def synthetic_table(n_per_task: int = 40, seed: int = 0) -> BenchmarkTable:
    """Two tasks. Code prompts: 'coder' always right, 'big' right, 'tiny' right only on easy ones.
    Trivia prompts: 'big' right, 'coder' wrong, 'tiny' right on easy ones. big costs 10x."""
    rng = np.random.default_rng(seed)
    prompts, quality, costs, domains = [], [], [], []
    for task in ("code", "trivia"):
        for i in range(n_per_task):
            easy = i % 2 == 0
            level = "easy simple short" if easy else "hard tricky long"
            words = "python function list loop" if task == "code" else "capital river history king"
            prompts.append(f"{level} {words} {rng.integers(1000)}")
            coder = 1.0 if task == "code" else 0.0
            quality.append([1.0, coder, 1.0 if easy else 0.0])
            costs.append([0.01, 0.002, 0.001])
            domains.append(task)
    return BenchmarkTable(prompts=prompts, models=list(MODELS), quality=np.asarray(quality),
                          costs=np.asarray(costs), domains=domains, source="synthetic")


@pytest.fixture
def table() -> BenchmarkTable:
    return synthetic_table()


@pytest.fixture
def encoder() -> WordEncoder:
    return WordEncoder()
