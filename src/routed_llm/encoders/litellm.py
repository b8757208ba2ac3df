"""Embeddings from any provider litellm supports (``text-embedding-3-small``, ``ollama/...``).

For users who would rather call an API than run a local model. The API key is read by
litellm from the provider's usual environment variable, or passed per instance: as
``api_key`` (kept in memory only: never part of :meth:`spec`, and dropped from a saved
router's config, so a loaded router falls back to the environment) or as ``api_key_env``,
the *name* of an environment variable read at call time, which a saved router keeps.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from routed_llm.encoders.base import EmbeddingCache
from routed_llm.errors import ConfigurationError, ProviderError
from routed_llm.secrets import redact_text

__all__ = ["LiteLLMEncoder"]


class LiteLLMEncoder:
    """Calls ``litellm.embedding`` in batches of ``batch_size``, caching by text hash."""

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        api_key_env: str | None = None,
        batch_size: int = 64,
        normalize: bool = True,
        cache_size: int = 10_000,
        timeout: float = 60.0,
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise ConfigurationError("encoder.model", f"must be a litellm embedding model string, got {model!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigurationError("encoder.batch_size", f"must be a positive int, got {batch_size!r}")
        if api_key_env is not None and (api_key is not None or not isinstance(api_key_env, str) or not api_key_env):
            raise ConfigurationError("encoder.api_key_env", "must be an environment variable name, without api_key")
        self.model = model
        self.api_base = api_base
        self._api_key = api_key
        self.api_key_env = api_key_env
        self.batch_size = batch_size
        self.normalize = normalize
        self.timeout = timeout
        self._cache = EmbeddingCache(cache_size)

    def spec(self) -> dict[str, Any]:
        return {"type": "litellm", "model": self.model, "api_base": self.api_base,
                "batch_size": self.batch_size, "normalize": self.normalize, "api_key_env": self.api_key_env}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, 0), dtype=np.float32)
        return self._cache.encode_with(list(texts), self._compute)

    def _compute(self, texts: list[str]) -> np.ndarray:
        import litellm

        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if self.api_base is not None:
            kwargs["api_base"] = self.api_base
        api_key = self._key()
        if api_key is not None:
            kwargs["api_key"] = api_key
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            try:
                response = litellm.embedding(model=self.model, input=batch, **kwargs)
            except Exception as exc:  # litellm raises many provider-specific types
                secrets = [api_key] if api_key else []
                raise ProviderError(
                    f"embedding model {self.model!r} failed: {redact_text(str(exc), secrets)}",
                    models=[self.model], decision=None,
                ) from None
            data = sorted(response.data, key=lambda item: item["index"])
            rows.extend(item["embedding"] for item in data)
        vectors = np.asarray(rows, dtype=np.float32)
        if self.normalize:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors

    def _key(self) -> str | None:
        if self.api_key_env is None:
            return self._api_key
        value = os.environ.get(self.api_key_env)
        if not value:
            raise ConfigurationError("encoder.api_key_env", f"environment variable {self.api_key_env!r} is not set")
        return value

    def __repr__(self) -> str:
        return f"LiteLLMEncoder(model={self.model!r}, api_base={self.api_base!r})"
