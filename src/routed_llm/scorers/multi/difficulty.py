"""Difficulty quality predictor: one difficulty per prompt, one response curve per model.

Item response theory in its simplest form. On RouterBench the models' successes on a
prompt move together: an easy ARC question is answered by all eleven, a hard MBPP task by
few. A per-model predictor must learn that shared signal eleven times from one noisy
0/1 label each, and on a task of a few hundred rows (MBPP) it mostly learns noise. Here
the signal is learned once: a ridge regression predicts, from the ask's TF-IDF, its
embedding and its lengths, how much better than its task's average the models do on a
prompt (the mean over models of quality minus the task's mean quality) -- an average over
eleven labels, far less noisy than any one of them. Each model then gets a logistic curve
per task on that one number (intercept = ability, slope = how much the model's success
depends on difficulty).

The curves are fitted on *out-of-fold* difficulties, so their slopes reflect how well
difficulty is predicted on unseen prompts, not how well the ridge fits its own training
rows: the predictor shrinks itself toward the task prior by exactly as much as its
difficulty estimate deserves, with no shrinkage to choose. Each task gets its own
regression (what makes an MBPP task hard is not what makes a Winogrande sentence hard),
and a prompt's prediction mixes the tasks by the task model's probabilities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from routed_llm.errors import ArtifactError, ConfigurationError
from routed_llm.scorers.multi.base import QualityPredictor
from routed_llm.scorers.multi.features import TfidfFeatures, ask_text, sigmoid

__all__ = ["DifficultyCurves", "DifficultyQualityPredictor", "difficulty_design"]

_EPSILON = 1e-3
_TENSORS = ("weights", "bias", "intercept", "slope")


@dataclass(frozen=True)
class DifficultyCurves:
    """The learned half of the model: per task, a linear difficulty over a design matrix
    (``weights`` ``(n_features, n_tasks)``, ``bias``), and per task and model a logistic
    curve on it (``intercept``, ``slope``, ``(n_tasks, n_models)``)."""

    weights: np.ndarray
    bias: np.ndarray
    intercept: np.ndarray
    slope: np.ndarray

    @classmethod
    def fit(
        cls, design: Any, quality: np.ndarray, labels: np.ndarray, task_quality: np.ndarray, *,
        alpha: float, folds: int, regularization: float, seed: int,
    ) -> DifficultyCurves:
        """``labels`` give each row's task; ``task_quality`` each task's mean quality per model."""
        from sklearn.linear_model import Ridge

        n_tasks, n_models = task_quality.shape
        target = (quality - task_quality[labels]).mean(axis=1)
        weights, bias = np.zeros((design.shape[1], n_tasks)), np.zeros(n_tasks)
        intercept, slope = np.zeros((n_tasks, n_models)), np.zeros((n_tasks, n_models))
        assignment = np.random.default_rng(seed).permutation(len(labels)) % folds
        for task in range(n_tasks):
            rows = np.flatnonzero(labels == task)
            difficulty = _out_of_fold(design, target, rows, assignment[rows], alpha, folds)
            if difficulty is not None:
                ridge = Ridge(alpha=alpha).fit(design[rows], target[rows])
                scale = float(difficulty.std()) or 1.0
                weights[:, task], bias[task] = ridge.coef_ / scale, float(ridge.intercept_) / scale
                difficulty = difficulty / scale
            intercept[task], slope[task] = _curves(quality[rows], difficulty, regularization)
        return cls(weights, bias, intercept, slope)

    def difficulties(self, design: Any) -> np.ndarray:
        """Standardised difficulty under each task's regression, ``(n, n_tasks)``; positive
        means easier than the task's average prompt."""
        return np.asarray(design @ self.weights) + self.bias

    def predict(self, design: Any, tasks: np.ndarray) -> np.ndarray:
        """Each model's quality: its curves at the prompt's difficulties, mixed by task probability."""
        per_task = sigmoid(self.intercept[None] + self.slope[None] * self.difficulties(design)[:, :, None])
        return np.einsum("nt,ntm->nm", tasks, per_task)

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_{name}": getattr(self, name) for name in _TENSORS}

    @classmethod
    def from_tensors(cls, tensors: Mapping[str, np.ndarray], prefix: str) -> DifficultyCurves:
        missing = [f"{prefix}_{name}" for name in _TENSORS if f"{prefix}_{name}" not in tensors]
        if missing:
            raise ArtifactError(f"difficulty curves need tensors {missing}")
        return cls(*(tensors[f"{prefix}_{name}"] for name in _TENSORS))


def difficulty_design(lexical: Any, features: np.ndarray, tasks: np.ndarray) -> Any:
    """What the difficulty regression reads: the ask's TF-IDF, the embedding and lengths, the task."""
    from scipy.sparse import csr_matrix, hstack

    return hstack([lexical, csr_matrix(np.hstack([features, tasks]))]).tocsr()


def _out_of_fold(
    design: Any, target: np.ndarray, rows: np.ndarray, assignment: np.ndarray, alpha: float, folds: int
) -> np.ndarray | None:
    """Each row's difficulty predicted by a ridge that did not see it; ``None`` where the
    task is too small to hold out a fold."""
    from sklearn.linear_model import Ridge

    if len(rows) < 2 * folds:
        return None
    predicted = np.zeros(len(rows))
    for fold in range(folds):
        held = assignment == fold
        ridge = Ridge(alpha=alpha).fit(design[rows[~held]], target[rows[~held]])
        predicted[held] = ridge.predict(design[rows[held]])
    return predicted


def _curves(quality: np.ndarray, difficulty: np.ndarray | None, regularization: float) -> tuple[np.ndarray, np.ndarray]:
    """Per model, a logistic regression of success on difficulty; a model always (never)
    right, or a task without difficulties, gets a flat curve at its smoothed success rate."""
    from sklearn.linear_model import LogisticRegression

    intercept, slope = np.zeros(quality.shape[1]), np.zeros(quality.shape[1])
    for model in range(quality.shape[1]):
        right = quality[:, model] >= 0.5
        if difficulty is None or right.all() or not right.any():
            mean = float(np.clip(right.mean(), _EPSILON, 1.0 - _EPSILON))
            intercept[model] = np.log(mean / (1.0 - mean))
            continue
        curve = LogisticRegression(C=regularization).fit(difficulty[:, None], right)
        intercept[model], slope[model] = float(curve.intercept_[0]), float(curve.coef_[0, 0])
    return intercept, slope


class DifficultyQualityPredictor(QualityPredictor):
    """Per-task ridge difficulty from TF-IDF + embedding, then a logistic curve per model and task."""

    name: ClassVar[str] = "difficulty_quality"

    def __init__(
        self,
        encoder: str | dict[str, Any] = "minilm",
        alpha: float = 30.0,
        folds: int = 5,
        regularization: float = 1.0,
        seed: int = 0,
    ) -> None:
        super().__init__(encoder)
        check_difficulty_settings(alpha, folds, regularization)
        self.alpha = alpha
        self.folds = folds
        self.regularization = regularization
        self.seed = seed

    def _fit_quality(
        self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray, tasks: np.ndarray,
        costs: np.ndarray | None,
    ) -> None:
        self._tfidf = TfidfFeatures()
        design = difficulty_design(self._tfidf.fit_transform([ask_text(p) for p in prompts]), features, tasks)
        self.curves_ = DifficultyCurves.fit(
            design, quality, np.argmax(tasks, axis=1), self.task_quality_,
            alpha=self.alpha, folds=self.folds, regularization=self.regularization, seed=self.seed,
        )

    def difficulties(self, prompts: Sequence[str]) -> np.ndarray:
        """Each prompt's standardised difficulty under each task's regression, ``(n, n_tasks)``."""
        self._check_fitted()
        features = self._features(prompts)
        return self.curves_.difficulties(self._design(prompts, features, self._task_probabilities(features)))

    def _design(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> Any:
        return difficulty_design(self._tfidf.transform([ask_text(p) for p in prompts]), features, tasks)

    def _predict_quality(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> np.ndarray:
        return self.curves_.predict(self._design(prompts, features, tasks), tasks)

    def _quality_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        tfidf_tensors, tfidf_extra = self._tfidf.state()
        return {**self.curves_.tensors("difficulty"), **tfidf_tensors}, tfidf_extra

    def _load_quality_state(self, tensors: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        self.curves_ = DifficultyCurves.from_tensors(tensors, "difficulty")
        self._tfidf = TfidfFeatures()
        self._tfidf.load(tensors, extra)


def check_difficulty_settings(alpha: float, folds: int, regularization: float) -> None:
    """Refuse settings the fit cannot use, naming the field."""
    if not alpha > 0:
        raise ConfigurationError("alpha", f"must be > 0, got {alpha!r}")
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ConfigurationError("folds", f"must be an int >= 2, got {folds!r}")
    if not regularization > 0:
        raise ConfigurationError("regularization", f"must be > 0, got {regularization!r}")
