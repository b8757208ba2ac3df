"""The distribution's shape and RoutedLLM's configuration surface (no model calls)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import llama_index.llms.routed_llm as package
import pytest
from llama_index.core.base.llms.base import BaseLLM
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW, DEFAULT_NUM_OUTPUTS
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.llms.routed_llm import RoutedLLM
from pydantic import SecretStr

from routed_llm import ConfigurationError, RoutedClient, UnknownRouterError
from routed_llm.testing import FakeProvider, FakeScorer

MakeLLM = Callable[..., RoutedLLM]
ROOT = Path(__file__).resolve().parents[1]


def test_public_names_are_pinned() -> None:
    assert package.__all__ == ["RoutedLLM"]


def test_namespace_package_layout_lets_llama_index_core_import_beside_it() -> None:
    assert not (ROOT / "llama_index" / "__init__.py").exists()
    assert not (ROOT / "llama_index" / "llms" / "__init__.py").exists()
    assert (ROOT / "llama_index" / "llms" / "routed_llm" / "__init__.py").is_file()
    # A fresh interpreter, this package first: the namespace must still find llama_index.core.
    code = "import llama_index.llms.routed_llm, llama_index.core.llms; print(llama_index.core.llms.LLM.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    assert done.stdout.strip() == "LLM"


def test_llamaindex_integration_checks() -> None:
    assert BaseLLM.__name__ in [cls.__name__ for cls in RoutedLLM.__mro__]
    assert BaseLLM in RoutedLLM.__mro__ and issubclass(RoutedLLM, FunctionCallingLLM)
    assert RoutedLLM.class_name() == "RoutedLLM"


def test_metadata_of_unknown_models_falls_back_to_llamaindex_defaults(make_llm: MakeLLM) -> None:
    metadata = make_llm().metadata
    assert metadata.context_window == DEFAULT_CONTEXT_WINDOW and metadata.num_output == DEFAULT_NUM_OUTPUTS
    assert metadata.is_chat_model and metadata.is_function_calling_model
    assert "openai/big" in metadata.model_name and "openai/small" in metadata.model_name


def test_metadata_reports_the_smaller_model_from_litellm() -> None:
    llm = RoutedLLM("openai/gpt-4o", "ollama/llama3.1", FakeScorer())
    metadata = llm.metadata
    assert metadata.context_window == 8192  # llama3.1 on ollama, smaller than gpt-4o's 128000
    assert metadata.num_output == DEFAULT_NUM_OUTPUTS  # ollama reports a budget shared with the input
    assert RoutedLLM("openai/gpt-4o", "openai/gpt-4o-mini", FakeScorer()).metadata.num_output == 16384


def test_metadata_overrides(make_llm: MakeLLM) -> None:
    metadata = make_llm(context_window=32000, max_tokens=512, function_calling=False).metadata
    assert (metadata.context_window, metadata.num_output, metadata.is_function_calling_model) == (32000, 512, False)


def test_the_api_key_never_leaves_the_client(make_llm: MakeLLM, secret: str) -> None:
    llm = make_llm(strong_kwargs={"extra_headers": {"Authorization": f"Bearer {secret}", "X-Team": "search"}},
                   additional_kwargs={"api_key": secret, "seed": 7})
    shown = [repr(llm), str(llm), llm.to_json(), json.dumps(llm.to_payload()), llm.metadata.model_dump_json(),
             repr(llm.client)]
    assert all(secret not in text for text in shown)
    # fields hold secrets as SecretStr (the client is rebuilt from them when they change);
    # dumps leave them out
    assert isinstance(llm.strong_kwargs["extra_headers"]["Authorization"], SecretStr)
    assert llm.to_dict()["strong_kwargs"] == {"extra_headers": {"X-Team": "search"}}
    assert llm.to_dict()["additional_kwargs"] == {"seed": 7} and "api_key" not in llm.to_dict()


def test_to_dict_round_trips_the_configuration(make_llm: MakeLLM, provider: FakeProvider) -> None:
    llm = make_llm(scorer="random", threshold=0.3, fallback=True, sticky=False, temperature=0.2)
    data = llm.to_dict()
    assert data["class_name"] == "RoutedLLM"
    copy = RoutedLLM.from_dict(data, api_key="sk-test")  # keys are never serialised
    assert (copy.strong, copy.weak, copy.scorer, copy.threshold) == ("openai/big", "openai/small", "random", 0.3)
    assert (copy.fallback, copy.sticky, copy.temperature) == (True, False, 0.2)
    assert copy.client.fallback
    assert copy.complete("hi").additional_kwargs["routing"]["threshold"] == 0.3  # the field, read at call time


def test_wrapping_a_client_shares_its_ledger(provider: FakeProvider) -> None:
    client = RoutedClient("openai/big", "openai/small", FakeScorer(default=0.9), api_base=provider.base_url,
                          api_key="sk-test", num_retries=0)
    llm = RoutedLLM(client=client)
    assert (llm.strong, llm.weak, llm.scorer, llm.threshold) == ("openai/big", "openai/small", client.scorer, None)
    assert llm.to_config() == client.config and llm.client.threshold == 0.5
    llm.complete("hi")
    client.complete("hi")
    assert client.usage().models["openai/big"].calls == 2 and llm.client is client


def test_configuration_errors_name_the_field(provider: FakeProvider) -> None:
    with pytest.raises(ConfigurationError, match="^weak: "):
        RoutedLLM(strong="openai/big")
    with pytest.raises(ConfigurationError, match="^client: "):
        RoutedLLM("openai/big", "openai/small", client=RoutedClient("a/b", "c/d", FakeScorer()))
    with pytest.raises(ConfigurationError, match="^threshold: "):
        RoutedLLM("openai/big", "openai/small", FakeScorer(), threshold=-0.5)
    with pytest.raises(UnknownRouterError, match="router"):
        RoutedLLM("openai/big", "openai/small", scorer="no-such-router")
