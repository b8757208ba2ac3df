"""Intent routing (SambaNova's Composition of Experts): send a prompt to its domain's expert.

Each route (``code``, ``math``, ``translation`` ...) is learned from a few labelled example
prompts, embedded with the router's encoder. A prompt is compared with every route, by
cosine similarity to the route's centroid (``method="centroid"``) or by the mean of its
``k`` most similar examples (``method="knn"``); a softmax at ``temperature`` turns the
similarities into route probabilities. When the best route's probability is below
``threshold``, the prompt goes to the ``default`` route instead, so a prompt that fits no
expert lands on the generalist rather than on a guess.

Routes come from a YAML or JSON file::

    default: general
    threshold: 0.6
    routes:
      code:    {model: openai/gpt-4o, examples: ["Write a Python function that ...", ...]}
      math:    {model: deepseek/deepseek-chat, examples: ["Solve for x ...", ...]}
      general: {model: openai/gpt-4o-mini, examples: ["Tell me about ...", ...]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routed_llm.artifacts import ArtifactMixin
from routed_llm.encoders.base import EncoderOwner, unit_rows
from routed_llm.errors import ArtifactError, ConfigurationError, NotFittedError
from routed_llm.scorers.base import BaseScorer
from routed_llm.scorers.multi.features import ask_text, softmax

__all__ = ["IntentRouter", "read_routes"]

_METHODS = ("centroid", "knn")


class IntentRouter(EncoderOwner, ArtifactMixin, BaseScorer):
    """Route probabilities from labelled examples; ``score`` gives one column per route.

    A row whose best route falls below ``threshold`` is one-hot on ``default``, so taking
    the row's argmax (what the N-model policy does at cost weight 0) applies the default.
    """

    name: ClassVar[str] = "intent"
    models_: list[str] | None = None

    def __init__(
        self,
        encoder: str | dict[str, Any] = "minilm",
        method: str = "centroid",
        k: int = 3,
        temperature: float = 0.05,
        threshold: float = 0.0,
        default: str | None = None,
    ) -> None:
        if method not in _METHODS:
            raise ConfigurationError("method", f"must be one of {', '.join(_METHODS)}, got {method!r}")
        if not isinstance(k, int) or k < 1:
            raise ConfigurationError("k", f"must be a positive int, got {k!r}")
        if not temperature > 0:
            raise ConfigurationError("temperature", f"must be > 0, got {temperature!r}")
        if not 0.0 <= threshold <= 1.0:
            raise ConfigurationError("threshold", f"must be in [0, 1], got {threshold!r}")
        self.encoder = encoder
        self.method = method
        self.k = k
        self.temperature = temperature
        self.threshold = threshold
        self.default = default

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> IntentRouter:
        """A router fitted on a routes file; the file's ``default`` and ``threshold`` apply
        unless given in ``options``. The routes' models are kept in ``route_models_``."""
        spec = read_routes(Path(path))
        for key in ("default", "threshold"):
            if key in spec and key not in options:
                options[key] = spec[key]
        router = cls(**options).fit({route: body["examples"] for route, body in spec["routes"].items()})
        router.route_models_ = {route: body["model"] for route, body in spec["routes"].items() if body.get("model")}
        return router

    def fit(self, examples: Mapping[str, Sequence[str]]) -> IntentRouter:
        """Learn each route from its example prompts (at least one per route)."""
        if not isinstance(examples, Mapping) or len(examples) < 1:
            raise ConfigurationError("routes", "give at least one route with example prompts")
        routes = [str(route) for route in examples]
        if self.default is not None and self.default not in routes:
            raise ConfigurationError("default", f"{self.default!r} is not one of the routes {routes}")
        texts, labels = [], []
        for index, (route, prompts) in enumerate(examples.items()):
            if isinstance(prompts, str) or not prompts or not all(isinstance(p, str) and p.strip() for p in prompts):
                raise ConfigurationError(f"routes.{route}.examples", "must be a non-empty list of non-empty strings")
            texts.extend(prompts)
            labels.extend([index] * len(prompts))
        vectors = self._embed(texts)
        self.examples_ = vectors
        self.example_routes_ = np.asarray(labels, dtype=np.int64)
        self.centroids_ = unit_rows(np.stack([vectors[self.example_routes_ == i].mean(axis=0) for i in range(len(routes))]))
        self.models_ = routes
        self.route_models_: dict[str, str] = {}
        return self

    def similarities(self, prompts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each prompt to each route, shape ``(n, n_routes)``."""
        if self.models_ is None:
            raise NotFittedError("IntentRouter is not fitted; call fit(), from_file() or load a saved router")
        vectors = self._embed(prompts)
        if self.method == "centroid":
            return vectors @ self.centroids_.T
        similarity = vectors @ self.examples_.T
        columns = []
        for route in range(len(self.models_)):
            own = similarity[:, self.example_routes_ == route]
            k = min(self.k, own.shape[1])
            columns.append(np.sort(own, axis=1)[:, -k:].mean(axis=1))
        return np.column_stack(columns)

    def route_probabilities(self, prompts: Sequence[str]) -> np.ndarray:
        """Softmax of the similarities at ``temperature``, before the threshold applies."""
        return softmax(self.similarities(prompts) / self.temperature)

    def predict_quality(self, prompts: Sequence[str]) -> np.ndarray:
        """Route probabilities with low-confidence rows moved to the default route."""
        if len(prompts) == 0:
            return np.zeros((0, len(self.models_ or [])))
        probabilities = self.route_probabilities(prompts)
        if self.default is not None:
            unsure = probabilities.max(axis=1) < self.threshold
            fallback = np.zeros(len(self.models_ or []))
            fallback[(self.models_ or []).index(self.default)] = 1.0
            probabilities[unsure] = fallback
        return probabilities

    def score(self, prompts: Sequence[str]) -> np.ndarray:
        return self.predict_quality(prompts)

    def route(self, prompts: Sequence[str]) -> list[str]:
        """The chosen route of each prompt."""
        chosen = np.argmax(self.predict_quality(prompts), axis=1)
        return [(self.models_ or [])[int(i)] for i in chosen]

    # -- persistence ------------------------------------------------------------------
    def _state_dict(self) -> dict[str, np.ndarray]:
        if self.models_ is None:
            raise NotFittedError("IntentRouter is not fitted; nothing to save")
        return {"examples": self.examples_, "example_routes": self.example_routes_, "centroids": self.centroids_}

    def _extra_config(self) -> dict[str, Any]:
        return {"routes": list(self.models_ or []), "route_models": dict(self.route_models_)}

    def _load_state(self, state: Mapping[str, np.ndarray], extra: Mapping[str, Any]) -> None:
        routes, route_models = extra["routes"], extra.get("route_models", {})
        if not isinstance(routes, list) or not isinstance(route_models, dict):
            raise ArtifactError("state.routes must be a list and state.route_models an object")
        self.models_ = [str(route) for route in routes]
        self.route_models_ = {str(key): str(value) for key, value in route_models.items()}
        self.examples_ = state["examples"]
        self.example_routes_ = state["example_routes"]
        self.centroids_ = state["centroids"]
        if self.centroids_.shape[0] != len(self.models_):
            raise ArtifactError(f"{self.centroids_.shape[0]} centroids for {len(self.models_)} routes")

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        return unit_rows(self._built_encoder().encode([ask_text(text) for text in texts]))


def read_routes(path: Path) -> dict[str, Any]:
    """Parse and check a routes file (YAML or JSON); problems name the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError("routes", f"{path}: no such file") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ConfigurationError("routes", f"{path}: reading YAML needs PyYAML (or write the routes as JSON)") from None
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigurationError("routes", f"{path}: not valid YAML: {exc}") from None
    else:
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError("routes", f"{path}: not valid JSON: {exc}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("routes"), dict) or not spec["routes"]:
        raise ConfigurationError("routes", f"{path}: expected an object with a non-empty 'routes' mapping")
    for route, body in spec["routes"].items():
        if not isinstance(body, dict) or not isinstance(body.get("examples"), list):
            raise ConfigurationError(f"routes.{route}", f"{path}: each route needs an 'examples' list")
        if "model" in body and not isinstance(body["model"], str):
            raise ConfigurationError(f"routes.{route}.model", f"{path}: must be a litellm model string")
    threshold = spec.get("threshold", 0.0)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ConfigurationError("threshold", f"{path}: must be a number in [0, 1], got {threshold!r}")
    return spec

