"""Preference battles, and golden battles made from benchmark correctness.

Every trainer and every battle-trained scorer reads one shape, :class:`Battles` (unique prompts, then one row per battle
``model_a`` vs ``model_b`` with outcome 1 / 0.5 / 0 for a win of a / a tie / a win of b),
whatever the labels came from. The arena format on disk is JSON Lines or CSV with the
fields ``prompt``, ``model_a``, ``model_b`` and ``winner`` (``model_a``, ``model_b``, or any
of ``tie``, ``tie (bothbad)``), as LMSYS's arena dumps and ``routed-llm label`` write them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ConfigurationError, DataError

__all__ = ["Battles", "battle_classes", "concat_battles", "golden_battles", "read_battles", "strong_gains"]

_WINNERS = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}


@dataclass(frozen=True)
class Battles:
    """Pairwise outcomes; ``prompt_index[i]`` points into ``prompts``, models into ``models``."""

    prompts: Sequence[str]
    models: Sequence[str]
    prompt_index: np.ndarray
    model_a: np.ndarray
    model_b: np.ndarray
    outcome: np.ndarray
    domains: Sequence[str] | None = None

    def __post_init__(self) -> None:
        n = len(self.outcome)
        for field in ("prompt_index", "model_a", "model_b"):
            if len(getattr(self, field)) != n:
                raise ConfigurationError(field, f"{len(getattr(self, field))} entries for {n} battles")
        if self.domains is not None and len(self.domains) != len(self.prompts):
            raise ConfigurationError("domains", f"{len(self.domains)} domains for {len(self.prompts)} prompts")

    def __len__(self) -> int:
        return len(self.outcome)

    def select_prompts(self, keep: np.ndarray) -> Battles:
        """The battles over the prompts where ``keep`` (a boolean mask over ``prompts``) is true."""
        mapping = np.full(len(self.prompts), -1, dtype=np.int64)
        kept = np.flatnonzero(keep)
        mapping[kept] = np.arange(len(kept))
        rows = keep[self.prompt_index]
        return Battles(
            prompts=[self.prompts[i] for i in kept],
            models=list(self.models),
            prompt_index=mapping[self.prompt_index[rows]],
            model_a=self.model_a[rows],
            model_b=self.model_b[rows],
            outcome=self.outcome[rows],
            domains=None if self.domains is None else [self.domains[i] for i in kept],
        )


def golden_battles(table: BenchmarkTable, strong: str, weak: str) -> Battles:
    """RouteLLM's golden labels: strong wins where only it is right, weak wins in reverse, else a tie.

    Quality that is not 0/1 (RouterBench scores) compares the same way: higher wins.
    """
    strong_quality, weak_quality = table.column(strong), table.column(weak)
    outcome = np.where(strong_quality > weak_quality, 1.0, np.where(strong_quality < weak_quality, 0.0, 0.5))
    n = len(table)
    return Battles(
        prompts=list(table.prompts),
        models=[strong, weak],
        prompt_index=np.arange(n),
        model_a=np.zeros(n, dtype=np.int64),
        model_b=np.ones(n, dtype=np.int64),
        outcome=outcome,
        domains=None if table.domains is None else list(table.domains),
    )


def strong_gains(battles: Battles, strong: str, weak: str) -> tuple[np.ndarray, np.ndarray]:
    """Per prompt, the mean gain of ``strong`` over ``weak`` in [-1, 1], and whether it fought one.

    Battles between other pairs are ignored; a prompt with none between these two has no gain.
    """
    for field, model in (("strong", strong), ("weak", weak)):
        if model not in battles.models:
            raise ConfigurationError(field, f"{model!r} appears in no battle; models: {', '.join(battles.models)}")
    s, w = list(battles.models).index(strong), list(battles.models).index(weak)
    forward = (battles.model_a == s) & (battles.model_b == w)
    backward = (battles.model_a == w) & (battles.model_b == s)
    relevant = forward | backward
    gain = np.where(forward, 2.0 * battles.outcome - 1.0, 1.0 - 2.0 * battles.outcome)
    n = len(battles.prompts)
    totals = np.bincount(battles.prompt_index[relevant], weights=gain[relevant], minlength=n)
    counts = np.bincount(battles.prompt_index[relevant], minlength=n)
    return totals / np.maximum(counts, 1), counts > 0


def battle_classes(gains: Sequence[float] | np.ndarray) -> list[str]:
    """The BERT router's class per prompt from the strong model's gain: its sign, with zero a tie."""
    return ["strong" if gain > 0 else "weak" if gain < 0 else "tie" for gain in gains]


def read_battles(path: str | Path) -> Battles:
    """Read arena-format battles from a ``.jsonl`` / ``.json`` (list) / ``.csv`` file."""
    file = Path(path)
    if not file.is_file():
        raise DataError(file, None, "no such file")
    records: list[tuple[int, dict[str, object]]] = []
    if file.suffix == ".csv":
        with file.open(encoding="utf-8", newline="") as handle:
            records = [(line, dict(row)) for line, row in enumerate(csv.DictReader(handle), start=2)]
    elif file.suffix == ".json":
        items = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            raise DataError(file, None, "expected a JSON list of battles")
        records = list(enumerate(items, start=1))
    else:
        with file.open(encoding="utf-8") as handle:
            for line, text in enumerate(handle, start=1):
                if text.strip():
                    try:
                        records.append((line, json.loads(text)))
                    except json.JSONDecodeError as exc:
                        raise DataError(file, line, f"not valid JSON: {exc}") from exc
    prompts: dict[str, int] = {}
    models: dict[str, int] = {}
    rows: list[tuple[int, int, int, float]] = []
    for line, record in records:
        if not isinstance(record, dict):
            raise DataError(file, line, "expected an object with prompt, model_a, model_b, winner")
        fields = {}
        for field in ("prompt", "model_a", "model_b", "winner"):
            value = record.get(field)
            if not isinstance(value, str) or not value:
                raise DataError(file, line, f"field {field!r} is missing or not a non-empty string")
            fields[field] = value
        if fields["winner"] not in _WINNERS:
            raise DataError(file, line, f"winner {fields['winner']!r} is not one of {sorted(_WINNERS)}")
        index = prompts.setdefault(fields["prompt"], len(prompts))
        a = models.setdefault(fields["model_a"], len(models))
        b = models.setdefault(fields["model_b"], len(models))
        rows.append((index, a, b, _WINNERS[fields["winner"]]))
    if not rows:
        raise DataError(file, None, "no battles in this file")
    array = np.asarray(rows, dtype=np.float64)
    return Battles(
        prompts=list(prompts),
        models=list(models),
        prompt_index=array[:, 0].astype(np.int64),
        model_a=array[:, 1].astype(np.int64),
        model_b=array[:, 2].astype(np.int64),
        outcome=array[:, 3],
    )


def concat_battles(parts: Sequence[Battles]) -> Battles:
    """One set of battles from several files, models merged by name."""
    if not parts:
        raise ConfigurationError("data", "no battles to combine")
    models: dict[str, int] = {}
    for part in parts:
        for model in part.models:
            models.setdefault(model, len(models))
    prompts: list[str] = []
    domains: list[str] | None = [] if all(part.domains is not None for part in parts) else None
    index, model_a, model_b, outcome = [], [], [], []
    for part in parts:
        remap = np.asarray([models[model] for model in part.models], dtype=np.int64)
        index.append(part.prompt_index + len(prompts))
        model_a.append(remap[part.model_a])
        model_b.append(remap[part.model_b])
        outcome.append(part.outcome)
        prompts.extend(part.prompts)
        if domains is not None and part.domains is not None:
            domains.extend(part.domains)
    return Battles(
        prompts=prompts,
        models=list(models),
        prompt_index=np.concatenate(index),
        model_a=np.concatenate(model_a),
        model_b=np.concatenate(model_b),
        outcome=np.concatenate(outcome),
        domains=domains,
    )
