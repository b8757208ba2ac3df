"""RouterBench CSVs: per-model score, ``<model>|total_cost`` and ``<model>|model_response``.

The ``prompt`` cell is a Python list literal of strings, so it is parsed with
:func:`ast.literal_eval` (never ``eval``) and the strings are joined by a blank line.
"""

from __future__ import annotations

import ast
from pathlib import Path

from routed_llm.data.files import read_csv
from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import DataError
from routed_llm.evaluation.loaders._common import RowCollector, parse_number

__all__ = ["COST_SUFFIX", "load_routerbench", "parse_prompt_literal"]

COST_SUFFIX = "|total_cost"
_TURN_SEPARATOR = "\n\n"


def load_routerbench(path: Path) -> BenchmarkTable:
    """One RouterBench CSV, or every ``*.csv`` of a directory; domain = ``eval_name``."""
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        raise DataError(path, None, "no .csv files in this directory")
    parsed = [(file, *read_csv(file)) for file in files]
    models = _models(parsed[0][1], files[0])
    collector = RowCollector(models, with_costs=True)
    has_domains = has_ids = True
    for file, header, records in parsed:
        if set(_models(header, file)) != set(models):
            raise DataError(file, 1, f"models differ from {files[0].name}'s {', '.join(models)}")
        prompt_index = header.index("prompt")
        score_indices = [header.index(model) for model in models]
        cost_indices = [header.index(model + COST_SUFFIX) for model in models]
        domain_index = header.index("eval_name") if "eval_name" in header else None
        id_index = header.index("sample_id") if "sample_id" in header else None
        has_domains &= domain_index is not None
        has_ids &= id_index is not None
        for line, fields in records:
            collector.add(
                parse_prompt_literal(fields[prompt_index], file, line),
                [parse_number(fields[i], file, line, header[i]) for i in score_indices],
                [parse_number(fields[i], file, line, header[i]) for i in cost_indices],
                domain=None if domain_index is None else fields[domain_index],
                row_id=None if id_index is None else fields[id_index],
            )
    return collector.table(path, has_domains=has_domains, has_ids=has_ids)


def parse_prompt_literal(cell: str, path: Path, line: int) -> str:
    """The prompt text of a RouterBench cell: a list literal's strings joined, or plain text."""
    if not cell.lstrip().startswith("["):
        return cell
    try:
        value = ast.literal_eval(cell.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise DataError(path, line, "column 'prompt': not a Python list literal of strings") from None
    if not isinstance(value, list) or not all(isinstance(turn, str) for turn in value):
        raise DataError(path, line, "column 'prompt': the list must hold only strings")
    return _TURN_SEPARATOR.join(value)


def _models(header: list[str], path: Path) -> list[str]:
    if "prompt" not in header:
        raise DataError(path, 1, "no 'prompt' column")
    models = [name[: -len(COST_SUFFIX)] for name in header if name.endswith(COST_SUFFIX)]
    if not models:
        raise DataError(path, 1, f"no '<model>{COST_SUFFIX}' columns")
    missing = [model for model in models if model not in header]
    if missing:
        raise DataError(path, 1, f"no score column for {', '.join(missing)} (only its cost)")
    return models
