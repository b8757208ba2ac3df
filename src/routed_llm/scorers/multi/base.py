"""The shared half of every N-model quality predictor: features, task model, expected costs.

An N-model scorer answers, for each prompt, "how good would each candidate's answer be?"
as a ``(n_prompts, n_models)`` matrix; a policy (:mod:`routed_llm.routing.nmodel`) turns
that into a choice with a cost weight. Every predictor here also learns, when trained on
data with costs, what each model's call is expected to cost, so costs can come "from the
data" when no price map knows the models.

The task model is a small multinomial logistic regression over the prompt features that
recognises the training domains (RouterBench's tasks, RouterDC's datasets). It gives each
prompt a per-task prior (the task's mean quality per model) and expected cost. Benchmarks
showed that per-prompt signals are weak next to these task-level differences, so the best
predictor shrinks toward the prior rather than replacing it.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.data.table import BenchmarkTable
from routed_llm.encoders.base import EncoderOwner
from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer
from routed_llm.scorers.multi.features import ask_text, length_features, require_sklearn, softmax

__all__ = ["QualityPrediction", "QualityPredictor"]

_SINGLE_TASK = "all"


@dataclass(frozen=True)
class QualityPrediction:
    """One pass of a predictor over a batch: quality, expected cost and task probabilities.

    ``cost`` is ``None`` when the predictor was trained without costs.
    """

    quality: np.ndarray
    cost: np.ndarray | None
    task_probabilities: np.ndarray


class QualityPredictor(EncoderOwner, ArtifactMixin, BaseScorer):
    """Base class: subclasses implement :meth:`_fit_quality` / :meth:`_predict_quality` and
    their state's save/load halves; ``encoder`` is a spec for :func:`routed_llm.encoders.encoder_from_spec`."""

    name: ClassVar[str] = "quality_predictor"
    models_: list[str] | None = None

    def __init__(self, encoder: str | dict[str, Any] = "minilm") -> None:
        self.encoder = encoder

    # -- learning ---------------------------------------------------------------------
    def fit(
        self,
        prompts: Sequence[str],
        quality: np.ndarray,
        *,
        models: Sequence[str],
        costs: np.ndarray | None = None,
        domains: Sequence[str] | None = None,
    ) -> QualityPredictor:
        """Learn from per-prompt qualities (and costs) of ``models``; ``domains`` labels tasks."""
        quality = np.asarray(quality, dtype=np.float64)
        n = len(prompts)
        if n < 2:
            raise ConfigurationError("prompts", f"need at least 2 training prompts, got {n}")
        if quality.shape != (n, len(models)) or len(models) < 2:
            raise ConfigurationError(
                "quality", f"expected shape ({n}, n_models >= 2) for {len(models)} models, got {quality.shape}"
            )
        if costs is not None and np.shape(costs) != quality.shape:
            raise ConfigurationError("costs", f"shape {np.shape(costs)} does not match quality's {quality.shape}")
        if domains is not None and len(domains) != n:
            raise ConfigurationError("domains", f"{len(domains)} domains for {n} prompts")
        require_sklearn()
        features = self._features(prompts)
        labels = [_SINGLE_TASK] * n if domains is None else [str(domain) for domain in domains]
        self.tasks_ = sorted(set(labels))
        task_index = np.asarray([self.tasks_.index(label) for label in labels])
        self._fit_tasks(features, task_index)
        members = [task_index == t for t in range(len(self.tasks_))]
        self.task_quality_ = np.stack([quality[mask].mean(axis=0) for mask in members])
        self.task_cost_ = (
            None if costs is None else np.stack([np.asarray(costs, dtype=np.float64)[mask].mean(axis=0) for mask in members])
        )
        self.models_ = [str(model) for model in models]
        self._fit_quality(prompts, features, quality, self._task_probabilities(features),
                          None if costs is None else np.asarray(costs, dtype=np.float64))
        return self

    def fit_table(self, table: BenchmarkTable) -> QualityPredictor:
        """:meth:`fit` on a loaded benchmark (its domains are the tasks)."""
        return self.fit(table.prompts, table.quality, models=table.models, costs=table.costs, domains=table.domains)

    # -- predicting -------------------------------------------------------------------
    def predict(self, prompts: Sequence[str]) -> QualityPrediction:
        """Quality, expected cost and task probabilities for ``prompts``, encoding them once."""
        self._check_fitted()
        if len(prompts) == 0:
            empty = np.zeros((0, len(self.models_ or [])))
            return QualityPrediction(empty, None if self.task_cost_ is None else empty, np.zeros((0, len(self.tasks_))))
        features = self._features(prompts)
        tasks = self._task_probabilities(features)
        quality = np.clip(self._predict_quality(prompts, features, tasks), 0.0, 1.0)
        cost = None if self.task_cost_ is None else tasks @ self.task_cost_
        return QualityPrediction(quality, cost, tasks)

    def predict_quality(self, prompts: Sequence[str]) -> np.ndarray:
        """Each candidate's predicted quality, shape ``(len(prompts), len(models_))``."""
        return self.predict(prompts).quality

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        """N-model scorers return one column per model (see :meth:`predict_quality`)."""
        return self.predict_quality(prompts)

    def task_prior(self, task_probabilities: np.ndarray) -> np.ndarray:
        """The task-level expected quality per model: what a predictor shrinks toward."""
        return task_probabilities @ self.task_quality_

    # -- subclass hooks ---------------------------------------------------------------
    @abstractmethod
    def _fit_quality(
        self, prompts: Sequence[str], features: np.ndarray, quality: np.ndarray, tasks: np.ndarray,
        costs: np.ndarray | None,
    ) -> None:
        """Learn per-model quality from prompts, their features and the task of each."""

    @abstractmethod
    def _predict_quality(self, prompts: Sequence[str], features: np.ndarray, tasks: np.ndarray) -> np.ndarray:
        """Predicted quality, shape (n_prompts, n_models)."""

    @abstractmethod
    def _quality_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The learned tensors and JSON state of the subclass, to save."""

    @abstractmethod
    def _load_quality_state(self, tensors: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        """Restore what :meth:`_quality_state` saved."""

    # -- persistence ------------------------------------------------------------------
    def _state_dict(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        tensors, _ = self._quality_state()
        state = {
            "task_weights": self.task_weights_,
            "task_bias": self.task_bias_,
            "task_quality": self.task_quality_,
            **tensors,
        }
        if self.task_cost_ is not None:
            state["task_cost"] = self.task_cost_
        return state

    def _extra_config(self) -> dict[str, Any]:
        _, extra = self._quality_state()
        return {"models": list(self.models_ or []), "tasks": list(self.tasks_), **extra}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        models, tasks = extra["models"], extra["tasks"]
        if not isinstance(models, list) or not isinstance(tasks, list):
            raise ArtifactError("state.models and state.tasks must be lists")
        self.models_ = [str(model) for model in models]
        self.tasks_ = [str(task) for task in tasks]
        self.task_weights_ = state["task_weights"]
        self.task_bias_ = state["task_bias"]
        self.task_quality_ = state["task_quality"]
        self.task_cost_ = state.get("task_cost")
        if self.task_quality_.shape != (len(self.tasks_), len(self.models_)):
            raise ArtifactError(f"task_quality has shape {self.task_quality_.shape} for {len(self.tasks_)} tasks "
                                f"x {len(self.models_)} models")
        self._load_quality_state(state, extra)

    # -- internals --------------------------------------------------------------------
    tasks_: list[str]
    task_weights_: np.ndarray
    task_bias_: np.ndarray
    task_quality_: np.ndarray
    task_cost_: np.ndarray | None = None

    def _check_fitted(self) -> None:
        if self.models_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or load a saved router")

    def _features(self, prompts: Sequence[str]) -> np.ndarray:
        """Unit embedding of each prompt's ask, then the length features."""
        embedded = np.asarray(self._built_encoder().encode([ask_text(prompt) for prompt in prompts]), dtype=np.float64)
        return np.hstack([embedded, length_features(prompts)])

    def _fit_tasks(self, features: np.ndarray, task_index: np.ndarray) -> None:
        n_tasks = len(self.tasks_)
        if n_tasks == 1:
            self.task_weights_ = np.zeros((features.shape[1], 1))
            self.task_bias_ = np.zeros(1)
            return
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=10.0, max_iter=2000).fit(features, task_index)
        if n_tasks == 2:  # sklearn keeps one logit for two classes: softmax([0, z]) = sigmoid(z)
            self.task_weights_ = np.column_stack([np.zeros(features.shape[1]), model.coef_[0]])
            self.task_bias_ = np.array([0.0, float(model.intercept_[0])])
        else:
            self.task_weights_ = model.coef_.T.copy()
            self.task_bias_ = model.intercept_.copy()

    def _task_probabilities(self, features: np.ndarray) -> np.ndarray:
        if self.task_weights_.shape[0] != features.shape[1]:
            raise ArtifactError(
                f"{type(self).__name__} was trained on {self.task_weights_.shape[0]} features, the encoder "
                f"{self.encoder!r} gives {features.shape[1]}"
            )
        return softmax(features @ self.task_weights_ + self.task_bias_)
