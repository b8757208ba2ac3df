"""The litellm embedding encoder against the loopback provider's real /v1/embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from routed_llm.encoders import LiteLLMEncoder
from routed_llm.errors import ConfigurationError, ProviderError
from routed_llm.testing import FakeProvider

KEY = "sk-test-embedding-key-0123456789"


def test_embeds_in_batches_and_caches(provider: FakeProvider) -> None:
    encoder = LiteLLMEncoder("openai/fake-embed", api_base=provider.base_url, api_key=KEY, batch_size=2)
    texts = ["one", "two", "three", "one"]
    vectors = encoder.encode(texts)
    assert vectors.shape == (4, 16)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[3])
    calls = [r for r in provider.requests if r.path.endswith("/embeddings")]
    assert len(calls) == 2  # three distinct texts in batches of two
    encoder.encode(["two", "three"])
    assert len([r for r in provider.requests if r.path.endswith("/embeddings")]) == 2


def test_spec_never_carries_the_key(provider: FakeProvider) -> None:
    encoder = LiteLLMEncoder("openai/fake-embed", api_base=provider.base_url, api_key=KEY)
    assert KEY not in repr(encoder.spec())
    assert KEY not in repr(encoder)


def test_unreachable_provider_raises_a_provider_error_without_the_key() -> None:
    encoder = LiteLLMEncoder("openai/fake-embed", api_base="http://127.0.0.1:9/v1", api_key=KEY, timeout=2.0)
    with pytest.raises(ProviderError, match="fake-embed") as info:
        encoder.encode(["hello"])
    assert KEY not in str(info.value)


def test_api_key_env_names_the_variable_and_is_what_a_saved_spec_keeps(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROUTER_EMBED_KEY", KEY)
    encoder = LiteLLMEncoder("openai/fake-embed", api_base=provider.base_url, api_key_env="ROUTER_EMBED_KEY")
    assert encoder.spec()["api_key_env"] == "ROUTER_EMBED_KEY" and KEY not in repr(encoder.spec())
    encoder.encode(["hello"])
    assert provider.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    monkeypatch.delenv("ROUTER_EMBED_KEY")
    with pytest.raises(ConfigurationError, match="ROUTER_EMBED_KEY"):
        LiteLLMEncoder("openai/fake-embed", api_base=provider.base_url, api_key_env="ROUTER_EMBED_KEY").encode(["x"])
    with pytest.raises(ConfigurationError, match="api_key_env"):
        LiteLLMEncoder("openai/fake-embed", api_key=KEY, api_key_env="ROUTER_EMBED_KEY")
