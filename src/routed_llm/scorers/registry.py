"""Resolve a router spec (a name, a saved router path or an instance) to a scorer.

The one scorer dispatch table: names to constructors for :func:`resolve_scorer`, and
names to classes for :func:`load_scorer` (a saved router's config names its scorer).

Built-in names map to import paths, imported only when asked for, so naming a neural
router never costs a plain ``import routed_llm`` anything. Third-party scorers register
through the ``routed_llm.scorers`` entry-point group, which needs no mutable global state.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from routed_llm.errors import ConfigurationError, UnknownRouterError
from routed_llm.scorers.base import RouterScorer

__all__ = ["BUILTIN_SCORERS", "ENTRY_POINT_GROUP", "available_scorers", "load_scorer", "resolve_scorer"]

ENTRY_POINT_GROUP = "routed_llm.scorers"

BUILTIN_SCORERS: Mapping[str, str] = {
    "random": "routed_llm.scorers.random:RandomScorer",
    "default": "routed_llm.scorers.default:load_default_router",
    "lexical": "routed_llm.scorers.lexical:LexicalScorer",
    "token_embedding": "routed_llm.scorers.token_embedding:TokenEmbeddingScorer",
    "blend": "routed_llm.scorers.blend:BlendScorer",
    "sw": "routed_llm.scorers.sw:SWScorer",
    "mf": "routed_llm.scorers.mf:MFScorer",
    "causal_llm": "routed_llm.scorers.causal_llm:CausalLLMScorer",
    "bert": "routed_llm.scorers.bert:BertScorer",
    "knn_quality": "routed_llm.scorers.multi.knn:KNNQualityPredictor",
    "mlp_quality": "routed_llm.scorers.multi.mlp:MLPQualityPredictor",
    "mf_quality": "routed_llm.scorers.multi.mf:MFQualityPredictor",
    "difficulty_quality": "routed_llm.scorers.multi.difficulty:DifficultyQualityPredictor",
    "ensemble_quality": "routed_llm.scorers.multi.ensemble:EnsembleQualityPredictor",
    "intent": "routed_llm.scorers.multi.intent:IntentRouter",
    "hybrid": "routed_llm.scorers.hybrid:HybridScorer",
}


def available_scorers() -> list[str]:
    """Every name :func:`resolve_scorer` accepts, built-in and from entry points."""
    names = set(BUILTIN_SCORERS)
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def resolve_scorer(spec: str | RouterScorer | None, **options: Any) -> RouterScorer:
    """Return a scorer for ``spec``.

    ``spec`` is a scorer instance (returned as is), a registered name (instantiated with
    ``options``), or the path of a saved router directory (loaded from its artifact).
    """
    if spec is None:
        spec = "default"
    if not isinstance(spec, str):
        if isinstance(spec, RouterScorer):
            return spec
        raise ConfigurationError(
            "router", f"expected a name, a path or a RouterScorer instance, got {type(spec).__name__}"
        )
    if spec in BUILTIN_SCORERS:
        return _import(BUILTIN_SCORERS[spec])(**options)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name == spec:
            return entry_point.load()(**options)
    if Path(spec).expanduser().is_dir():
        return load_scorer(Path(spec).expanduser())
    raise UnknownRouterError(spec, available_scorers())


def load_scorer(
    path_or_repo_id: str | Path, *, revision: str | None = None, allow_unverified: bool = False
) -> RouterScorer:
    """Load any saved router (a directory or a Hub repo id), dispatching on the scorer name in its config.

    ``allow_unverified`` admits a format 1 artifact (no SHA-256), as in ``from_pretrained``.
    """
    from routed_llm.artifacts import load_artifact

    classes = {name: partial(_import, target) for name, target in BUILTIN_SCORERS.items()}
    return load_artifact(path_or_repo_id, classes, revision=revision, allow_unverified=allow_unverified)


def _import(target: str) -> Any:
    """The object an ``module:attribute`` target names, imported only now."""
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)
