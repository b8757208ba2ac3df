"""routed-llm's own JSON Lines format, for a user's own per-prompt results.

One object per line::

    {"prompt": "...", "scores": {"gpt-4o": 1, "llama3": 0}, "costs": {"gpt-4o": 0.0031, "llama3": 0.0002},
     "domain": "math", "id": "q17"}

``scores`` holds each model's quality (correctness 0/1, a judge score, any number where
higher is better); ``costs`` (USD per call), ``domain`` and ``id`` are optional. A line
missing a model that other lines score, or a cost when costs are given, is skipped and
counted. ``null`` marks a missing value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import DataError
from routed_llm.evaluation.loaders._common import RowCollector, iter_jsonl, json_quality

__all__ = ["load_jsonl"]


def load_jsonl(path: Path) -> BenchmarkTable:
    items: list[tuple[int, dict[str, Any]]] = []
    models: dict[str, None] = {}
    with_costs = has_domains = has_ids = False
    for line, item in iter_jsonl(path):
        _check(item, path, line)
        models.update(dict.fromkeys(item["scores"]))
        with_costs |= item.get("costs") is not None
        has_domains |= item.get("domain") is not None
        has_ids |= item.get("id") is not None
        items.append((line, item))
    if not items:
        raise DataError(path, None, "empty file: expected one JSON object per line")
    collector = RowCollector(list(models), with_costs=with_costs)
    for line, item in items:
        scores, costs = item["scores"], item.get("costs") or {}
        collector.add(
            item["prompt"],
            [json_quality(scores.get(model), path, line, f"scores[{model!r}]") for model in models],
            [json_quality(costs.get(model), path, line, f"costs[{model!r}]") for model in models],
            domain=None if item.get("domain") is None else str(item["domain"]),
            row_id=None if item.get("id") is None else str(item["id"]),
        )
    return collector.table(path, has_domains=has_domains, has_ids=has_ids)


def _check(item: Any, path: Path, line: int) -> None:
    if not isinstance(item, dict):
        raise DataError(path, line, f"expected an object, got {type(item).__name__}")
    if not isinstance(item.get("prompt"), str):
        raise DataError(path, line, "'prompt' is missing or not a string")
    if not isinstance(item.get("scores"), dict) or not item["scores"]:
        raise DataError(path, line, "'scores' is missing or not a non-empty object {model: quality}")
    if item.get("costs") is not None and not isinstance(item["costs"], dict):
        raise DataError(path, line, "'costs' must be an object {model: USD per call}")
