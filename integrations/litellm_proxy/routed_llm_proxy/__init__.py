"""LiteLLM Proxy plugin of routed-llm: a router picks each request's strong or weak deployment."""

from routed_llm_proxy.routing import DECISION_KEY, HEADER_PREFIX, ROLE_KEY, RoutedLLMRouting

__all__ = ["DECISION_KEY", "HEADER_PREFIX", "ROLE_KEY", "RoutedLLMRouting"]
