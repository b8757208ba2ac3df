"""Out-of-distribution guard: prompts unlike anything the router learned from go to a safe model.

A scorer's probability means something only near its training data. A prompt from
another world (another language, a code base, a new product) gets a score anyway, and a
confident-looking low score would send it to the weak model on no evidence. The guard
measures how far a prompt is from the training prompts (one minus its cosine similarity
to the nearest of a few k-means centroids in an encoder's space) and pins prompts past
the training data's own ``quantile`` of that distance to ``route_to`` (strong by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.decision import ModelRole
from routed_llm.encoders.base import EncoderOwner, unit_rows
from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.routing.policy import RoutingPolicy
from routed_llm.secrets import masked_repr

__all__ = ["OutOfDistributionGuard"]

DEFAULT_ENCODER: Mapping[str, Any] = {"type": "hashing", "n_features": 4096, "ngram_max": 1}


class OutOfDistributionGuard(EncoderOwner, ArtifactMixin, RoutingPolicy):
    """Pin far-from-training prompts to ``route_to``; fit it on the router's training prompts.

    ``quantile`` is the share of the training prompts themselves that would count as
    out of distribution: 0.01 flags prompts farther out than 99% of the training data.
    """

    name: ClassVar[str] = "ood_guard"  # type: ignore[misc]
    score_quantiles_ = None

    def __init__(
        self,
        route_to: ModelRole = "strong",
        *,
        encoder: str | Mapping[str, Any] = DEFAULT_ENCODER,
        n_centroids: int = 64,
        quantile: float = 0.01,
        seed: int = 0,
    ) -> None:
        self.route_to = route_to
        self.encoder = encoder
        self.n_centroids = n_centroids
        self.quantile = quantile
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        return {"route_to": self.route_to, "encoder": dict(self.encoder) if isinstance(self.encoder, Mapping)
                else self.encoder, "n_centroids": self.n_centroids, "quantile": self.quantile, "seed": self.seed}

    def __repr__(self) -> str:
        return masked_repr(type(self).__name__, self.get_params())

    def fit(self, prompts: Sequence[str]) -> OutOfDistributionGuard:
        """Learn the centroids and the distance limit from the router's training prompts."""
        self._check_params()
        if len(prompts) < 2:
            raise ConfigurationError("prompts", "the guard needs at least two training prompts")
        vectors = self._encode(prompts)
        self.centroids_ = _spherical_kmeans(vectors, min(self.n_centroids, len(prompts)), self.seed)
        self.limit_ = float(np.quantile(self._distance(vectors), 1.0 - self.quantile))
        return self

    def distance(self, prompts: Sequence[str]) -> np.ndarray:
        """One minus the cosine similarity to the nearest centroid, per prompt (0 = typical)."""
        self._check_fitted()
        return self._distance(self._encode(prompts))

    def pin(self, text: str) -> ModelRole | None:
        self._check_fitted()
        return self.route_to if float(self._distance(self._encode([text]))[0]) > self.limit_ else None

    # -- artifact halves --------------------------------------------------------------------
    def _state_dict(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {"centroids": self.centroids_, "limit": np.asarray([self.limit_])}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        self._check_params()
        centroids, limit = state["centroids"], state["limit"]
        if centroids.ndim != 2 or len(centroids) == 0 or limit.shape != (1,):
            raise ValueError(f"tensors 'centroids' {centroids.shape} and 'limit' {limit.shape} must be "
                             "(n_centroids, dimension) and (1,)")
        # known without encoding (a hashing width, a local checkpoint's hidden size): a mismatch
        # found now is an ArtifactError at load instead of a numpy error on the first routed prompt
        width = getattr(self._built_encoder(), "dimension", None)
        if isinstance(width, int) and width != centroids.shape[1]:
            raise ValueError(f"tensor 'centroids' is {centroids.shape[1]}-dimensional but the encoder "
                             f"{self._built_encoder()!r} gives {width}-dimensional vectors")
        self.centroids_ = np.asarray(centroids, dtype=np.float64)
        self.limit_ = float(limit[0])

    # -- internals --------------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.route_to not in ("strong", "weak"):
            raise ConfigurationError("route_to", f"must be 'strong' or 'weak', got {self.route_to!r}")
        if not isinstance(self.n_centroids, int) or self.n_centroids < 1:
            raise ConfigurationError("n_centroids", f"must be an int >= 1, got {self.n_centroids!r}")
        if not 0.0 < self.quantile < 1.0:
            raise ConfigurationError("quantile", f"must be in (0, 1), got {self.quantile!r}")

    def _check_fitted(self) -> None:
        if getattr(self, "centroids_", None) is None:
            raise NotFittedError("OutOfDistributionGuard: call fit(training_prompts) or from_pretrained first")

    def _encode(self, prompts: Sequence[str]) -> np.ndarray:
        return unit_rows(self._built_encoder().encode(list(prompts)))

    def _distance(self, vectors: np.ndarray) -> np.ndarray:
        if vectors.shape[1] != self.centroids_.shape[1]:  # an encoder whose width is only known once it ran
            raise ArtifactError(f"OutOfDistributionGuard: its centroids are {self.centroids_.shape[1]}-dimensional "
                                f"but encoder {self._built_encoder()!r} gave {vectors.shape[1]}-dimensional vectors")
        return 1.0 - (vectors @ self.centroids_.T).max(axis=1)


def _spherical_kmeans(vectors: np.ndarray, k: int, seed: int, iterations: int = 15) -> np.ndarray:
    """Unit-length centroids maximising the cosine similarity of each vector to its own."""
    rng = np.random.default_rng(seed)
    centroids = vectors[rng.choice(len(vectors), size=k, replace=False)].copy()
    for _ in range(iterations):
        assignment = (vectors @ centroids.T).argmax(axis=1)
        for j in range(k):
            members = vectors[assignment == j]
            if len(members):
                mean = members.sum(axis=0)
                centroids[j] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return centroids
