"""routed-llm: cost-aware routing between LLMs, through litellm.

A router scorer estimates how much a prompt needs the strong (expensive) model; a policy
turns the score into a choice; litellm calls the chosen model. Heavy dependencies
(litellm, torch, transformers) are imported only when used.
"""

from routed_llm.accounting import ModelUsage, UsageReport
from routed_llm.client import AsyncRoutedStream, RoutedClient, RoutedResponse, RoutedStream, Ticket
from routed_llm.decision import RoutingDecision
from routed_llm.errors import (
    ArtifactError,
    ConfigurationError,
    DataError,
    InvalidPromptError,
    NotFittedError,
    ProviderError,
    RoutedLLMError,
    ScorerError,
    StateStoreError,
    UnknownRouterError,
)
from routed_llm.pricing import ModelPrice
from routed_llm.prompts import prompt_text
from routed_llm.routing import FleetRouter, Lease, PairRouter, Router, ThresholdPolicy, calibrate
from routed_llm.scorers import BaseScorer, RandomScorer, RouterScorer, available_scorers, resolve_scorer

__version__ = "0.1.0"

__all__ = [
    "ArtifactError",
    "AsyncRoutedStream",
    "BaseScorer",
    "ConfigurationError",
    "DataError",
    "FleetRouter",
    "InvalidPromptError",
    "Lease",
    "ModelPrice",
    "ModelUsage",
    "NotFittedError",
    "PairRouter",
    "ProviderError",
    "RandomScorer",
    "RoutedClient",
    "RoutedLLMError",
    "RoutedResponse",
    "RoutedStream",
    "Router",
    "RouterScorer",
    "RoutingDecision",
    "ScorerError",
    "StateStoreError",
    "ThresholdPolicy",
    "Ticket",
    "UnknownRouterError",
    "UsageReport",
    "__version__",
    "available_scorers",
    "calibrate",
    "prompt_text",
    "resolve_scorer",
]
