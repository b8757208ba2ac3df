"""Cost-quality metrics of a router, as RouteLLM's ``evals/evaluate.py`` defines them.

Sweeping the threshold from above the highest score to below the lowest moves the share of
strong-model calls from 0 to 1; the *quality curve* is the mean quality of the routed
answers along that sweep. From it:

- AUC: the area under the curve over shares 0..1;
- APGR: ``(AUC - weak) / (strong - weak)``, i.e. the area under the PGR curve, where
  ``PGR = (quality - weak) / (strong - weak)`` (1.0 recovers the whole gap);
- CPT(x): the smallest strong-call share at which PGR reaches ``x``.

Where RouteLLM samples ten score quantiles, the curve here is exact: every distinct score is
a vertex. Prompts with equal scores cross any threshold together, so they enter as one
block and the curve is a straight line across the block, which is the expected quality
when the tie is broken at random. Sorting them in input order instead would let the order
of a file bias the result.

Two references need no scorer: the random router, whose *expected* curve is the straight
line from the weak to the strong quality (APGR exactly 0.5, CPT(x) = x), and the oracle,
which spends strong calls only where the strong model is better, largest gain first
(RouteLLM's "optimal"), so its APGR exceeds 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routed_llm.data.table import BenchmarkTable
from routed_llm.errors import ConfigurationError

__all__ = [
    "CPT_LEVELS",
    "RouterMetrics",
    "evaluate_scores",
    "metrics_from_curve",
    "oracle_metrics",
    "oracle_weights",
    "quality_curve",
    "random_metrics",
    "strong_weights",
]

CPT_LEVELS = (0.2, 0.5, 0.8)
_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False)
class RouterMetrics:
    """One router's curve and the numbers read from it (shares as fractions in [0, 1]).

    ``curve`` has shape ``(k, 2)``: the exact vertices ``(strong share, mean quality)``,
    shares ascending from 0 to 1. PGR-based numbers are NaN when both models are equally
    good, because no gap exists to recover.
    """

    apgr: float
    cpt20: float
    cpt50: float
    cpt80: float
    auc: float
    curve: np.ndarray
    strong_quality: float
    weak_quality: float

    def quality_at(self, share: float) -> float:
        """Mean quality when ``share`` of the prompts go to the strong model."""
        _check_share(share)
        return float(np.interp(share, self.curve[:, 0], self.curve[:, 1]))

    def pgr_at(self, share: float) -> float:
        """Performance gap recovered at a strong-call share."""
        return _pgr(self.quality_at(share), self.strong_quality, self.weak_quality)

    def sampled_curve(self, points: int = 101) -> list[list[float]]:
        """``[[share, quality], ...]`` on an even grid: a compact, comparable form for JSON."""
        shares = np.linspace(0.0, 1.0, points)
        qualities = np.interp(shares, self.curve[:, 0], self.curve[:, 1])
        return [[round(float(s), 6), float(q)] for s, q in zip(shares, qualities, strict=True)]


def quality_curve(scores: np.ndarray, strong: np.ndarray, weak: np.ndarray) -> np.ndarray:
    """Exact ``(share, quality)`` vertices of the threshold sweep, ties entering as blocks."""
    values = _check_scores(scores, len(strong))
    n = len(values)
    order = np.argsort(-values, kind="stable")
    ranked = values[order]
    gains = (strong - weak)[order]
    block_ends = np.append(np.flatnonzero(ranked[1:] != ranked[:-1]), n - 1)
    cumulative = np.concatenate([[0.0], np.cumsum(gains)[block_ends]])
    shares = np.concatenate([[0.0], (block_ends + 1) / n])
    return np.column_stack([shares, (float(np.sum(weak)) + cumulative) / n])


def strong_weights(scores: np.ndarray, share: float) -> np.ndarray:
    """Per prompt, the probability it goes to the strong model at ``share`` of strong calls.

    Prompts above the cut get 1, below it 0; the tied block the cut falls in gets the
    fraction of it needed to reach ``share`` exactly, consistent with the curve's
    interpolation. Used for per-domain breakdowns at one global threshold.
    """
    _check_share(share)
    values = np.asarray(scores, dtype=np.float64)
    n = len(values)
    if n == 0:
        return np.zeros(0)
    wanted = share * n
    order = np.argsort(-values, kind="stable")
    ranked = values[order]
    starts = np.concatenate([[0], np.flatnonzero(ranked[1:] != ranked[:-1]) + 1])
    ends = np.append(starts[1:], n)
    block_weights = np.clip((wanted - starts) / (ends - starts), 0.0, 1.0)
    weights_sorted = np.repeat(block_weights, ends - starts)
    weights = np.empty(n)
    weights[order] = weights_sorted
    return weights


def oracle_weights(strong: np.ndarray, weak: np.ndarray, share: float) -> np.ndarray:
    """The oracle's strong-call probabilities: largest gains first, never a prompt with no gain."""
    _check_share(share)
    gains = strong - weak
    useful = int(np.count_nonzero(gains > 0))
    return strong_weights(gains, min(share, useful / len(gains))) if useful else np.zeros(len(gains))


def metrics_from_curve(curve: np.ndarray, strong_quality: float, weak_quality: float) -> RouterMetrics:
    """AUC, APGR and CPTs of a curve, by RouteLLM's definitions (areas over shares 0..1)."""
    shares, qualities = curve[:, 0], curve[:, 1]
    auc = float(np.sum((qualities[1:] + qualities[:-1]) / 2.0 * np.diff(shares)))
    span = float(shares[-1] - shares[0])
    cpts = [_cpt(curve, level, strong_quality, weak_quality) for level in CPT_LEVELS]
    return RouterMetrics(
        apgr=_pgr(auc / span, strong_quality, weak_quality) if span > 0 else float("nan"),
        cpt20=cpts[0],
        cpt50=cpts[1],
        cpt80=cpts[2],
        auc=auc,
        curve=curve,
        strong_quality=strong_quality,
        weak_quality=weak_quality,
    )


def evaluate_scores(
    scores: np.ndarray | Sequence[float], table: BenchmarkTable, strong: str, weak: str
) -> RouterMetrics:
    """Metrics of a scorer's scores on ``table`` (score ``i`` belongs to ``table.prompts[i]``)."""
    strong_column, weak_column = _columns(table, strong, weak)
    curve = quality_curve(np.asarray(scores, dtype=np.float64), strong_column, weak_column)
    return metrics_from_curve(curve, float(strong_column.mean()), float(weak_column.mean()))


def random_metrics(table: BenchmarkTable, strong: str, weak: str) -> RouterMetrics:
    """The random router's expected metrics: the straight line from weak to strong quality."""
    strong_column, weak_column = _columns(table, strong, weak)
    strong_quality, weak_quality = float(strong_column.mean()), float(weak_column.mean())
    curve = np.array([[0.0, weak_quality], [1.0, strong_quality]])
    return metrics_from_curve(curve, strong_quality, weak_quality)


def oracle_metrics(table: BenchmarkTable, strong: str, weak: str) -> RouterMetrics:
    """The per-prompt best: strong calls where they gain most, flat once no gain is left."""
    strong_column, weak_column = _columns(table, strong, weak)
    n = len(strong_column)
    gains = np.sort(np.maximum(strong_column - weak_column, 0.0))[::-1]
    qualities = (float(np.sum(weak_column)) + np.concatenate([[0.0], np.cumsum(gains)])) / n
    curve = np.column_stack([np.arange(n + 1) / n, qualities])
    return metrics_from_curve(curve, float(strong_column.mean()), float(weak_column.mean()))


def _cpt(curve: np.ndarray, level: float, strong_quality: float, weak_quality: float) -> float:
    """First share where the PGR curve reaches ``level``, interpolated within the segment."""
    gap = strong_quality - weak_quality
    if gap == 0:
        return float("nan")
    pgr = (curve[:, 1] - weak_quality) / gap
    reached = np.flatnonzero(pgr >= level - _TOLERANCE)
    if reached.size == 0:
        return float("nan")
    index = int(reached[0])
    if index == 0:
        return float(curve[0, 0])
    (x0, p0), (x1, p1) = (curve[index - 1, 0], pgr[index - 1]), (curve[index, 0], pgr[index])
    return float(x0 + (level - p0) / (p1 - p0) * (x1 - x0)) if p1 != p0 else float(x1)


def _pgr(quality: float, strong_quality: float, weak_quality: float) -> float:
    gap = strong_quality - weak_quality
    return float((quality - weak_quality) / gap) if gap != 0 else float("nan")


def _columns(table: BenchmarkTable, strong: str, weak: str) -> tuple[np.ndarray, np.ndarray]:
    if strong == weak:
        raise ConfigurationError("weak", f"the weak model must differ from the strong one ({strong!r})")
    if len(table) == 0:
        raise ConfigurationError("table", f"{table.source or 'the data'} has no prompts to evaluate")
    return table.column(strong), table.column(weak)


def _check_scores(scores: np.ndarray, n: int) -> np.ndarray:
    if scores.shape != (n,):
        raise ConfigurationError("scores", f"shape {scores.shape} does not match {n} prompts")
    if not np.all(np.isfinite(scores)):
        raise ConfigurationError("scores", "contains NaN or infinite values")
    return scores


def _check_share(share: float) -> None:
    if not 0.0 <= share <= 1.0:
        raise ConfigurationError("share", f"must be in [0, 1], got {share!r}")
