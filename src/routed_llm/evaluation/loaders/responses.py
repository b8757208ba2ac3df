"""Per-prompt *responses*: what each model answered, whether it was right, and what the call cost.

Routing tables (:class:`~routed_llm.data.table.BenchmarkTable`) keep only scores and costs;
a cascade is judged on the answers themselves, so the replay provider
(:mod:`routed_llm.testing.replay`), the learned verifier's trainer and
``benchmarks/cascade.py`` read the two published formats that carry them:

- RouterBench CSVs: ``<model>|model_response`` (a Python list literal holding one string),
  the score and ``<model>|total_cost`` (USD) of each of 11 models;
- RouteLLM's GSM8K CSV: ``<model>_response`` and True/False per model, no costs.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from routed_llm.data.files import read_csv
from routed_llm.errors import DataError
from routed_llm.evaluation.loaders._common import parse_correctness, parse_number
from routed_llm.evaluation.loaders.routellm import routellm_models
from routed_llm.evaluation.loaders.routerbench import COST_SUFFIX, parse_prompt_literal

__all__ = ["ResponseRecord", "load_gsm8k_responses", "load_routerbench_responses"]

RESPONSE_SUFFIX = "|model_response"
_ROUTELLM_RESPONSE = "_response"


@dataclass(frozen=True)
class ResponseRecord:
    """One prompt with every model's recorded answer, its correctness in [0, 1] and its cost.

    A model whose cell is empty in the published file is absent from ``scores``;
    ``costs`` holds only recorded costs (RouteLLM's files record none).
    """

    source: str
    row_id: str
    prompt: str
    responses: Mapping[str, str]
    scores: Mapping[str, float]
    costs: Mapping[str, float]


def load_routerbench_responses(path: Path) -> list[ResponseRecord]:
    """One RouterBench CSV or every ``*.csv`` of a directory; ``source`` is the row's ``eval_name``."""
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        raise DataError(path, None, "no .csv files in this directory")
    records = []
    for file in files:
        header, rows = read_csv(file)
        models = [name[: -len(COST_SUFFIX)] for name in header if name.endswith(COST_SUFFIX)]
        missing = [model for model in models if model + RESPONSE_SUFFIX not in header or model not in header]
        if not models or missing or "prompt" not in header:
            raise DataError(file, 1, "not a RouterBench file with responses: need 'prompt' and, per model, "
                                     f"'<model>', '<model>{COST_SUFFIX}' and '<model>{RESPONSE_SUFFIX}'")
        column = {name: index for index, name in enumerate(header)}
        for line, fields in rows:
            scores, costs, responses = {}, {}, {}
            for model in models:
                score = parse_number(fields[column[model]], file, line, model)
                if score is None:
                    continue
                scores[model] = score
                responses[model] = _response_literal(fields[column[model + RESPONSE_SUFFIX]], file, line, model)
                cost = parse_number(fields[column[model + COST_SUFFIX]], file, line, model + COST_SUFFIX)
                if cost is not None:
                    costs[model] = cost
            records.append(ResponseRecord(
                source=fields[column["eval_name"]] if "eval_name" in column else file.stem,
                row_id=fields[column["sample_id"]] if "sample_id" in column else f"{file.name}:{line}",
                prompt=parse_prompt_literal(fields[column["prompt"]], file, line),
                responses=responses, scores=scores, costs=costs,
            ))
    return records


def load_gsm8k_responses(path: Path, source: str = "gsm8k") -> list[ResponseRecord]:
    """RouteLLM's ``gsm8k_responses.csv``: each model's worked answer and whether it was right."""
    header, rows = read_csv(path)
    models = [model for model in routellm_models(header, path) if model + _ROUTELLM_RESPONSE in header]
    if not models:
        raise DataError(path, 1, "no '<model>_response' columns: this RouteLLM file carries no responses")
    column = {name: index for index, name in enumerate(header)}
    records = []
    for line, fields in rows:
        scores, responses = {}, {}
        for model in models:
            correct = parse_correctness(fields[column[model]], path, line, model)
            if correct is not None:
                scores[model] = correct
                responses[model] = fields[column[model + _ROUTELLM_RESPONSE]]
        records.append(ResponseRecord(source, f"{path.name}:{line}", fields[column["prompt"]], responses, scores, {}))
    return records


def _response_literal(cell: str, path: Path, line: int, model: str) -> str:
    """RouterBench stores each response as a list literal of one string (``"['D\\n']"``)."""
    if not cell.lstrip().startswith("["):
        return cell
    try:
        value = ast.literal_eval(cell.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise DataError(path, line, f"column {model + RESPONSE_SUFFIX!r}: not a Python list literal") from None
    if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
        raise DataError(path, line, f"column {model + RESPONSE_SUFFIX!r}: the list must hold only strings")
    return "".join(value)
