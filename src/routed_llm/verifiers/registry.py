"""Resolve a verifier spec (a name, a saved verifier's path or an instance) to a verifier.

Built-in names map to import paths, imported only when asked for; third-party verifiers
register through the ``routed_llm.verifiers`` entry-point group, as scorers do.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from routed_llm.errors import ConfigurationError
from routed_llm.verifiers.base import BaseVerifier

__all__ = ["BUILTIN_VERIFIERS", "ENTRY_POINT_GROUP", "available_verifiers", "load_verifier", "resolve_verifier"]

ENTRY_POINT_GROUP = "routed_llm.verifiers"

BUILTIN_VERIFIERS: Mapping[str, str] = {
    "agreement": "routed_llm.verifiers.agreement:AgreementVerifier",
    "logprob": "routed_llm.verifiers.logprob:LogprobVerifier",
    "self_check": "routed_llm.verifiers.self_check:SelfCheckVerifier",
    "learned": "routed_llm.verifiers.learned:LearnedVerifier",
}
_SAVED_NAMES = {"learned_verifier": BUILTIN_VERIFIERS["learned"]}
"""The name a saved verifier's config carries -> its class."""


def available_verifiers() -> list[str]:
    """Every name :func:`resolve_verifier` accepts, built-in and from entry points."""
    return sorted(set(BUILTIN_VERIFIERS) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def resolve_verifier(spec: str | BaseVerifier, **options: Any) -> BaseVerifier:
    """A verifier for ``spec``: an instance (returned as is), a registered name (built with
    ``options``; ``"learned"`` then still needs ``fit``) or a saved verifier's directory."""
    if isinstance(spec, BaseVerifier):
        return spec
    if not isinstance(spec, str):
        raise ConfigurationError("verifier", f"expected a name, a path or a verifier, got {type(spec).__name__}")
    if spec in BUILTIN_VERIFIERS:
        return _import(BUILTIN_VERIFIERS[spec])(**options)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name == spec:
            return entry_point.load()(**options)
    if Path(spec).expanduser().is_dir():
        return load_verifier(Path(spec).expanduser())
    raise ConfigurationError("verifier", f"unknown verifier {spec!r}; known: {', '.join(available_verifiers())}, "
                                         "or the path of a saved verifier")


def load_verifier(path_or_repo_id: str | Path, *, revision: str | None = None) -> BaseVerifier:
    """Load a saved verifier (a directory or a Hub repo id), dispatching on the name in its config."""
    from routed_llm.artifacts import load_artifact

    classes = {name: partial(_import, target) for name, target in _SAVED_NAMES.items()}
    return load_artifact(path_or_repo_id, classes, revision=revision)  # type: ignore[no-any-return]


def _import(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)
