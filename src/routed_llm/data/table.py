"""The one in-memory table every benchmark loader returns and every metric reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from routed_llm.errors import ConfigurationError

__all__ = ["BenchmarkTable"]


@dataclass(frozen=True)
class BenchmarkTable:
    """Per-prompt quality (and cost, when published) of several models.

    ``quality[i, j]`` is model ``models[j]``'s quality on ``prompts[i]`` (1/0 for
    correctness, a judge score or a 0-1 score otherwise); ``costs`` has the same shape in
    USD per call, or is ``None`` when the source publishes none. ``skipped`` counts the
    source rows left out because a model's score or cost was missing.
    """

    prompts: Sequence[str]
    models: Sequence[str]
    quality: np.ndarray
    costs: np.ndarray | None = None
    domains: Sequence[str] | None = None
    source: str = ""
    skipped: int = 0
    ids: Sequence[str] | None = field(default=None)

    def __post_init__(self) -> None:
        n, m = len(self.prompts), len(self.models)
        if self.quality.shape != (n, m):
            raise ConfigurationError("quality", f"shape {self.quality.shape} does not match {n} prompts x {m} models")
        if self.costs is not None and self.costs.shape != (n, m):
            raise ConfigurationError("costs", f"shape {self.costs.shape} does not match {n} prompts x {m} models")
        if self.domains is not None and len(self.domains) != n:
            raise ConfigurationError("domains", f"{len(self.domains)} domains for {n} prompts")
        if self.ids is not None and len(self.ids) != n:
            raise ConfigurationError("ids", f"{len(self.ids)} ids for {n} prompts")

    def __len__(self) -> int:
        return len(self.prompts)

    def column(self, model: str) -> np.ndarray:
        """Quality of one model on every prompt."""
        return self.quality[:, self._index(model)]

    def cost_column(self, model: str) -> np.ndarray | None:
        return None if self.costs is None else self.costs[:, self._index(model)]

    def select(self, rows: np.ndarray | Sequence[int]) -> BenchmarkTable:
        """A table of the given rows (for train/held-out splits)."""
        index = np.asarray(rows, dtype=np.int64)
        return BenchmarkTable(
            prompts=[self.prompts[i] for i in index],
            models=list(self.models),
            quality=self.quality[index],
            costs=None if self.costs is None else self.costs[index],
            domains=None if self.domains is None else [self.domains[i] for i in index],
            source=self.source,
            skipped=self.skipped,
            ids=None if self.ids is None else [self.ids[i] for i in index],
        )

    def _index(self, model: str) -> int:
        try:
            return list(self.models).index(model)
        except ValueError:
            raise ConfigurationError(
                "model", f"{model!r} is not in {self.source or 'the data'}; models: {', '.join(self.models)}"
            ) from None
