"""The recipe of the router shipped as ``router="default"`` (``benchmarks/train_default_router.py`` runs it).

Three parts, chosen by measurement (``benchmarks/generalization.py`` for benchmark rows,
``benchmarks/blind_everyday.py`` for everyday asks; figures in benchmarks/README.md):

- *correctness*: the equal rank blend of a token-embedding ridge on the strong model's gain
  over five benchmark sources plus the priors of :mod:`routed_llm.training.default_priors`
  (:func:`training_rows`), and the previous lexical default (MMLU and GSM8K). It orders
  benchmark questions, but on everyday asks it leans on length and format;
- *ask kind*: a ridge classifier of easy (0) against demanding (1) asks on what the prompt
  and its instruction say, with no length cue (:func:`kind_rows`), scored across
  :data:`KIND_BAND`, so clear kinds get 0 or 1 and benchmark rows (all trained as demanding)
  share the value 1: the correctness part keeps its order among them;
- the two averaged on one scale, the ask kind weighing :data:`KIND_WEIGHT` times the
  correctness part. The average is the score: 0.5, the default threshold, is an ask leaning
  demanding. ``strong_share`` comes from the scores' quantiles on :func:`reference_mix`, a
  stand-in for an assistant's traffic, so it is a share of that traffic.

The result is a :class:`~routed_llm.scorers.default.DefaultRouter` (saved as scorer
``default``, the name users pass), saved with :func:`recorded_prompts` as its
``training_prompts`` so ``routed-llm eval`` counts the rows it was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from routed_llm.scorers.base import RouterScorer
from routed_llm.scorers.blend import BlendScorer
from routed_llm.scorers.default import DefaultRouter
from routed_llm.scorers.token_embedding import TokenEmbeddingScorer
from routed_llm.training.default_priors import DEMANDING_ASKS, SIMPLE_ASKS, TRIVIAL_TURNS, everyday_asks

__all__ = ["GainRows", "fit_default", "kind_rows", "recorded_prompts", "reference_mix", "training_rows"]

TRIVIAL_SHARE = 1.0
"""Weight of the trivial turns in the correctness part, in sources (each benchmark source weighs 1)."""
TASK_PRIOR_SHARE = 0.5
"""Weight of the simple asks, and of the demanding ones, in the correctness part, in sources."""
KIND_BAND = (0.3, 0.7)
"""Ask-kind predictions at or below the first value score 0 (easy), at or above the second 1 (demanding)."""
KIND_WEIGHT = 4.0
"""Weight of the ask kind against the correctness part (1): the kind decides, correctness orders within it."""
REFERENCE_SHARES = {"instructions": 0.6, "trivial turns": 0.2, "simple asks": 0.2}
"""The assistant traffic scores are ranked among: AlpacaEval instructions, chat turns carrying no
task, and one-fact questions, light rewrites and short translations."""


class GainRows(Protocol):
    """Benchmark training rows: a prompt, the strong model's gain, its source and MMLU subject."""

    prompts: Sequence[str]
    targets: Sequence[float]
    sources: Sequence[str]
    groups: Sequence[str | None]


def training_rows(rows: GainRows) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Prompts, gains, groups and weights of the correctness part: every source weighs the same,
    the priors as set above (the demanding asks at the highest per-source mean gain)."""
    prompts = list(rows.prompts)
    gains = np.asarray(rows.targets, dtype=np.float64)
    sources = np.asarray(rows.sources)
    groups = [subject or source for subject, source in zip(rows.groups, rows.sources, strict=True)]
    weights = np.empty(len(prompts))
    for source in np.unique(sources):
        weights[sources == source] = 1.0 / np.count_nonzero(sources == source)
    highest = max(float(gains[sources == source].mean()) for source in np.unique(sources))
    priors = ((TRIVIAL_TURNS, "trivial", 0.0, TRIVIAL_SHARE), (SIMPLE_ASKS, "simple", 0.0, TASK_PRIOR_SHARE),
              (DEMANDING_ASKS, "demanding", highest, TASK_PRIOR_SHARE))
    for prior, group, gain, share in priors:
        prompts += list(prior)
        gains = np.concatenate([gains, np.full(len(prior), gain)])
        groups += [group] * len(prior)
        weights = np.concatenate([weights, np.full(len(prior), share / len(prior))])
    return prompts, gains, groups, weights * len(weights) / weights.sum()


def kind_rows(rows: GainRows) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Prompts, labels (1 demanding) and weights of the ask-kind member, in three equal shares:
    the hand-written everyday asks (one unit each), the template priors, and the benchmark rows
    (all demanding: exam questions, where the correctness part orders; a fifth per source)."""
    asks, labels = everyday_asks()
    share = float(len(asks))
    priors = [*TRIVIAL_TURNS, *SIMPLE_ASKS, *DEMANDING_ASKS]
    prior_labels = np.r_[np.zeros(len(TRIVIAL_TURNS) + len(SIMPLE_ASKS)), np.ones(len(DEMANDING_ASKS))]
    sources = np.asarray(rows.sources)
    bench_weights = np.empty(len(sources))
    for source in np.unique(sources):
        bench_weights[sources == source] = share / len(np.unique(sources)) / np.count_nonzero(sources == source)
    return ([*asks, *priors, *rows.prompts], np.r_[labels, prior_labels, np.ones(len(sources))],
            np.r_[np.ones(len(asks)), np.full(len(priors), share / len(priors)), bench_weights])


def reference_mix(instructions: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The assistant traffic the default's scores are ranked among, with :data:`REFERENCE_SHARES`:
    ``instructions`` (AlpacaEval's, the ones trained on), trivial turns and simple asks."""
    parts = {"instructions": list(instructions), "trivial turns": list(TRIVIAL_TURNS),
             "simple asks": list(SIMPLE_ASKS)}
    prompts = [prompt for part in parts.values() for prompt in part]
    weights = np.concatenate([np.full(len(part), REFERENCE_SHARES[name] / len(part)) for name, part in parts.items()])
    return prompts, weights * len(weights)


def recorded_prompts(rows: GainRows) -> list[str]:
    """Every prompt a member of the default learned from, for its training-prompt record: the
    correctness rows (benchmark rows and priors; the previous lexical default learned from the
    MMLU and GSM8K rows among them, same seed and cut) and the ask-kind rows (everyday asks,
    priors, benchmark rows). The reference mix's instructions are left out: they set only the
    ``strong_share`` quantiles, with no label, and change no score."""
    return [*training_rows(rows)[0], *kind_rows(rows)[0]]


def fit_default(rows: GainRows, instructions: Sequence[str], lexical: RouterScorer) -> DefaultRouter:
    """The default router from benchmark rows, chat instructions and the previous lexical default."""
    prompts, gains, groups, weights = training_rows(rows)
    kinds = TokenEmbeddingScorer().fit(prompts, gains, groups=groups, sample_weight=weights)
    correctness = BlendScorer(weights=(0.5, 0.5)).fit([kinds, lexical], prompts, sample_weight=weights)
    kind_prompts, labels, kind_weights = kind_rows(rows)
    ask_kind = TokenEmbeddingScorer(alpha=1.0, features="prompt_ask", band=KIND_BAND).fit(
        kind_prompts, labels, sample_weight=kind_weights)
    reference, reference_weights = reference_mix(instructions)
    default = DefaultRouter(weights=(1.0, KIND_WEIGHT), rank_members=False)
    default.fit([correctness, ask_kind], reference, sample_weight=reference_weights)
    return default
