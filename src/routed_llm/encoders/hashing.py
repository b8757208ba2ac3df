"""Lexical features without a vocabulary: word n-grams hashed into a fixed number of buckets.

This is what makes the default router fast and small: no model to load, no vocabulary to
ship, one CRC-32 per n-gram (stable across processes, unlike Python's ``hash``), and the
whole featuriser is three integers in a router's config. Rows are binary bags of n-grams
scaled to unit length, so a long prompt does not score higher just by being long.

With ``format_split``, every n-gram is hashed a second time tagged with the prompt's format
(multiple-choice, i.e. lettered option lines, or open-ended): a linear model then learns
weights shared by all prompts plus weights of its own per format ("frustratingly easy"
domain adaptation, Daume 2007), because what makes a quiz question hard is not what makes
a word problem hard.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routed_llm.errors import ConfigurationError

__all__ = ["HashingEncoder", "SparseRows"]

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_OPTION_LINE = re.compile(r"(?m)^[A-D][.)] ")
_MCQ_TAG_CRC = zlib.crc32(b"\x00mcq\x00")
_OPEN_TAG_CRC = zlib.crc32(b"\x00open\x00")


@dataclass(frozen=True)
class SparseRows:
    """Rows in CSR layout: row ``i`` has ``indices[indptr[i]:indptr[i+1]]`` with ``data`` values."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_features: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, vector: np.ndarray) -> np.ndarray:
        """``X @ vector``: one number per row."""
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        return np.bincount(rows, weights=self.data * vector[self.indices], minlength=self.n_rows)

    def rdot(self, vector: np.ndarray) -> np.ndarray:
        """``X.T @ vector``: one number per feature."""
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        return np.bincount(self.indices, weights=self.data * vector[rows], minlength=self.n_features)

    def take(self, rows: np.ndarray) -> SparseRows:
        """The given rows, in that order (for cross-validation folds)."""
        starts, lengths = self.indptr[rows], np.diff(self.indptr)[rows]
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        positions = np.repeat(starts - indptr[:-1], lengths) + np.arange(int(indptr[-1]))
        return SparseRows(indptr, self.indices[positions], self.data[positions], self.n_features)

    def dense(self) -> np.ndarray:
        out = np.zeros((self.n_rows, self.n_features), dtype=np.float32)
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        out[rows, self.indices] = self.data
        return out


class HashingEncoder:
    """Binary word 1..``ngram_max``-grams, hashed into ``n_features`` buckets, unit-length rows."""

    def __init__(
        self, n_features: int = 2**18, ngram_max: int = 2, lowercase: bool = True, format_split: bool = False
    ) -> None:
        if not isinstance(n_features, int) or n_features < 2 or n_features & (n_features - 1):
            raise ConfigurationError("encoder.n_features", f"must be a power of two >= 2, got {n_features!r}")
        if not isinstance(ngram_max, int) or not 1 <= ngram_max <= 4:
            raise ConfigurationError("encoder.ngram_max", f"must be an int in 1..4, got {ngram_max!r}")
        self.n_features = n_features
        self.ngram_max = ngram_max
        self.lowercase = lowercase
        self.format_split = format_split

    @property
    def dimension(self) -> int:
        """The width of :meth:`encode`'s rows, known without encoding anything."""
        return self.n_features

    def spec(self) -> dict[str, Any]:
        return {"type": "hashing", "n_features": self.n_features, "ngram_max": self.ngram_max,
                "lowercase": self.lowercase, "format_split": self.format_split}

    def buckets(self, text: str) -> list[int]:
        """The distinct buckets of one text's n-grams, sorted."""
        return sorted(self.bucket_set(text))

    def bucket_set(self, text: str) -> set[int]:
        """The distinct buckets of one text's n-grams.

        With ``format_split``, each n-gram is hashed a second time behind a tag naming the
        prompt's format; crc32 continues from the tag's checksum instead of hashing the
        concatenated string, which gives the same bucket for half the work.
        """
        tokens = _TOKEN.findall(text.lower() if self.lowercase else text)
        grams = set(tokens)
        for n in range(2, self.ngram_max + 1):
            grams.update(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        encoded = [gram.encode("utf-8", "replace") for gram in grams]
        mask = self.n_features - 1
        crc32 = zlib.crc32
        buckets = {crc32(gram) & mask for gram in encoded}
        if self.format_split:
            tag = _MCQ_TAG_CRC if _OPTION_LINE.search(text) else _OPEN_TAG_CRC
            buckets.update(crc32(gram, tag) & mask for gram in encoded)
        return buckets

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """Sparse unit-length rows, the form linear scorers consume."""
        per_text = [self.buckets(text) for text in texts]
        lengths = np.fromiter((len(b) for b in per_text), dtype=np.int64, count=len(per_text))
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        indices = np.fromiter((i for b in per_text for i in b), dtype=np.int64, count=int(indptr[-1]))
        data = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths)
        return SparseRows(indptr, indices, data, self.n_features)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Dense rows; meant for small ``n_features`` (an embedding stand-in for SW / MF)."""
        return self.transform(texts).dense()

    def __repr__(self) -> str:
        return (f"HashingEncoder(n_features={self.n_features}, ngram_max={self.ngram_max}, "
                f"format_split={self.format_split})")
