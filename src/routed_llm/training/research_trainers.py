"""Trainers of the research routers (``bert``, ``hybrid``, ``causal_llm``) for ``routed-llm train``.

Each turns a :class:`~routed_llm.training.trainers.TrainingRequest` into the labels its
scorer learns from:

- ``bert``: one class per prompt from the strong model's mean gain over the weak one in
  its battles: ``strong`` when positive, ``weak`` when negative, ``tie`` at zero.
- ``hybrid``: quality of each model per prompt. With golden labels the benchmark's own
  qualities are used (0/1 correctness, RouterBench scores), so r_trans sees real gaps;
  with battles the gap is the strong model's mean gain (``q_weak = 0``, ``q_strong = gain``).
- ``causal_llm``: nothing is learned; the training prompts calibrate its score quantiles.

``--option max_prompts=N`` trains on a seeded sample of at most N prompts, which keeps CPU
fine-tuning to minutes; every other ``--option`` goes to the scorer's constructor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from routed_llm.data.battles import battle_classes, strong_gains
from routed_llm.errors import ConfigurationError
from routed_llm.training.trainers import TrainingRequest

__all__ = ["train_bert", "train_causal_llm", "train_hybrid"]

_SAMPLE_OPTION = "max_prompts"


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


def _build(cls: type, options: Mapping[str, Any]) -> Any:
    try:
        return cls(**options)
    except TypeError as exc:
        raise ConfigurationError("--option", f"does not fit {cls.__name__}: {exc}") from exc
