"""A linear model on hashed word n-grams: the fast scorer behind the default router.

What it predicts is the expected *gain* of the strong model, ``P(strong right) - P(weak
right)`` in [-1, 1] (RouteLLM's golden label with ties counted as no gain), and its score
is ``(1 + gain) / 2``, the strong model's win rate with ties counted half. Per-prompt gains
are very noisy (one binary outcome each), while the gain of a *kind* of prompt (an MMLU
subject, a benchmark) is well estimated; so when training rows carry a group, the target is
pulled towards its group's mean gain (``group_smoothing``), which is what lets a lexical
model learn "this reads like a moral-scenarios question" instead of memorising outcomes.

A slower router (a fine-tuned encoder) can also teach it: given that teacher's scores on
the training prompts, the target becomes a mix of the (smoothed) labels and the teacher's
scores put on the gain scale, so the fast model learns a denoised signal it could not
extract from 8k binary outcomes alone, and keeps its speed (``teacher_weight``).

Fitting is ridge regression solved by conjugate gradients in numpy; scoring is one sparse
dot product, so it needs neither scikit-learn nor torch, and decides in microseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.encoders.hashing import HashingEncoder, SparseRows
from routed_llm.errors import ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer

__all__ = ["LexicalScorer", "check_gains", "fit_ridge", "score_quantiles", "smooth_by_group"]

QUANTILE_LEVELS = 101


class LexicalScorer(ArtifactMixin, BaseScorer):
    """Ridge regression of the strong model's gain on hashed word 1..``ngram_max``-grams.

    ``format_split`` gives multiple-choice and open-ended prompts weights of their own on
    top of shared ones (see :class:`~routed_llm.encoders.hashing.HashingEncoder`).

    The score quantiles that turn ``strong_share`` into a threshold are taken from
    ``calibration_folds``-fold out-of-fold predictions: a ridge model scores its own
    training prompts more extremely than new ones, so in-sample quantiles would send far
    less than the asked-for share to the strong model on new traffic.
    """

    name: ClassVar[str] = "lexical"

    def __init__(
        self,
        n_features: int = 2**18,
        ngram_max: int = 2,
        alpha: float = 1.0,
        group_smoothing: float = 0.6,
        format_split: bool = True,
        max_iter: int = 500,
        calibration_folds: int = 5,
        teacher_weight: float = 0.5,
    ) -> None:
        self.n_features = n_features
        self.ngram_max = ngram_max
        self.alpha = alpha
        self.group_smoothing = group_smoothing
        self.format_split = format_split
        self.max_iter = max_iter
        self.calibration_folds = calibration_folds
        self.teacher_weight = teacher_weight
        self.coef_: np.ndarray | None = None
        self.intercept_: float = 0.0

    def _featuriser(self) -> HashingEncoder:
        return HashingEncoder(n_features=self.n_features, ngram_max=self.ngram_max, format_split=self.format_split)

    def fit(
        self,
        prompts: Sequence[str],
        gains: Sequence[float] | np.ndarray,
        *,
        groups: Sequence[str] | None = None,
        sample_weight: Sequence[float] | np.ndarray | None = None,
        teacher_scores: Sequence[float] | np.ndarray | None = None,
    ) -> LexicalScorer:
        """Learn from per-prompt gains (+1 strong won, -1 weak won, 0 tie, or soft values).

        ``teacher_scores`` are another router's scores of the same prompts (in [0, 1], higher
        = more in need of the strong model); the target becomes ``teacher_weight`` of them,
        mapped onto the gain scale by the least-squares line from score to gain, plus the
        rest of the group-smoothed gains.
        """
        for field in ("group_smoothing", "teacher_weight"):
            value = getattr(self, field)
            if not 0.0 <= value <= 1.0:
                raise ConfigurationError(field, f"must be in [0, 1], got {value!r}")
        if not self.alpha > 0:
            raise ConfigurationError("alpha", f"must be > 0, got {self.alpha!r}")
        labels = check_gains(prompts, gains)
        weights = np.ones(len(prompts)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        target = labels if groups is None else smooth_by_group(labels, groups, weights, self.group_smoothing)
        if teacher_scores is not None:
            taught = _on_gain_scale(teacher_scores, labels, weights)
            target = self.teacher_weight * taught + (1.0 - self.teacher_weight) * target
        features = self._featuriser().transform(prompts)
        self.coef_, self.intercept_ = fit_ridge(features, target, weights, self.alpha, self.max_iter)
        self.score_quantiles_ = score_quantiles(np.clip(0.5 + 0.5 * self._held_out_gains(features, target, weights),
                                                        0.0, 1.0))
        return self

    def _held_out_gains(self, features: SparseRows, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Each training prompt's gain as predicted by a model that did not see it."""
        folds = self.calibration_folds
        if not isinstance(folds, int) or folds < 0 or folds == 1:
            raise ConfigurationError("calibration_folds", f"must be 0 (in-sample) or an int >= 2, got {folds!r}")
        if folds == 0 or features.n_rows < 2 * folds:
            return self._gains(features)
        fold_of = np.random.default_rng(0).permutation(features.n_rows) % folds
        predicted = np.empty(features.n_rows)
        for fold in range(folds):
            test, train = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
            coef, intercept = fit_ridge(features.take(train), target[train], weights[train], self.alpha, self.max_iter)
            predicted[test] = features.take(test).dot(coef) + intercept
        return predicted

    def gains(self, prompts: Sequence[str]) -> np.ndarray:
        """The predicted gain of the strong model, unclipped."""
        if len(prompts) == 1 and self.coef_ is not None:
            return np.array([self._gain(prompts[0])])
        return self._gains(self._featuriser().transform(prompts))

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        if len(prompts) == 1 and self.coef_ is not None:
            return np.array([min(max(0.5 + 0.5 * self._gain(prompts[0]), 0.0), 1.0)])
        return np.clip(0.5 + 0.5 * self.gains(prompts), 0.0, 1.0)

    def _gain(self, prompt: str) -> float:
        """One prompt's gain in plain Python: the routing hot path scores one prompt per
        request, between two provider calls that leave the CPU caches cold, where each
        numpy call costs tens of microseconds; a memoryview reads the coefficients in place."""
        buckets = self._featuriser().bucket_set(prompt)
        weights = memoryview(self.coef_)  # type: ignore[arg-type]
        return sum(weights[bucket] for bucket in buckets) / math.sqrt(max(len(buckets), 1)) + self.intercept_

    def _gains(self, features: SparseRows) -> np.ndarray:
        if self.coef_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or from_pretrained()")
        return features.dot(self.coef_) + self.intercept_

    # -- artifact halves ----------------------------------------------------------------
    def _state_dict(self) -> dict[str, np.ndarray]:
        if self.coef_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; nothing to save")
        return {"coef": self.coef_.astype(np.float32), "intercept": np.asarray([self.intercept_], dtype=np.float64)}

    def _extra_config(self) -> dict[str, Any]:
        return {"encoder": self._featuriser().spec()}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        coef, intercept = state["coef"], state["intercept"]
        if coef.shape != (self.n_features,):
            raise ValueError(f"tensor 'coef' has shape {coef.shape}, expected ({self.n_features},)")
        if intercept.shape != (1,):
            raise ValueError(f"tensor 'intercept' has shape {intercept.shape}, expected (1,)")
        # a gain is in [-1, 1]; an intercept past that decides alone, as a tampered one (1e9) would
        if not abs(float(intercept[0])) <= 1.0:
            raise ValueError(f"tensor 'intercept' is {float(intercept[0])}, outside the gain range [-1, 1]")
        self.coef_ = coef.astype(np.float64)
        self.intercept_ = float(intercept[0])


def fit_ridge(
    features: SparseRows, target: np.ndarray, weights: np.ndarray, alpha: float, max_iter: int
) -> tuple[np.ndarray, float]:
    """Weighted ridge with an unpenalised intercept, by conjugate gradients on the normal equations.

    Centring is applied inside the operator (``X^T W (X v - mean_W(X v))``), so the sparse
    matrix is never densified.
    """
    total = weights.sum()
    y_mean = float(weights @ target) / total

    def centred(u: np.ndarray) -> np.ndarray:
        return weights * (u - float(weights @ u) / total)

    def operator(v: np.ndarray) -> np.ndarray:
        return features.rdot(centred(features.dot(v))) + alpha * v

    rhs = features.rdot(centred(target))
    coef = np.zeros(features.n_features)
    residual = rhs.copy()
    direction = residual.copy()
    norm = float(residual @ residual)
    tolerance = 1e-10 * max(norm, 1e-30)
    for _ in range(max_iter):
        if norm <= tolerance:
            break
        image = operator(direction)
        step = norm / float(direction @ image)
        coef += step * direction
        residual -= step * image
        new_norm = float(residual @ residual)
        direction = residual + (new_norm / norm) * direction
        norm = new_norm
    intercept = y_mean - float(weights @ features.dot(coef)) / total
    return coef, intercept


def score_quantiles(scores: np.ndarray) -> np.ndarray:
    """The percentiles 0..100 of ``scores``: what lets ``strong_share=0.3`` become a threshold."""
    return np.quantile(np.asarray(scores, dtype=np.float64), np.linspace(0.0, 1.0, QUANTILE_LEVELS))


def _on_gain_scale(
    teacher_scores: Sequence[float] | np.ndarray, gains: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """The weighted least-squares line from teacher score to observed gain, applied to the scores.

    A teacher's scores need not be gains (a classifier's P(strong wins) ignores ties and
    carries its class weighting); regressing the labels on them puts them on the labels'
    scale without trusting their spread.
    """
    scores = np.asarray(teacher_scores, dtype=np.float64)
    if scores.shape != gains.shape:
        raise ConfigurationError("teacher_scores", f"need one score per prompt, got {scores.shape} for {gains.shape}")
    if not np.all(np.isfinite(scores)):
        raise ConfigurationError("teacher_scores", "every score must be a finite number")
    if np.ptp(scores) == 0.0:
        raise ConfigurationError("teacher_scores", "are all equal, so they cannot teach anything")
    total = weights.sum()
    centred = scores - float(weights @ scores) / total
    slope = float(weights @ (centred * gains)) / float(weights @ centred**2)
    return np.clip(float(weights @ gains) / total + slope * centred, -1.0, 1.0)


def check_gains(prompts: Sequence[str], gains: Sequence[float] | np.ndarray, minimum: int = 1) -> np.ndarray:
    """Gains as a float array, one finite value in [-1, 1] per prompt and at least ``minimum`` of them."""
    labels = np.asarray(gains, dtype=np.float64)
    if labels.shape != (len(prompts),) or len(prompts) < minimum:
        raise ConfigurationError("gains", f"need one gain per prompt and at least {minimum} prompts, "
                                 f"got {labels.shape} for {len(prompts)} prompts")
    if np.any(np.abs(labels) > 1.0) or not np.all(np.isfinite(labels)):
        raise ConfigurationError("gains", "every gain must be a finite number in [-1, 1]")
    return labels


def smooth_by_group(
    target: np.ndarray, groups: Sequence[str], weights: np.ndarray, smoothing: float
) -> np.ndarray:
    """Pull each target ``smoothing`` of the way to its group's weighted mean (one outcome is noise)."""
    if len(groups) != len(target):
        raise ConfigurationError("groups", f"{len(groups)} groups for {len(target)} prompts")
    labels, inverse = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    sums = np.bincount(inverse, weights=weights * target, minlength=len(labels))
    means = sums / np.maximum(np.bincount(inverse, weights=weights, minlength=len(labels)), 1e-12)
    return smoothing * means[inverse] + (1.0 - smoothing) * target
