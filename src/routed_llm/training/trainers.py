"""The trainer registry: router name -> how to build and fit that scorer.

``routed-llm train --router NAME`` looks ``NAME`` up here. Every trainer has one signature,
``(TrainingRequest) -> fitted scorer``, and a request is made from battles or from
benchmark tables alike (:meth:`TrainingRequest.from_tables`), so a caller never needs to
know which labels a router learns from.
Targets are import paths, imported only when asked for (a neural trainer must not cost the
lexical one a torch import). What each trainer derives from the request:

- ``lexical``: the strong model's gain per prompt, smoothed towards each domain's mean and
  mixed with a teacher router's scores when the request names one.
- ``token_embedding``: the same gains and domains as ``lexical`` (``encoder`` names the BERT
  folder whose embedding layer it copies; the bundled MiniLM by default).
- ``sw`` / ``mf``: the battles themselves.
- ``bert``: one class per prompt from the strong model's mean gain over the weak one in
  its battles: ``strong`` when positive, ``weak`` when negative, ``tie`` at zero.
- ``hybrid``: quality of each model per prompt. With tables the benchmark's own qualities
  are used (0/1 correctness, RouterBench scores), so r_trans sees real gaps; with battles
  the gap is the strong model's mean gain (``q_weak = 0``, ``q_strong = gain``).
- ``causal_llm``: nothing is learned; the training prompts calibrate its score quantiles.

``options`` go to the scorer's constructor, except ``max_prompts=N`` for the neural
routers (``bert``, ``hybrid``, ``causal_llm``), which trains on a seeded sample of at most
N prompts and keeps CPU fine-tuning to minutes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routed_llm.data.battles import Battles, battle_classes, concat_battles, golden_battles, strong_gains
from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ConfigurationError
from routed_llm.scorers.base import RouterScorer

__all__ = ["TEACHABLE", "TRAINERS", "Progress", "TrainingRequest", "available_trainers", "train_scorer"]

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: how far a trainer is, for progress bars."""

TRAINERS: Mapping[str, str] = {
    "lexical": "routed_llm.training.trainers:train_lexical",
    "token_embedding": "routed_llm.training.trainers:train_token_embedding",
    "sw": "routed_llm.training.trainers:train_sw",
    "mf": "routed_llm.training.trainers:train_mf",
    "bert": "routed_llm.training.trainers:train_bert",
    "hybrid": "routed_llm.training.trainers:train_hybrid",
    "causal_llm": "routed_llm.training.trainers:train_causal_llm",
}

TEACHABLE = frozenset({"lexical"})
"""Trainers that accept ``TrainingRequest.teacher`` (distillation from a slower router)."""

_SAMPLE_OPTION = "max_prompts"


@dataclass(frozen=True)
class TrainingRequest:
    """Everything a trainer may use; ``tables`` are the training portions when labels are golden.

    Made from battles (``TrainingRequest(battles=...)``) or from benchmark tables
    (:meth:`from_tables`). ``teacher`` is a router (a scorer, a saved router directory or a
    built-in name) whose scores the trainer learns from besides the labels; only the
    lexical trainer can.
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

    @classmethod
    def from_tables(cls, tables: Sequence[BenchmarkTable], *, strong: str, weak: str, **settings: Any) -> TrainingRequest:
        """A request on benchmark tables: their golden battles (the strong model wins where only
        it is right), and the tables themselves for trainers that read the qualities."""
        battles = concat_battles([golden_battles(table, strong, weak) for table in tables])
        return cls(battles=battles, strong=strong, weak=weak, tables=tuple(tables), **settings)

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


def train_lexical(request: TrainingRequest) -> Any:
    """Ridge on hashed n-grams of the strong model's gain, smoothed towards each domain's mean,
    and mixed with a teacher router's scores when the request names one."""
    from routed_llm.scorers.batching import score_in_batches
    from routed_llm.scorers.lexical import LexicalScorer
    from routed_llm.scorers.registry import resolve_scorer

    gains, fought = strong_gains(request.battles, request.strong, request.weak)
    keep = np.flatnonzero(fought)
    prompts = [request.battles.prompts[i] for i in keep]
    domains = request.battles.domains
    groups = None if domains is None else [domains[i] for i in keep]
    scorer = _build(LexicalScorer, request.options)
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


def train_token_embedding(request: TrainingRequest) -> Any:
    """Ridge on MiniLM token embeddings and prompt shape of the strong model's gain, smoothed
    towards each domain's mean."""
    from routed_llm.scorers.token_embedding import TokenEmbeddingScorer

    gains, fought = strong_gains(request.battles, request.strong, request.weak)
    keep = np.flatnonzero(fought)
    domains = request.battles.domains
    scorer = _build(TokenEmbeddingScorer, request.options, **_encoder_options(request))
    request.report("fitting", 0, 1)
    scorer = scorer.fit([request.battles.prompts[i] for i in keep], gains[keep],
                        groups=None if domains is None else [domains[i] for i in keep])
    request.report("fitting", 1, 1)
    return scorer


def train_sw(request: TrainingRequest) -> Any:
    """Similarity-weighted ranking: stores the battles and their embeddings."""
    from routed_llm.scorers.sw import SWScorer

    scorer = _build(SWScorer, request.options, strong=request.strong, weak=request.weak, **_encoder_options(request))
    request.report("encoding", 0, 1)
    fitted = scorer.fit(request.battles)
    request.report("encoding", 1, 1)
    return fitted


def train_mf(request: TrainingRequest) -> Any:
    """Matrix factorisation with a Bradley-Terry loss, one progress step per epoch."""
    from routed_llm.scorers.mf import MFScorer

    options = {"seed": request.seed, **_encoder_options(request)}
    scorer = _build(MFScorer, request.options, strong=request.strong, weak=request.weak, **options)
    epochs = scorer.epochs
    return scorer.fit(request.battles, on_epoch=lambda epoch, loss: request.report("epochs", epoch + 1, epochs))


def train_bert(request: TrainingRequest) -> Any:
    """Fine-tune the encoder (``--encoder``, default MiniLM) on strong / tie / weak."""
    from routed_llm.scorers.bert import BertScorer

    gains, fought = strong_gains(request.battles, request.strong, request.weak)
    options, limit = _split_options(request.options)
    rows = _sample(np.flatnonzero(fought), limit, request.seed)
    prompts = [request.battles.prompts[i] for i in rows]
    labels = battle_classes(gains[rows])
    if request.encoder is not None:
        options.setdefault("checkpoint", request.encoder)
    scorer = _build(BertScorer, {"seed": request.seed, **options})
    return scorer.fit(prompts, labels, progress=lambda done, total: request.report("fine-tuning", done, total))


def train_hybrid(request: TrainingRequest) -> Any:
    """Hybrid LLM's router on the quality gap; ``--option label_scheme=det|prob|trans``."""
    from routed_llm.scorers.hybrid import HybridScorer

    options, limit = _split_options(request.options)
    if request.tables:
        prompts = [prompt for table in request.tables for prompt in table.prompts]
        q_small = np.concatenate([table.column(request.weak) for table in request.tables])
        q_large = np.concatenate([table.column(request.strong) for table in request.tables])
    else:
        gains, fought = strong_gains(request.battles, request.strong, request.weak)
        keep = np.flatnonzero(fought)
        prompts = [request.battles.prompts[i] for i in keep]
        q_small, q_large = np.zeros(len(keep)), gains[keep]
    rows = _sample(np.arange(len(prompts)), limit, request.seed)
    if request.encoder is not None:
        options.setdefault("encoder", request.encoder)
    scorer = _build(HybridScorer, {"seed": request.seed, **options})
    request.report("embedding and training", 0, 1)
    fitted = scorer.fit([prompts[i] for i in rows], q_small[rows], q_large[rows])
    request.report("embedding and training", 1, 1)
    return fitted


def train_causal_llm(request: TrainingRequest) -> Any:
    """Calibrate the LLM rater (``--option model=...``) on a sample of the training prompts."""
    from routed_llm.scorers.causal_llm import CausalLLMScorer

    options, limit = _split_options(request.options)
    rows = _sample(np.arange(len(request.battles.prompts)), limit, request.seed)
    scorer = _build(CausalLLMScorer, {"seed": request.seed, **options})
    request.report("calibrating", 0, 1)
    fitted = scorer.fit([request.battles.prompts[i] for i in rows])
    request.report("calibrating", 1, 1)
    return fitted


def _build(cls: type, options: Mapping[str, Any], **fixed: Any) -> Any:
    """``cls(**fixed, **options)``; an option the constructor does not take names ``--option``."""
    try:
        return cls(**fixed, **dict(options))
    except TypeError as exc:
        raise ConfigurationError("--option", f"does not fit {cls.__name__}: {exc}") from exc


def _encoder_options(request: TrainingRequest) -> dict[str, Any]:
    return {} if request.encoder is None else {"encoder": request.encoder}


def _split_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
    rest = dict(options)
    limit = rest.pop(_SAMPLE_OPTION, None)
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ConfigurationError(f"--option {_SAMPLE_OPTION}", f"must be an int >= 1, got {limit!r}")
    return rest, limit


def _sample(rows: np.ndarray, limit: int | None, seed: int) -> np.ndarray:
    if len(rows) == 0:
        raise ConfigurationError("--data", "no training prompts with a battle between the strong and the weak model")
    if limit is None or limit >= len(rows):
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, size=limit, replace=False))
