"""MT-Bench as RouteLLM publishes it: ``question.jsonl`` plus ``judgements.jsonl``.

Routing happens on the first turn (what a router sees when the conversation starts);
a question's quality for a model is the mean judge score over the turns judged. FastChat
writes a score of -1 when the judge gave no parsable rating: that is a gap, not a score.
Judgements of questions absent from ``question.jsonl`` (RouteLLM drops contaminated ones)
are ignored, as RouteLLM's own evaluation does.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import DataError
from routed_llm.evaluation.loaders._common import RowCollector, iter_jsonl, json_quality

__all__ = ["JUDGEMENT_FILES", "QUESTION_FILE", "load_mtbench"]

QUESTION_FILE = "question.jsonl"
JUDGEMENT_FILES = ("judgements.jsonl", "judgments.jsonl")
_NO_RATING = -1.0


def load_mtbench(path: Path) -> BenchmarkTable:
    """The directory holding both files (or either file inside it)."""
    directory = path if path.is_dir() else path.parent
    questions_file = directory / QUESTION_FILE
    judgements_file = next((directory / name for name in JUDGEMENT_FILES if (directory / name).is_file()), None)
    if not questions_file.is_file():
        raise DataError(directory, None, f"no {QUESTION_FILE} (MT-Bench questions) in this directory")
    if judgements_file is None:
        raise DataError(directory, None, f"no {JUDGEMENT_FILES[0]} (MT-Bench judge scores) in this directory")

    questions: list[tuple[str, str, str]] = []
    for line, item in iter_jsonl(questions_file):
        questions.append(_question(item, questions_file, line))

    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    models: dict[str, None] = {}
    for line, item in iter_jsonl(judgements_file):
        question_id, model, score = _judgement(item, judgements_file, line)
        models[model] = None
        if score is not None and score != _NO_RATING:
            scores[(question_id, model)].append(score)
    if not models:
        raise DataError(judgements_file, None, "no judgements")

    collector = RowCollector(list(models), with_costs=False)
    for question_id, category, first_turn in questions:
        quality = [_mean(scores.get((question_id, model))) for model in models]
        collector.add(first_turn, quality, domain=category, row_id=question_id)
    return collector.table(directory, has_domains=True, has_ids=True)


def _question(item: Any, path: Path, line: int) -> tuple[str, str, str]:
    if not isinstance(item, dict) or "question_id" not in item:
        raise DataError(path, line, "expected an object with 'question_id', 'category' and 'turns'")
    turns = item.get("turns")
    if not isinstance(turns, list) or not turns or not isinstance(turns[0], str):
        raise DataError(path, line, "'turns' must be a non-empty list of strings")
    return str(item["question_id"]), str(item.get("category", "")), turns[0]


def _judgement(item: Any, path: Path, line: int) -> tuple[str, str, float | None]:
    if not isinstance(item, dict) or "question_id" not in item or not isinstance(item.get("model"), str):
        raise DataError(path, line, "expected an object with 'question_id', 'model' and 'score'")
    return str(item["question_id"]), item["model"], json_quality(item.get("score"), path, line, "score")


def _mean(values: list[float] | None) -> float | None:
    return sum(values) / len(values) if values else None
