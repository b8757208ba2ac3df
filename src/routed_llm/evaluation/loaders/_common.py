"""Reading helpers the format loaders share.

Published files are read as published, so every helper reports a problem as a
:class:`~routed_llm.errors.DataError` naming the file and line: a user who downloaded a
truncated or edited file should be told where, not handed a traceback.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from routed_llm.data.files import read_text
from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import DataError

__all__ = [
    "RowCollector",
    "iter_json_array",
    "iter_jsonl",
    "json_quality",
    "parse_correctness",
    "parse_number",
]

_WHITESPACE = re.compile(r"\s*")
_MISSING_TEXT = frozenset({"", "nan", "none", "null", "na", "n/a"})
_TRUE_TEXT = frozenset({"true", "1", "1.0"})
_FALSE_TEXT = frozenset({"false", "0", "0.0"})


def parse_number(text: str, path: Path, line: int, column: str) -> float | None:
    """A float, or ``None`` for an empty/NaN cell (a gap in the published data)."""
    stripped = text.strip()
    if stripped.lower() in _MISSING_TEXT:
        return None
    try:
        value = float(stripped)
    except ValueError:
        raise DataError(path, line, f"column {column!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DataError(path, line, f"column {column!r}: {text!r} is not a finite number")
    return value


def parse_correctness(text: str, path: Path, line: int, column: str) -> float | None:
    """1.0 / 0.0 for ``True`` / ``False`` (RouteLLM's correctness cells), ``None`` when empty."""
    stripped = text.strip().lower()
    if stripped in _MISSING_TEXT:
        return None
    if stripped in _TRUE_TEXT:
        return 1.0
    if stripped in _FALSE_TEXT:
        return 0.0
    raise DataError(path, line, f"column {column!r}: {text!r} is neither True nor False")


def json_quality(value: Any, path: Path, line: int, field: str) -> float | None:
    """A JSON score or cost as a float; ``null`` and NaN are gaps, anything else non-numeric fails."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            raise DataError(path, line, f"{field}: {value!r} is not a finite number")
        return number
    raise DataError(path, line, f"{field}: {value!r} is not a number")


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, decoded value)`` for every non-blank line of a JSON Lines file."""
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(path, number, f"invalid JSON: {exc.msg} (column {exc.colno})") from None


def iter_json_array(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line where the element starts, element)`` for a file holding one JSON list.

    Decoding element by element keeps the line of each, so a bad item is reported where
    it is rather than as "item 1234".
    """
    text = read_text(path)
    decoder = json.JSONDecoder()
    line, counted = 1, 0

    def line_at(position: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, position)
        counted = position
        return line

    position = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    if position >= len(text) or text[position] != "[":
        raise DataError(path, line_at(position), "expected a JSON list of objects ('[...]')")
    position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
    if position < len(text) and text[position] == "]":
        return
    while True:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise DataError(path, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        yield line_at(position), value
        position = _WHITESPACE.match(text, end).end()  # type: ignore[union-attr]
        if position < len(text) and text[position] == ",":
            position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
            continue
        if position < len(text) and text[position] == "]":
            return
        raise DataError(path, line_at(min(position, len(text))), "expected ',' or ']' after a list element")


class RowCollector:
    """Accumulates the usable rows of one load and counts the skipped ones.

    A row missing any model's score (or cost, when costs are published) is skipped and
    counted, never read as zero: a zero would silently bias every metric.
    """

    def __init__(self, models: Sequence[str], *, with_costs: bool) -> None:
        self.models = list(models)
        self.with_costs = with_costs
        self.prompts: list[str] = []
        self.quality: list[list[float]] = []
        self.costs: list[list[float]] = []
        self.domains: list[str] = []
        self.ids: list[str] = []
        self.skipped = 0

    def add(
        self,
        prompt: str,
        quality: Sequence[float | None],
        costs: Sequence[float | None] | None = None,
        *,
        domain: str | None = None,
        row_id: str | None = None,
    ) -> None:
        """Keep the row when every value is present, otherwise count it as skipped."""
        if any(value is None for value in quality) or (
            self.with_costs and (costs is None or any(value is None for value in costs))
        ):
            self.skipped += 1
            return
        self.prompts.append(prompt)
        self.quality.append([float(value) for value in quality])  # type: ignore[arg-type]
        if self.with_costs and costs is not None:
            self.costs.append([float(value) for value in costs])  # type: ignore[arg-type]
        self.domains.append("" if domain is None else domain)
        self.ids.append("" if row_id is None else row_id)

    def table(self, source: Path, *, has_domains: bool, has_ids: bool) -> BenchmarkTable:
        """The collected rows as a table; a load that kept no row is an error, not an empty table."""
        if not self.prompts:
            raise DataError(
                source, None, f"no usable rows: {self.skipped} skipped for a missing score or cost"
            )
        return BenchmarkTable(
            prompts=self.prompts,
            models=self.models,
            quality=np.asarray(self.quality, dtype=np.float64),
            costs=np.asarray(self.costs, dtype=np.float64) if self.with_costs else None,
            domains=self.domains if has_domains else None,
            source=str(source),
            skipped=self.skipped,
            ids=self.ids if has_ids else None,
        )
