"""The trainer registry: router name -> how to build and fit that scorer from battles.

``routed-llm train --router NAME`` looks ``NAME`` up here. Targets are import paths,
imported only when asked for (a neural trainer must not cost the lexical one a torch
import). A trainer is a function ``(TrainingRequest) -> fitted scorer``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from routed_llm.data.battles import Battles, strong_gains
from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ConfigurationError
from routed_llm.scorers.base import RouterScorer

__all__ = ["TEACHABLE", "TRAINERS", "Progress", "TrainingRequest", "available_trainers", "train_scorer"]

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: how far a trainer is, for progress bars."""

TRAINERS: Mapping[str, str] = {
    "lexical": "routed_llm.training.trainers:train_lexical",
    "sw": "routed_llm.training.trainers:train_sw",
    "mf": "routed_llm.training.trainers:train_mf",
    "bert": "routed_llm.training.research_trainers:train_bert",
    "hybrid": "routed_llm.training.research_trainers:train_hybrid",
    "causal_llm": "routed_llm.training.research_trainers:train_causal_llm",
}

TEACHABLE = frozenset({"lexical"})
"""Trainers that accept ``TrainingRequest.teacher`` (distillation from a slower router)."""


@dataclass(frozen=True)
class TrainingRequest:
    """Everything a trainer may use; ``tables`` are the training portions when labels are golden.

    ``teacher`` is a router (a scorer, a saved router directory or a built-in name) whose
    scores the trainer learns from besides the labels; only the lexical trainer can.
    """

    battles: Battles
    strong: str
    weak: str
    encoder: str | None = None
    seed: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)
    tables: tuple[BenchmarkTable, ...] = ()
    progress: Progress | None = None
    teacher: str | RouterScorer | None = None

    def report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


def available_trainers() -> list[str]:
    return sorted(TRAINERS)


def train_scorer(router: str, request: TrainingRequest) -> Any:
    """Build and fit the scorer ``router`` names."""
    target = TRAINERS.get(router)
    if target is None:
        raise ConfigurationError("router", f"no trainer for {router!r}; trainable: {', '.join(available_trainers())}")
    if request.teacher is not None and router not in TEACHABLE:
        raise ConfigurationError("--teacher", f"only {', '.join(sorted(TEACHABLE))} learns from a teacher, not {router!r}")
    module_name, _, attribute = target.partition(":")
    trainer = getattr(importlib.import_module(module_name), attribute)
    return trainer(request)


def _build(cls: type, request: TrainingRequest, **fixed: Any) -> Any:
    try:
        return cls(**fixed, **dict(request.options))
    except TypeError as exc:
        raise ConfigurationError("--option", f"does not fit {cls.__name__}: {exc}") from exc


def train_lexical(request: TrainingRequest) -> Any:
    """Ridge on hashed n-grams of the strong model's gain, smoothed towards each domain's mean,
    and mixed with a teacher router's scores when the request names one."""
    import numpy as np

    from routed_llm.scorers.batching import score_in_batches
    from routed_llm.scorers.lexical import LexicalScorer
    from routed_llm.scorers.registry import resolve_scorer

    gains, fought = strong_gains(request.battles, request.strong, request.weak)
    keep = np.flatnonzero(fought)
    prompts = [request.battles.prompts[i] for i in keep]
    domains = request.battles.domains
    groups = None if domains is None else [domains[i] for i in keep]
    scorer = _build(LexicalScorer, request)
    teacher_scores = None
    if request.teacher is not None:
        teacher = resolve_scorer(request.teacher)
        done = 0

        def scored(batch: int) -> None:
            nonlocal done
            done += batch
            request.report("teacher scoring", done, len(prompts))

        teacher_scores = score_in_batches(teacher, prompts, on_batch=scored)
    request.report("fitting", 0, 1)
    scorer = scorer.fit(prompts, gains[keep], groups=groups, teacher_scores=teacher_scores)
    request.report("fitting", 1, 1)
    return scorer


def _encoder_options(request: TrainingRequest) -> dict[str, Any]:
    return {} if request.encoder is None else {"encoder": request.encoder}


def train_sw(request: TrainingRequest) -> Any:
    """Similarity-weighted ranking: stores the battles and their embeddings."""
    from routed_llm.scorers.sw import SWScorer

    scorer = _build(SWScorer, request, strong=request.strong, weak=request.weak, **_encoder_options(request))
    request.report("encoding", 0, 1)
    fitted = scorer.fit(request.battles)
    request.report("encoding", 1, 1)
    return fitted


def train_mf(request: TrainingRequest) -> Any:
    """Matrix factorisation with a Bradley-Terry loss, one progress step per epoch."""
    from routed_llm.scorers.mf import MFScorer

    options = {"seed": request.seed, **_encoder_options(request)}
    scorer = _build(MFScorer, request, strong=request.strong, weak=request.weak, **options)
    epochs = scorer.epochs
    return scorer.fit(request.battles, on_epoch=lambda epoch, loss: request.report("epochs", epoch + 1, epochs))
