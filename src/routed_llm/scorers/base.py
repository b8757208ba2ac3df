"""The one contract every router scorer honours.

A scorer maps a batch of prompt texts to the probability that the strong model is
needed. Keeping scoring apart from the cut-off (a policy's job) is what lets one trained
scorer serve any cost target, as in RouteLLM.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from routed_llm.cutoff import check_fraction
from routed_llm.errors import ConfigurationError, ScorerError
from routed_llm.secrets import masked_repr

__all__ = ["BaseScorer", "RouterScorer", "check_scores", "check_share"]


@runtime_checkable
class RouterScorer(Protocol):
    """Anything with a ``name`` and a batch ``score`` method is a scorer."""

    name: str

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        """Return one probability in [0, 1] per prompt, shape ``(len(prompts),)``."""
        ...


class BaseScorer(ABC):
    """Shared behaviour for the scorers routed-llm ships.

    Follows scikit-learn's habits: ``__init__`` only stores its arguments (so
    :meth:`get_params` can read them back), learned state ends in ``_``. A scorer that
    knows the distribution of its scores (``score_quantiles_``, 101 values for the
    percentiles 0..100) can turn a target strong-call share into a threshold.
    """

    name: ClassVar[str] = "base"
    score_quantiles_: np.ndarray | None = None

    @abstractmethod
    def score(self, prompts: Sequence[str]) -> np.ndarray:
        """One probability in [0, 1] per prompt (N-model scorers: one column per model)."""

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, read back from same-named attributes."""
        signature = inspect.signature(type(self).__init__)
        return {
            name: getattr(self, name)
            for name, parameter in signature.parameters.items()
            if name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        }

    def threshold_for_strong_share(self, strong_share: float) -> float:
        """The threshold that sends ``strong_share`` of typical traffic to the strong model."""
        check_share(strong_share)
        if self.score_quantiles_ is None:
            raise ConfigurationError(
                "strong_share",
                f"router {self.name!r} carries no score quantiles; pass a threshold, or "
                "calibrate one with routed_llm.calibrate(scorer, prompts, strong_share)",
            )
        levels = np.linspace(0.0, 1.0, len(self.score_quantiles_))
        return float(np.interp(1.0 - strong_share, levels, self.score_quantiles_))

    def __repr__(self) -> str:
        # an encoder spec may carry an api_key: reprs end up in logs and tracebacks
        return masked_repr(type(self).__name__, self.get_params())


def check_scores(scores: Any, n_prompts: int, scorer_name: str) -> np.ndarray:
    """Validate a scorer's output so a broken scorer fails loudly, not as a wrong route."""
    array = np.asarray(scores, dtype=np.float64)
    if array.shape != (n_prompts,):
        raise ScorerError(
            f"scorer {scorer_name!r} returned shape {array.shape} for {n_prompts} prompts"
        )
    # min/max propagate NaN, so one comparison each also rejects non-finite scores; a single
    # score (every routed request) is compared as a float, skipping two reductions
    if array.size == 1:
        low = high = array[0]
    elif array.size:
        low, high = array.min(), array.max()
    else:
        low = high = 0.0
    if not (0.0 <= low and high <= 1.0):
        raise ScorerError(f"scorer {scorer_name!r} returned scores outside [0, 1]")
    return array


def check_share(strong_share: float) -> float:
    """Refuse a strong-call share outside [0, 1] (:func:`routed_llm.cutoff.check_fraction`):
    calibration and the share policies all take one."""
    return check_fraction("strong_share", strong_share)
