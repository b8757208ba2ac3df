"""Typed errors of routed-llm.

Every error the library raises on purpose derives from :class:`RoutedLLMError`, so an
application can catch the library's failures without catching its own bugs::

    RoutedLLMError
    ├── ConfigurationError      bad constructor or call argument (names the field)
    │   └── UnknownRouterError  a router spec that names no registered scorer or artifact
    ├── InvalidPromptError      messages that cannot be turned into scorer input
    ├── StateStoreError         a policy's shared state (Redis) could not be read or written
    ├── DataError               a benchmark file that cannot be read (names file, line, problem)
    ├── ScorerError             a scorer failed while scoring
    │   ├── NotFittedError      a trainable scorer used before ``fit`` or loading
    │   └── ArtifactError       a saved router that is missing, corrupt or incompatible
    └── ProviderError           the chosen model (and the fallback, if any) failed

``ConfigurationError``, ``InvalidPromptError`` and ``DataError`` are also ``ValueError`` so
that code written against plain Python conventions keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routed_llm.decision import RoutingDecision

__all__ = [
    "ArtifactError",
    "ConfigurationError",
    "DataError",
    "InvalidPromptError",
    "NotFittedError",
    "ProviderError",
    "RoutedLLMError",
    "ScorerError",
    "StateStoreError",
    "UnknownRouterError",
]


class RoutedLLMError(Exception):
    """Base class of every error routed-llm raises deliberately."""


class ConfigurationError(RoutedLLMError, ValueError):
    """A configuration value is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class UnknownRouterError(ConfigurationError):
    """The router spec is neither a registered scorer name nor a saved router."""

    def __init__(self, spec: str, known: Sequence[str]) -> None:
        super().__init__(
            "router",
            f"unknown router {spec!r}; use one of {', '.join(sorted(known))}, "
            "a path to a saved router directory, or a RouterScorer instance",
        )
        self.spec = spec


class InvalidPromptError(RoutedLLMError, ValueError):
    """The messages cannot be turned into the text a scorer sees."""


class StateStoreError(RoutedLLMError):
    """A policy's state store failed (Redis unreachable, timing out, or contended).

    Policies decide what such a failure means for a call (see ``docs/reliability.md``):
    a :class:`~routed_llm.routing.SpendBudget` fails closed to the weak model, a release
    that fails is logged and the other policies are still released.
    """


class DataError(RoutedLLMError, ValueError):
    """A benchmark or label file is malformed; ``path`` and ``line`` say where.

    ``line`` is 1-based, or ``None`` when the problem concerns the whole file (an unknown
    format, a missing column), so a user can open the file at the offending place.
    """

    def __init__(self, path: str | Path, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.line = line
        self.problem = problem


class ScorerError(RoutedLLMError):
    """A scorer failed to produce scores."""


class NotFittedError(ScorerError):
    """A trainable scorer was used before ``fit`` or ``from_pretrained``."""


class ArtifactError(ScorerError):
    """A saved router directory is missing, corrupted or of an unsupported version."""


class ProviderError(RoutedLLMError):
    """The model call failed after litellm's retries (and after the fallback, if enabled).

    ``models`` lists every model that was tried, in order; ``decision`` is the routing
    decision that chose them; ``__cause__`` holds the last provider exception.
    """

    def __init__(
        self, message: str, *, models: Sequence[str], decision: RoutingDecision | None
    ) -> None:
        super().__init__(message)
        self.models = tuple(models)
        self.decision = decision
