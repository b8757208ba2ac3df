"""Loaders for the published per-prompt benchmark formats, all returning a BenchmarkTable.

=============  ==========================================================================
format         what it reads
=============  ==========================================================================
``routellm``   RouteLLM CSVs (``prompt``, True/False per model); a file or a directory
``mtbench``    a directory with MT-Bench ``question.jsonl`` and ``judgements.jsonl``
``routerbench`` RouterBench CSVs (scores, ``<model>|total_cost``); a file or a directory
``routerdc``   RouterDC JSON lists ``[{question, scores}]``; a file or a directory
``jsonl``      routed-llm's own JSON Lines (see :mod:`.jsonl`)
=============  ==========================================================================

``format="auto"`` looks at names and headers only, so detection is cheap and a wrong
guess is impossible to miss: the chosen loader then validates every row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from routed_llm.data.files import read_text
from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ConfigurationError, DataError
from routed_llm.evaluation.loaders.jsonl import load_jsonl
from routed_llm.evaluation.loaders.mtbench import JUDGEMENT_FILES, QUESTION_FILE, load_mtbench
from routed_llm.evaluation.loaders.routellm import load_routellm
from routed_llm.evaluation.loaders.routerbench import COST_SUFFIX, load_routerbench
from routed_llm.evaluation.loaders.routerdc import load_routerdc

__all__ = ["FORMATS", "detect_format", "load_benchmark"]

FORMATS: Mapping[str, Callable[[Path], BenchmarkTable]] = {
    "routellm": load_routellm,
    "mtbench": load_mtbench,
    "routerbench": load_routerbench,
    "routerdc": load_routerdc,
    "jsonl": load_jsonl,
}


def load_benchmark(path: str | Path, format: str = "auto") -> BenchmarkTable:
    """Read ``path`` in ``format`` (one of :data:`FORMATS`, or ``"auto"`` to detect it)."""
    location = Path(path).expanduser()
    if format != "auto" and format not in FORMATS:
        raise ConfigurationError("format", f"unknown format {format!r}; use auto, {', '.join(FORMATS)}")
    if not location.exists():
        raise DataError(location, None, "no such file or directory")
    chosen = detect_format(location) if format == "auto" else format
    return FORMATS[chosen](location)


def detect_format(path: Path) -> str:
    """The format of ``path`` judged from file names, CSV headers and the first character."""
    if path.is_dir():
        if (path / QUESTION_FILE).is_file():
            return "mtbench"
        csv_files = sorted(path.glob("*.csv"))
        if csv_files:
            return _csv_format(csv_files[0])
        if any(path.glob("*.json")):
            return "routerdc"
        raise DataError(
            path, None, f"cannot tell the format: no {QUESTION_FILE} (MT-Bench), .csv (RouteLLM, "
            "RouterBench) or .json (RouterDC) files here; pass the format explicitly",
        )
    if path.name == QUESTION_FILE or path.name in JUDGEMENT_FILES:
        return "mtbench"
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_format(path)
    if suffix == ".json":
        return "routerdc"
    if suffix == ".jsonl":
        return "jsonl"
    first = read_text(path).lstrip()[:1]
    if first == "[":
        return "routerdc"
    if first == "{":
        return "jsonl"
    raise DataError(path, None, "cannot tell the format from the name or content; pass the format explicitly")


def _csv_format(path: Path) -> str:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = handle.readline()
    if COST_SUFFIX in header:
        return "routerbench"
    if "prompt" in header:
        return "routellm"
    raise DataError(path, 1, "cannot tell the format: a CSV header needs a 'prompt' column")
