"""Fixtures: the loopback fake provider and a RoutedLLM pointed at it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

# litellm downloads its price map at import unless told otherwise; tests stay offline.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402
from llama_index.llms.routed_llm import RoutedLLM  # noqa: E402

from routed_llm import ModelPrice  # noqa: E402
from routed_llm.testing import FakeProvider, FakeScorer  # noqa: E402

SECRET = "sk-test-PLANTED-llamaindex-0123456789"
PRICES = {"openai/big": ModelPrice(10e-6, 30e-6), "openai/small": ModelPrice(1e-6, 2e-6)}

MakeLLM = Callable[..., RoutedLLM]


@pytest.fixture
def secret() -> str:
    """The API key every test LLM carries; it must never show up outside the HTTP request."""
    return SECRET


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def make_llm(provider: FakeProvider) -> MakeLLM:
    """A factory: ``make_llm(threshold=0.3, scorer=...)`` overrides the defaults below.

    The default router scores prompts containing "prove" 0.9 and anything else 0.1, so a
    test says which model it expects through the words of its prompt.
    """

    def make(**options: object) -> RoutedLLM:
        settings: dict[str, object] = {
            "strong": "openai/big",
            "weak": "openai/small",
            "scorer": FakeScorer({"prove": 0.9}, default=0.1),
            "threshold": 0.5,
            "api_base": provider.base_url,
            "api_key": SECRET,
            "num_retries": 0,
            "prices": PRICES,
        }
        settings.update(options)
        return RoutedLLM(**settings)  # type: ignore[arg-type]

    return make
