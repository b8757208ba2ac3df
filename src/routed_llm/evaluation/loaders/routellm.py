"""RouteLLM's benchmark CSVs: ``prompt``, one True/False column per model, optional responses.

MMLU is published as one file per subject (``mmlu_<subject>.csv``); loading the directory
keeps the subject as the row's domain so results can be broken down per subject.
"""

from __future__ import annotations

from pathlib import Path

from routed_llm.data.files import read_csv
from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import DataError
from routed_llm.evaluation.loaders._common import RowCollector, parse_correctness

__all__ = ["load_routellm", "routellm_models"]

_RESPONSE_SUFFIX = "_response"


def routellm_models(header: list[str], path: Path) -> list[str]:
    """The model columns of a RouteLLM header: all but ``prompt``, responses and index columns."""
    if "prompt" not in header:
        raise DataError(path, 1, "no 'prompt' column; a RouteLLM file's header is prompt,<model>,...")
    models = [
        name
        for name in header
        if name != "prompt"
        and name.strip()
        and not name.startswith("Unnamed:")
        and not name.endswith(_RESPONSE_SUFFIX)
    ]
    if not models:
        raise DataError(path, 1, "no model columns next to 'prompt'")
    return models


def load_routellm(path: Path) -> BenchmarkTable:
    """One CSV, or every ``*.csv`` of a directory (domain = file name without ``<dir>_``)."""
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        raise DataError(path, None, "no .csv files in this directory")
    parsed = [(file, *read_csv(file)) for file in files]
    models = routellm_models(parsed[0][1], files[0])
    collector = RowCollector(models, with_costs=False)
    for file, header, records in parsed:
        file_models = routellm_models(header, file)
        if set(file_models) != set(models):
            raise DataError(
                file, 1, f"models {', '.join(file_models)} differ from {files[0].name}'s {', '.join(models)}"
            )
        prompt_index = header.index("prompt")
        model_indices = [header.index(model) for model in models]
        domain = _domain(file, path) if path.is_dir() else None
        for line, fields in records:
            quality = [parse_correctness(fields[i], file, line, header[i]) for i in model_indices]
            collector.add(fields[prompt_index], quality, domain=domain)
    return collector.table(path, has_domains=path.is_dir(), has_ids=False)


def _domain(file: Path, directory: Path) -> str:
    prefix = f"{directory.name}_"
    stem = file.stem
    return stem[len(prefix):] if stem.startswith(prefix) and len(stem) > len(prefix) else stem
