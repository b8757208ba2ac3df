"""RouterDC JSON: ``[{"question": str, "scores": {model: float}, "cluster_id"?: int}]``.

RouterDC publishes no costs; a user brings prices (or model sizes) separately.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import DataError
from routed_llm.evaluation.loaders._common import RowCollector, iter_json_array, json_quality

__all__ = ["load_routerdc"]

_SPLIT_SUFFIX = re.compile(r"[-_](train|test|val|valid|dev)$")


def load_routerdc(path: Path) -> BenchmarkTable:
    """One RouterDC file, or every ``*.json`` of a directory (domain = task from the file name)."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise DataError(path, None, "no .json files in this directory")
    items: list[tuple[Path, int, str, dict[str, Any]]] = []
    models: dict[str, None] = {}
    for file in files:
        for line, item in iter_json_array(file):
            question, scores = _check_item(item, file, line)
            models.update(dict.fromkeys(scores))
            items.append((file, line, question, scores))
    collector = RowCollector(list(models), with_costs=False)
    for file, line, question, scores in items:
        quality = [json_quality(scores.get(model), file, line, f"scores[{model!r}]") for model in models]
        collector.add(question, quality, domain=_SPLIT_SUFFIX.sub("", file.stem) if path.is_dir() else None)
    return collector.table(path, has_domains=path.is_dir(), has_ids=False)


def _check_item(item: Any, path: Path, line: int) -> tuple[str, dict[str, Any]]:
    if not isinstance(item, dict):
        raise DataError(path, line, f"expected an object with 'question' and 'scores', got {type(item).__name__}")
    question, scores = item.get("question"), item.get("scores")
    if not isinstance(question, str):
        raise DataError(path, line, "'question' is missing or not a string")
    if not isinstance(scores, dict) or not scores:
        raise DataError(path, line, "'scores' is missing or not a non-empty object {model: score}")
    return question, scores
