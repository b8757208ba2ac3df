"""The package's public surface and its import-time promises."""

from __future__ import annotations

import subprocess
import sys

import routed_llm

PUBLIC = {
    # what users build: the client, its policies and state stores, scorers, prices
    "RoutedClient", "RoutingConfig", "Router", "PairRouter", "FleetRouter", "Candidate", "ModelPrice",
    "ConcurrencyCap", "LatencyTarget", "SpendBudget", "OnlineCalibrator", "OutOfDistributionGuard", "RoutingPolicy",
    "MemoryState", "RedisState", "BaseScorer", "RandomScorer", "RouterScorer",
    "available_scorers", "resolve_scorer", "calibrate", "prompt_text", "routing_text",
    # what they get back and catch
    "RoutedResponse", "RoutedStream", "AsyncRoutedStream", "RoutingDecision", "ModelUsage", "UsageReport",
    "RoutedLLMError", "ConfigurationError", "UnknownRouterError", "InvalidPromptError", "DataError", "ArtifactError",
    "NotFittedError", "ScorerError", "ProviderError", "StateStoreError", "__version__",
}


def test_public_names_are_what_users_build() -> None:
    assert set(routed_llm.__all__) == PUBLIC and len(routed_llm.__all__) == len(PUBLIC)
    for name in routed_llm.__all__:
        assert getattr(routed_llm, name) is not None, name
    from routed_llm.client import Ticket
    from routed_llm.routing.lease import Lease
    from routed_llm.routing.threshold import ThresholdPolicy

    assert {Ticket.__name__, Lease.__name__, ThresholdPolicy.__name__}.isdisjoint(routed_llm.__all__)


def test_qa_tools_are_not_shipped() -> None:
    import importlib.util

    import routed_llm.testing

    for module in ("fault_matrix", "redis_server"):
        assert importlib.util.find_spec(f"routed_llm.testing.{module}") is None
    assert set(routed_llm.testing.__all__) >= {"FakeProvider", "FakeScorer"}
    assert "LocalRedisServer" not in routed_llm.testing.__all__


def test_import_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, routed_llm; "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'torch', 'transformers', 'langchain_core', 'llama_index', 'litellm', 'matplotlib', 'sklearn', 'rich'}); "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
