"""Train the learned verifier on recorded responses: (prompt, cheap answer, checkers' answers) -> right?

``routed-llm train`` can call :func:`train_learned_verifier` with the records of
:mod:`routed_llm.evaluation.loaders.responses`; ``benchmarks/cascade.py`` does, on the
rows it does not hold out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from routed_llm.errors import ConfigurationError
from routed_llm.evaluation.loaders.responses import ResponseRecord
from routed_llm.verifiers.base import Evidence, Reply
from routed_llm.verifiers.learned import LearnedVerifier

__all__ = ["evidence_for", "train_learned_verifier"]


def evidence_for(record: ResponseRecord, weak: str, checkers: Sequence[str] = ()) -> Evidence | None:
    """The evidence a cascade would have had on ``record``; ``None`` when a model's answer is missing."""
    if weak not in record.responses or any(checker not in record.responses for checker in checkers):
        return None
    others = tuple(Reply(record.responses[checker], model=checker) for checker in checkers)
    return Evidence(record.prompt, Reply(record.responses[weak], model=weak), others)


def train_learned_verifier(
    records: Iterable[ResponseRecord],
    weak: str | Mapping[str, str],
    checkers: Sequence[str] | Mapping[str, Sequence[str]] = (),
    **options: Any,
) -> LearnedVerifier:
    """Fit a :class:`LearnedVerifier` on every record with the weak (and checker) answers.

    ``weak`` and ``checkers`` may be given per source (``{"gsm8k": "mistralai/Mixtral-..."}``)
    where sources name the same model differently; ``options`` go to the verifier.
    """
    rows, labels = [], []
    for record in records:
        weak_model = weak if isinstance(weak, str) else weak.get(record.source)
        checker_models = checkers.get(record.source, ()) if isinstance(checkers, Mapping) else checkers
        if weak_model is None:
            continue
        evidence = evidence_for(record, weak_model, checker_models)
        if evidence is not None:
            rows.append(evidence)
            labels.append(record.scores[weak_model])
    if not rows:
        raise ConfigurationError("records", "no record holds the weak model's (and every checker's) answer")
    return LearnedVerifier(**options).fit(rows, labels)
