"""N candidate models behind one client: predict each one's quality, weigh it against cost.

What the two-model vocabulary means here, so existing policies keep working:

- **role**: the first candidate is the ``strong`` one (list the most capable first); every
  other candidate is ``weak``. Concurrency caps, latency targets and budgets that admit or
  refuse "strong" calls therefore guard the first model.
- **redirect**: when a policy sends a strong-bound call to ``weak``, it goes to the best
  other candidate in the prompt's ranking, not to an arbitrary one.
- **fallback**: the next candidates of the ranking (best utility first), each tried once.
- **pins** (the out-of-distribution guard) apply: ``strong`` pins the first candidate,
  ``weak`` the last.
- **threshold policies** (online calibrator, spend budget's threshold) move a cut-off on the
  strong-probability scale, which N-model routing does not have; they are not consulted
  at route time (their ``admit``/``release`` hooks still are).
- the decision's ``score`` is the chosen model's predicted quality and ``threshold`` the
  cost weight λ; ``extra["candidates"]`` holds every candidate's predicted quality and cost.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from routed_llm.decision import ModelRole, RoutingDecision
from routed_llm.errors import ConfigurationError, RoutedLLMError, ScorerError
from routed_llm.pricing import PriceBook
from routed_llm.routing.nmodel import Candidate, CostQualityPolicy, check_cost_weight, solve_cost_weight

__all__ = ["EXPECTED_OUTPUT_TOKENS", "Fleet"]

EXPECTED_OUTPUT_TOKENS = 256
"""Completion length assumed when a cost is estimated from a per-token price."""
_CHARS_PER_TOKEN = 4


class Fleet:
    """Candidates, the router that predicts their quality, and the cost-quality choice."""

    def __init__(
        self,
        candidates: Sequence[str | Mapping[str, Any] | Candidate],
        scorer: Any,
        prices: PriceBook,
        *,
        cost_weight: float = 0.0,
    ) -> None:
        if isinstance(candidates, (str, bytes)) or len(candidates) < 2:
            raise ConfigurationError("models", "give at least two candidate models")
        self.candidates = [Candidate.parse(item, index) for index, item in enumerate(candidates)]
        models = [candidate.model for candidate in self.candidates]
        if len(set(models)) != len(models):
            raise ConfigurationError("models", f"each model may appear once, got {models}")
        columns = getattr(scorer, "models_", None)
        if columns is None or not callable(getattr(scorer, "predict_quality", None)):
            raise ConfigurationError(
                "router", f"router {getattr(scorer, 'name', scorer)!r} does not predict each model's quality; "
                "N-model routing needs a trained N-model router (knn_quality, mlp_quality, mf_quality, "
                "difficulty_quality, ensemble_quality, intent)",
            )
        missing = [candidate.name for candidate in self.candidates if candidate.name not in columns]
        if missing:
            raise ConfigurationError(
                "models", f"router {scorer.name!r} knows {', '.join(columns)}, not {', '.join(missing)}; "
                "map a model to a known one with {'model': ..., 'name': ...}",
            )
        self.scorer = scorer
        self.columns = [list(columns).index(candidate.name) for candidate in self.candidates]
        self.prices = prices
        self.policy = CostQualityPolicy(check_cost_weight(cost_weight))

    @property
    def models(self) -> list[str]:
        return [candidate.model for candidate in self.candidates]

    def role_of(self, model: str) -> ModelRole:
        return "strong" if model == self.candidates[0].model else "weak"

    def kwargs_for(self, model: str) -> dict[str, Any]:
        return dict(self.candidates[self.models.index(model)].kwargs)

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Predicted quality and expected cost per candidate, shape ``(len(texts), n_candidates)`` each."""
        try:
            predict = getattr(self.scorer, "predict", None)
            if callable(predict):
                prediction = predict(list(texts))
                quality, learned = prediction.quality, prediction.cost
            else:
                quality, learned = self.scorer.predict_quality(list(texts)), None
        except RoutedLLMError:
            raise
        except Exception as exc:
            raise ScorerError(f"router {self.scorer.name!r} failed: {type(exc).__name__}: {exc}") from exc
        quality = np.asarray(quality, dtype=np.float64)
        if quality.shape != (len(texts), len(self.scorer.models_)) or not np.all(np.isfinite(quality)):
            raise ScorerError(f"router {self.scorer.name!r} returned {quality.shape} predictions for {len(texts)} prompts")
        costs = np.column_stack([self._costs(texts, index, learned) for index in range(len(self.candidates))])
        return quality[:, self.columns], costs

    def decide(self, text: str, started: float, route_to: str | None) -> RoutingDecision:
        """The routing decision for one prompt: the best utility, or the pinned model."""
        quality, costs = (row[0] for row in self.predict([text]))
        weight = self.policy.cost_weight
        ranking = self.policy.ranking(quality, costs)
        policy = self.policy.name
        if route_to is not None:
            pinned = self._pinned(route_to)
            ranking = [pinned, *(index for index in ranking if index != pinned)]
            policy = "forced"
        chosen = self.candidates[ranking[0]].model
        return RoutingDecision(
            scorer=self.scorer.name,
            score=float(quality[ranking[0]]),
            threshold=weight,
            model=chosen,
            role=self.role_of(chosen),
            latency_ms=(time.perf_counter() - started) * 1000.0,
            policy=policy,
            extra={
                "cost_weight": weight,
                "ranking": [self.candidates[index].model for index in ranking],
                "candidates": {
                    candidate.model: {"name": candidate.name, "quality": float(q), "cost": float(c)}
                    for candidate, q, c in zip(self.candidates, quality, costs, strict=True)
                },
            },
        )

    def redirect(self, ranking: Sequence[str], tried: set[str]) -> str | None:
        """The best-ranked candidate other than the strong one that was not tried yet."""
        strong = self.candidates[0].model
        return next((model for model in ranking if model != strong and model not in tried), None)

    def target_cost(self, texts: Sequence[str], target: float) -> float:
        """Set (and return) the cost weight whose choices on ``texts`` average ``target`` USD per request."""
        if len(texts) == 0:
            raise ConfigurationError("prompts", "solving a cost weight needs at least one prompt")
        quality, costs = self.predict(texts)
        weight = solve_cost_weight(quality, costs, target)
        self.policy = CostQualityPolicy(weight)
        return weight

    def _costs(self, texts: Sequence[str], index: int, learned: np.ndarray | None) -> np.ndarray:
        candidate = self.candidates[index]
        if candidate.cost is not None:
            return np.full(len(texts), float(candidate.cost))
        if learned is not None:
            return np.asarray(learned, dtype=np.float64)[:, self.columns[index]]
        price = self.prices.price(candidate.model)
        if price is None:
            if self.policy.cost_weight == 0.0:
                return np.zeros(len(texts))  # cost plays no part in the choice
            raise ConfigurationError(
                f"models[{candidate.model}].cost",
                "no price known (litellm's map has none and the router learned none); give a cost or prices",
            )
        return np.asarray([price.cost(len(text) // _CHARS_PER_TOKEN + 1, EXPECTED_OUTPUT_TOKENS) for text in texts])

    def _pinned(self, route_to: str) -> int:
        if route_to == "strong":
            return 0
        names = [candidate.name for candidate in self.candidates]
        if route_to in self.models:
            return self.models.index(route_to)
        if route_to in names:
            return names.index(route_to)
        if route_to == "weak":
            return len(self.candidates) - 1
        raise ConfigurationError("route_to", f"must be 'strong', 'weak', a candidate model or name, got {route_to!r}")
