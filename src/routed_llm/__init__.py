"""routed-llm: cost-aware routing between LLMs, through litellm.

A router scorer estimates how much a prompt needs the strong (expensive) model; a policy
turns the score into a choice; litellm calls the chosen model. Heavy dependencies
(litellm, torch, transformers) are imported only when used.
"""

import logging

from routed_llm.accounting import ModelUsage, UsageReport
from routed_llm.client import AsyncRoutedStream, RoutedClient, RoutedResponse, RoutedStream
from routed_llm.config import RoutingConfig
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
from routed_llm.prompts import prompt_text, routing_text
from routed_llm.routing import (
    Candidate,
    ConcurrencyCap,
    FleetRouter,
    LatencyTarget,
    MemoryState,
    OnlineCalibrator,
    OutOfDistributionGuard,
    PairRouter,
    RedisState,
    Router,
    RoutingPolicy,
    SpendBudget,
    calibrate,
)
from routed_llm.scorers import BaseScorer, RandomScorer, RouterScorer, available_scorers, resolve_scorer

__version__ = "0.1.0"

# A library leaves logging to the application: without this, Python's last-resort handler
# prints every failed attempt to stderr, besides the ProviderError the caller is handed.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ArtifactError",
    "AsyncRoutedStream",
    "BaseScorer",
    "Candidate",
    "ConcurrencyCap",
    "ConfigurationError",
    "DataError",
    "FleetRouter",
    "InvalidPromptError",
    "LatencyTarget",
    "MemoryState",
    "ModelPrice",
    "ModelUsage",
    "NotFittedError",
    "OnlineCalibrator",
    "OutOfDistributionGuard",
    "PairRouter",
    "ProviderError",
    "RandomScorer",
    "RedisState",
    "RoutedClient",
    "RoutedLLMError",
    "RoutedResponse",
    "RoutedStream",
    "Router",
    "RouterScorer",
    "RoutingConfig",
    "RoutingDecision",
    "RoutingPolicy",
    "ScorerError",
    "SpendBudget",
    "StateStoreError",
    "UnknownRouterError",
    "UsageReport",
    "__version__",
    "available_scorers",
    "calibrate",
    "prompt_text",
    "resolve_scorer",
    "routing_text",
]

