"""Resolve a router spec (a name, a saved router path or an instance) to a scorer.

The one scorer dispatch table: each name's class (what :func:`load_scorer` builds when a
saved router's config names it), whether the name is ready to use as it is or must be
trained first, and how. :func:`resolve_scorer` refuses an untrained name at once, with that
recipe, instead of building a scorer that fails on the first request.

Built-in names map to import paths, imported only when asked for, so naming a neural
router never costs a plain ``import routed_llm`` anything. Third-party scorers register
through the ``routed_llm.scorers`` entry-point group, which needs no mutable global state.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from routed_llm.errors import ConfigurationError, UnknownRouterError
from routed_llm.scorers.base import RouterScorer

__all__ = [
    "BUILTIN_SCORERS",
    "ENTRY_POINT_GROUP",
    "ScorerEntry",
    "available_scorers",
    "load_scorer",
    "resolve_scorer",
    "saved_router_directory",
]

ENTRY_POINT_GROUP = "routed_llm.scorers"


@dataclass(frozen=True)
class ScorerEntry:
    """What a scorer name gives: ready to use as it is, or a recipe to train first.

    ``target`` is the class that loads a saved router of this kind (``module:Class``,
    imported only when asked for); ``factory``, when set, builds the ready-to-use scorer
    instead (the shipped default is loaded, not constructed). ``usage`` says what a ready
    scorer needs, or how to train one and pass its directory: a user copying a name from
    ``--list-routers`` must never meet an untrained scorer on the first request.
    """

    target: str
    ready: bool
    usage: str
    factory: str | None = None


def _train_with_cli(name: str, labels: str = "--data FILE --strong MODEL --weak MODEL") -> str:
    return f"routed-llm train --scorer {name} {labels} --out DIR, then pass DIR as the router"


def _train_in_python(recipe: str, docs: str) -> str:
    return f"in Python, {recipe}.save_pretrained(DIR), then pass DIR as the router (see {docs})"


_N_MODEL_DOCS = "docs/concepts/n-model.md"
_N_MODEL_RECIPE = "{cls}(encoder='minilm').fit_table(benchmark_table)"

BUILTIN_SCORERS: Mapping[str, ScorerEntry] = {
    "default": ScorerEntry("routed_llm.scorers.default:DefaultRouter", True,
                           "the shipped router: no training, no network, no API key",
                           factory="routed_llm.scorers.default:load_default_router"),
    "random": ScorerEntry("routed_llm.scorers.random:RandomScorer", True,
                          "a seeded coin, the baseline every router must beat"),
    "causal_llm": ScorerEntry("routed_llm.scorers.causal_llm:CausalLLMScorer", True,
                              "asks an instruction-tuned LLM through litellm (its provider's API key); "
                              "routed-llm train --scorer causal_llm calibrates its score quantiles"),
    "lexical": ScorerEntry("routed_llm.scorers.lexical:LexicalScorer", False, _train_with_cli("lexical")),
    "token_embedding": ScorerEntry("routed_llm.scorers.token_embedding:TokenEmbeddingScorer", False,
                                   _train_with_cli("token_embedding")),
    "sw": ScorerEntry("routed_llm.scorers.sw:SWScorer", False, _train_with_cli("sw")),
    "mf": ScorerEntry("routed_llm.scorers.mf:MFScorer", False, _train_with_cli("mf")),
    "bert": ScorerEntry("routed_llm.scorers.bert:BertScorer", False, _train_with_cli("bert")),
    "hybrid": ScorerEntry("routed_llm.scorers.hybrid:HybridScorer", False, _train_with_cli("hybrid")),
    "blend": ScorerEntry("routed_llm.scorers.blend:BlendScorer", False,
                         "for the shipped blend use 'default'; to blend your own saved routers, in Python, "
                         "BlendScorer(weights).fit(members, reference_prompts).save_pretrained(DIR), "
                         "then pass DIR as the router"),
    "knn_quality": ScorerEntry("routed_llm.scorers.multi.knn:KNNQualityPredictor", False,
                               _train_in_python(_N_MODEL_RECIPE.format(cls="KNNQualityPredictor"), _N_MODEL_DOCS)),
    "mlp_quality": ScorerEntry("routed_llm.scorers.multi.mlp:MLPQualityPredictor", False,
                               _train_in_python(_N_MODEL_RECIPE.format(cls="MLPQualityPredictor"), _N_MODEL_DOCS)),
    "mf_quality": ScorerEntry("routed_llm.scorers.multi.mf:MFQualityPredictor", False,
                              _train_in_python(_N_MODEL_RECIPE.format(cls="MFQualityPredictor"), _N_MODEL_DOCS)),
    "difficulty_quality": ScorerEntry(
        "routed_llm.scorers.multi.difficulty:DifficultyQualityPredictor", False,
        _train_in_python(_N_MODEL_RECIPE.format(cls="DifficultyQualityPredictor"), _N_MODEL_DOCS)),
    "ensemble_quality": ScorerEntry(
        "routed_llm.scorers.multi.ensemble:EnsembleQualityPredictor", False,
        _train_in_python(_N_MODEL_RECIPE.format(cls="EnsembleQualityPredictor"), _N_MODEL_DOCS)),
    "intent": ScorerEntry("routed_llm.scorers.multi.intent:IntentRouter", False,
                          _train_in_python("IntentRouter.from_file('routes.yaml')", f"{_N_MODEL_DOCS}#intent-routing")),
}


def available_scorers() -> dict[str, ScorerEntry]:
    """Every name :func:`resolve_scorer` knows, built-in and from entry points, sorted, with
    whether it is ready to use and, if not, how to train it (iterating gives the names)."""
    entries = dict(BUILTIN_SCORERS)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        entries.setdefault(entry_point.name, ScorerEntry(entry_point.value, True,
                                                         f"registered by {entry_point.value}"))
    return dict(sorted(entries.items()))


def resolve_scorer(spec: str | RouterScorer | None, **options: Any) -> RouterScorer:
    """Return a scorer for ``spec``.

    ``spec`` is a scorer instance (returned as is), the name of a ready-to-use scorer
    (instantiated with ``options``), or the path of a saved router directory (loaded from its
    artifact). A name that must be trained first is a :class:`ConfigurationError` saying how.
    """
    if spec is None:
        spec = "default"
    if not isinstance(spec, str):
        if isinstance(spec, RouterScorer):
            return spec
        raise ConfigurationError(
            "router", f"expected a name, a path or a RouterScorer instance, got {type(spec).__name__}"
        )
    entry = BUILTIN_SCORERS.get(spec)
    if entry is not None:
        if not entry.ready:
            raise ConfigurationError("router", f"{spec!r} must be trained before use: {entry.usage}")
        return _import(entry.factory or entry.target)(**options)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name == spec:
            return entry_point.load()(**options)
    if Path(spec).expanduser().is_dir():
        return load_scorer(Path(spec).expanduser())
    raise UnknownRouterError(spec, available_scorers())


def saved_router_directory(spec: str | RouterScorer | None) -> Path | None:
    """The directory ``spec`` loads from (the shipped default's for ``"default"`` or None), or
    None when it names no saved router; what its ``config.json`` records (the training data)
    is read from there."""
    if spec is None or spec == "default":
        from routed_llm.scorers.default import default_router_directory

        return default_router_directory()
    if isinstance(spec, str) and spec not in BUILTIN_SCORERS and Path(spec).expanduser().is_dir():
        return Path(spec).expanduser()
    return None


def load_scorer(
    path_or_repo_id: str | Path, *, revision: str | None = None, allow_unverified: bool = False
) -> RouterScorer:
    """Load any saved router (a directory or a Hub repo id), dispatching on the scorer name in its config.

    ``allow_unverified`` admits a format 1 artifact (no SHA-256), as in ``from_pretrained``.
    """
    from routed_llm.artifacts import load_artifact

    classes = {name: partial(_import, entry.target) for name, entry in BUILTIN_SCORERS.items()}
    return load_artifact(path_or_repo_id, classes, revision=revision, allow_unverified=allow_unverified)


def _import(target: str) -> Any:
    """The object an ``module:attribute`` target names, imported only now."""
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)
