"""The N-model router routed-llm recommends: a shrunk ensemble mixed with a difficulty model.

Three views of a prompt, each predicting every candidate's quality:

- a per-model logistic regression on the ask's embedding, its lengths and the task
  probabilities;
- a per-model logistic regression on the ask's word uni/bi-gram TF-IDF and the task
  probabilities (lexical cues an embedding blurs: "_" blanks, option counts, code words);
- an MLP on the embedding, lengths and task probabilities.

Their mean is then shrunk toward the task prior (each model's mean quality on the task):
``prior + shrinkage * (ensemble - prior)``. On RouterBench, per-prompt signals are real
but noisy: in 5-fold cross-validation on the training rows every unshrunk component fell
below the zero router on at least one task, while the ensemble shrunk by 0.5 beat it on
all three. How much to trust the per-prompt signal, and which view carries it, differs
by task, so by default (``shrinkage="per_task"``) each task's blend (the three
components' mean, or one of them) and shrinkage are chosen by an inner 3-fold
cross-validation on the training rows: those whose out-of-fold predictions give the
largest AIQ on that task (the lowest squared error when the data has no costs).

That shrunk blend is then mixed with a difficulty model
(:class:`~routed_llm.scorers.multi.difficulty.DifficultyCurves`: one difficulty per prompt
learned from all models' labels at once, a logistic curve per model fitted on out-of-fold
difficulties), which takes ``difficulty_weight`` of the mix. The two err differently: the
per-model views see which model suits a prompt but are noisy on small tasks; the
difficulty model is steady but sees one dimension only. On RouterBench's ARC-Challenge
and MBPP, where the models' successes move together, the difficulty model alone routes
better; on Winogrande, where they barely correlate, the views do. Choosing the weight per
task by the inner cross-validation was tried and routed worse than a fixed weight on
small tasks (the choice follows fold noise); 0.75 gave the best worst task over 22
development splits (``benchmarks/routerbench_heldout.py``, figures in benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.errors import ConfigurationError
from routed_llm.scorers.multi.base import QualityPredictor
from routed_llm.scorers.multi.difficulty import DifficultyCurves, check_difficulty_settings, difficulty_design
from routed_llm.scorers.multi.features import TfidfFeatures, ask_text, sigmoid
from routed_llm.scorers.multi.mlp import _layer_tensors, _layers_from, fit_mlp, mlp_forward

__all__ = ["EnsembleQualityPredictor"]

_EPSILON = 1e-3
PER_TASK = "per_task"
_FOLDS = 3
_SHRINKAGE_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
_FALLBACK_SHRINKAGE = 0.5
_DIFFICULTY_FOLDS = 5
COMPONENTS = ("dense_logistic", "lexical_logistic", "mlp")


class EnsembleQualityPredictor(QualityPredictor):
    """Embedding + lexical logistic regressions and an MLP, averaged and shrunk toward the task
    prior, then mixed with a difficulty model (``difficulty_weight`` of the final mix)."""

    name: ClassVar[str] = "ensemble_quality"

    def __init__(
        self,
        encoder: str | dict[str, Any] = "minilm",
        shrinkage: float | str = PER_TASK,
        regularization: float = 1.0,
        hidden: int = 128,
        difficulty_weight: float = 0.75,
        difficulty_alpha: float = 30.0,
        seed: int = 0,
    ) -> None:
        super().__init__(encoder)
        if shrinkage != PER_TASK and (isinstance(shrinkage, (str, bool)) or not 0.0 <= shrinkage <= 1.0):
            raise ConfigurationError("shrinkage", f"must be in [0, 1] or {PER_TASK!r}, got {shrinkage!r}")
        if isinstance(difficulty_weight, (str, bool)) or not 0.0 <= difficulty_weight <= 1.0:
            raise ConfigurationError("difficulty_weight", f"must be in [0, 1], got {difficulty_weight!r}")
        check_difficulty_settings(difficulty_alpha, _DIFFICULTY_FOLDS, regularization)
        self.shrinkage = shrinkage
        self.regularization = regularization
        self.hidden = hidden
        self.difficulty_weight = difficulty_weight
        self.difficulty_alpha = difficulty_alpha
        self.seed = seed

    def _fit_quality(
        self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray, tasks: np.ndarray,
        costs: np.ndarray | None,
    ) -> None:
        n_tasks = tasks.shape[1]
        self.task_blend_ = np.full((n_tasks, len(COMPONENTS)), 1.0 / len(COMPONENTS))
        self.task_shrinkage_ = np.full(n_tasks, _FALLBACK_SHRINKAGE if self.shrinkage == PER_TASK else float(self.shrinkage))
        if self.shrinkage == PER_TASK:
            self._cross_validate(prompts, features, quality, tasks, costs)
        tfidf = self._fit_components(prompts, features, quality, tasks)
        self.difficulty_ = DifficultyCurves.fit(
            difficulty_design(tfidf, features, tasks), quality, np.argmax(tasks, axis=1), self.task_quality_,
            alpha=self.difficulty_alpha, folds=_DIFFICULTY_FOLDS, regularization=self.regularization, seed=self.seed,
        )

    def _fit_components(self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray,
                        tasks: np.ndarray) -> Any:
        """Fit the three views; return the asks' TF-IDF matrix, which the difficulty model reads too."""
        from scipy.sparse import csr_matrix, hstack

        dense = np.hstack([features, tasks])
        self.dense_weights_, self.dense_bias_ = _logistic_columns(dense, quality, self.regularization)
        self._tfidf = TfidfFeatures()
        tfidf = self._tfidf.fit_transform([ask_text(p) for p in prompts])
        lexical = hstack([tfidf, csr_matrix(tasks)]).tocsr()
        self.lexical_weights_, self.lexical_bias_ = _logistic_columns(lexical, quality, self.regularization)
        self.layers_ = fit_mlp(dense, quality, hidden=self.hidden, alpha=1e-2, max_iter=300, seed=self.seed)
        return tfidf

    def _cross_validate(
        self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray, tasks: np.ndarray,
        costs: np.ndarray | None,
    ) -> None:
        """Per task, the blend (the components' mean, or one component) and grid shrinkage whose
        out-of-fold predictions route best on that task; sets ``task_blend_`` and ``task_shrinkage_``."""
        from routed_llm.evaluation.cost_curve import router_curve

        n, n_tasks = len(prompts), tasks.shape[1]
        labels = np.argmax(tasks, axis=1)
        folds = np.random.default_rng(self.seed).permutation(n) % _FOLDS
        parts, prior = np.zeros((len(COMPONENTS), *quality.shape)), np.zeros_like(quality)
        for fold in range(_FOLDS):
            train, test = folds != fold, folds == fold
            if train.sum() < 2 or not test.any() or len(np.unique(labels[train])) < len(np.unique(labels)):
                return
            self._fit_components([prompts[i] for i in np.flatnonzero(train)], features[train], quality[train],
                                 tasks[train])
            lexical = self._tfidf.transform([ask_text(prompts[i]) for i in np.flatnonzero(test)])
            predicted = self._components(features[test], tasks[test], lexical)
            for index, component in enumerate(COMPONENTS):
                parts[index][test] = predicted[component]
            task_means = np.stack([quality[train & (labels == t)].mean(axis=0) if np.any(train & (labels == t))
                                   else quality[train].mean(axis=0) for t in range(n_tasks)])
            prior[test] = tasks[test] @ task_means
        blends = [np.full(len(COMPONENTS), 1.0 / len(COMPONENTS)), *np.eye(len(COMPONENTS))]
        for task in range(n_tasks):
            rows = labels == task
            if rows.sum() < _FOLDS:
                continue
            best = (-np.inf, self.task_blend_[task], self.task_shrinkage_[task])
            for blend in blends:
                blended = np.tensordot(blend, parts[:, rows], axes=1)
                for value in _SHRINKAGE_GRID:
                    predicted = prior[rows] + value * (blended - prior[rows])
                    if costs is None:
                        score = -float(np.mean((predicted - quality[rows]) ** 2))
                    else:
                        expected = tasks[rows] @ self.task_cost_ if self.task_cost_ is not None else costs[rows]
                        curve = router_curve(predicted, expected, quality[rows], costs[rows])
                        score = curve.aiq(max(float(costs[rows].mean(axis=0).max()), float(curve.hull[-1, 0])))
                    if score > best[0] + 1e-12:
                        best = (score, blend, value)
            self.task_blend_[task], self.task_shrinkage_[task] = best[1], best[2]

    def component_predictions(self, prompts: Sequence[str]) -> dict[str, np.ndarray]:
        """Each component's prediction (the difficulty model's under ``"difficulty"``) and the
        prior, for diagnostics and ablations."""
        self._check_fitted()
        features = self._features(prompts)
        tasks = self._task_probabilities(features)
        lexical = self._tfidf.transform([ask_text(p) for p in prompts])
        return {
            **self._components(features, tasks, lexical),
            "difficulty": self.difficulty_.predict(difficulty_design(lexical, features, tasks), tasks),
            "prior": self.task_prior(tasks),
        }

    def _components(self, features: np.ndarray, tasks: np.ndarray, lexical: Any) -> dict[str, np.ndarray]:
        dense = np.hstack([features, tasks])
        vocabulary = self.lexical_weights_.shape[0] - tasks.shape[1]
        lexical_logits = (
            np.asarray(lexical @ self.lexical_weights_[:vocabulary]) + tasks @ self.lexical_weights_[vocabulary:]
        )
        return {
            "dense_logistic": sigmoid(dense @ self.dense_weights_ + self.dense_bias_),
            "lexical_logistic": sigmoid(lexical_logits + self.lexical_bias_),
            "mlp": np.clip(mlp_forward(self.layers_, dense), 0.0, 1.0),
        }

    def _predict_quality(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> np.ndarray:
        lexical = self._tfidf.transform([ask_text(p) for p in prompts])
        parts = self._components(features, tasks, lexical)
        weights = tasks @ self.task_blend_
        blended = sum(weights[:, [index]] * parts[component] for index, component in enumerate(COMPONENTS))
        prior = self.task_prior(tasks)
        shrunk = prior + (tasks @ self.task_shrinkage_)[:, None] * (blended - prior)
        difficulty = self.difficulty_.predict(difficulty_design(lexical, features, tasks), tasks)
        return (1.0 - self.difficulty_weight) * shrunk + self.difficulty_weight * difficulty

    def _quality_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        tfidf_tensors, tfidf_extra = self._tfidf.state()
        tensors = {
            "dense_weights": self.dense_weights_,
            "dense_bias": self.dense_bias_,
            "lexical_weights": self.lexical_weights_,
            "lexical_bias": self.lexical_bias_,
            "task_shrinkage": self.task_shrinkage_,
            "task_blend": self.task_blend_,
            **tfidf_tensors,
            **_layer_tensors(self.layers_, "mlp"),
            **self.difficulty_.tensors("difficulty"),
        }
        return tensors, {**tfidf_extra, "mlp_layers": len(self.layers_)}

    def _load_quality_state(self, tensors: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        self.dense_weights_ = tensors["dense_weights"]
        self.dense_bias_ = tensors["dense_bias"]
        self.lexical_weights_ = tensors["lexical_weights"]
        self.lexical_bias_ = tensors["lexical_bias"]
        self.task_shrinkage_ = tensors["task_shrinkage"]
        self.task_blend_ = tensors["task_blend"]
        self._tfidf = TfidfFeatures()
        self._tfidf.load(tensors, extra)
        self.layers_ = _layers_from(tensors, "mlp", extra["mlp_layers"])
        self.difficulty_ = DifficultyCurves.from_tensors(tensors, "difficulty")


def _logistic_columns(features: Any, quality: np.ndarray, regularization: float) -> tuple[np.ndarray, np.ndarray]:
    """One L2 logistic regression per model on ``quality >= 0.5``; a model that is always
    (never) right gets zero weights and the log-odds of its smoothed mean."""
    from sklearn.linear_model import LogisticRegression

    n_features, n_models = features.shape[1], quality.shape[1]
    weights, bias = np.zeros((n_features, n_models)), np.zeros(n_models)
    for column in range(n_models):
        labels = quality[:, column] >= 0.5
        if labels.all() or not labels.any():
            mean = float(np.clip(labels.mean(), _EPSILON, 1.0 - _EPSILON))
            bias[column] = np.log(mean / (1.0 - mean))
            continue
        model = LogisticRegression(C=regularization, max_iter=1000).fit(features, labels)
        weights[:, column] = model.coef_[0]
        bias[column] = float(model.intercept_[0])
    return weights, bias
