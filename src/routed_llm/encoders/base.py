"""The encoder contract, the text-hash cache encoders share, and specs -> encoders.

A spec is what a saved router stores: a JSON object ``{"type": ..., **params}``. A string
is accepted where a person types one (``--encoder minilm``, ``--encoder
litellm:text-embedding-3-small``, ``--encoder hashing``, or any local path / Hub id of a
transformers checkpoint).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from routed_llm.artifacts import HEAD_AND_TAIL_SINCE
from routed_llm.errors import ConfigurationError

__all__ = ["EmbeddingCache", "Encoder", "EncoderOwner", "encoder_from_spec", "unit_rows"]

_LITELLM_PREFIX = "litellm:"


@runtime_checkable
class Encoder(Protocol):
    """Anything that maps texts to a ``(n, dim)`` float32 array and can describe itself.

    An encoder may also have a ``dimension`` attribute, the width of its rows when that is
    known without encoding (``None`` otherwise): a loaded artifact checks its tensors against it.
    """

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text."""
        ...

    def spec(self) -> dict[str, Any]:
        """JSON-serialisable description that :func:`encoder_from_spec` turns back into this encoder."""
        ...


class EmbeddingCache:
    """A bounded LRU map from a text's BLAKE2 digest to its vector.

    Routing re-scores the same prompts often (agent loops re-send their first turn,
    evaluation sweeps score one set many times); keying by a digest instead of the text
    keeps memory proportional to the number of entries, not to prompt lengths.
    """

    def __init__(self, max_entries: int) -> None:
        if not isinstance(max_entries, int) or max_entries < 0:
            raise ConfigurationError("cache_size", f"must be an int >= 0, got {max_entries!r}")
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def encode_with(self, texts: Sequence[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for ``texts``; only the ones not cached are passed to ``compute`` (in one call)."""
        keys = [hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).digest() for text in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._entries and key not in missing:
                missing[key] = text
        fresh: dict[bytes, np.ndarray] = {}
        if missing:
            vectors = np.asarray(compute(list(missing.values())), dtype=np.float32)
            fresh = dict(zip(missing, vectors, strict=True))
        rows = []
        for key in keys:
            vector = fresh.get(key)
            if vector is None:
                vector = self._entries[key]
                self._entries.move_to_end(key)
            rows.append(vector)
        for key, vector in fresh.items():
            self._remember(key, vector)
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack(rows)

    def _remember(self, key: bytes, vector: np.ndarray) -> None:
        if self.max_entries == 0:
            return
        self._entries[key] = vector
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def encoder_from_spec(spec: str | Mapping[str, Any] | Encoder) -> Encoder:
    """Build the encoder a spec names (see the module docstring for the accepted forms)."""
    from routed_llm.encoders.hashing import HashingEncoder
    from routed_llm.encoders.litellm import LiteLLMEncoder
    from routed_llm.encoders.transformers import TransformersEncoder

    if isinstance(spec, str):
        if not spec.strip():
            raise ConfigurationError("encoder", "an empty string names no encoder")
        if spec == "hashing":
            return HashingEncoder()
        if spec.startswith(_LITELLM_PREFIX):
            return LiteLLMEncoder(model=spec[len(_LITELLM_PREFIX) :])
        return TransformersEncoder(model=spec)
    if isinstance(spec, Mapping):
        params = dict(spec)
        kind = params.pop("type", None)
        classes: dict[str, Any] = {
            "hashing": HashingEncoder,
            "litellm": LiteLLMEncoder,
            "transformers": TransformersEncoder,
        }
        if kind not in classes:
            raise ConfigurationError("encoder.type", f"must be one of {sorted(classes)}, got {kind!r}")
        try:
            return classes[kind](**params)
        except TypeError as exc:
            raise ConfigurationError("encoder", f"parameters do not fit a {kind} encoder: {exc}") from exc
    if isinstance(spec, Encoder):
        return spec
    raise ConfigurationError("encoder", f"expected a spec string, a dict or an Encoder, got {type(spec).__name__}")


class EncoderOwner:
    """For estimators configured with an encoder spec in ``self.encoder``.

    The encoder (possibly a transformers model) is built on first use rather than in
    ``__init__``, so configuring, cloning or loading a router costs nothing until it
    encodes; it is built again if ``self.encoder`` is replaced, as ``set_params`` may do.
    """

    encoder: str | Mapping[str, Any] | Encoder

    @classmethod
    def _saved_params(cls, params: dict[str, Any], format_version: int) -> dict[str, Any]:
        """A transformers encoder saved before format 3 cut long texts from the start only:
        rebuild it so, or the router is scored in another embedding space than it learned in."""
        from routed_llm.encoders.transformers import TransformersEncoder

        if format_version >= HEAD_AND_TAIL_SINCE or "encoder" not in params:
            return params
        try:
            encoder = encoder_from_spec(params["encoder"])
        except ConfigurationError:  # a bad spec fails where it always did: when the router encodes
            return params
        if not isinstance(encoder, TransformersEncoder):
            return params
        spec = dict(params["encoder"]) if isinstance(params["encoder"], Mapping) else encoder.spec()
        return {**params, "encoder": {**spec, "head_tokens": encoder.max_length}}

    def _built_encoder(self) -> Encoder:
        built = self.__dict__.get("_encoder_built_from")
        if built is None or built[0] != self.encoder:
            built = (self.encoder, encoder_from_spec(self.encoder))
            self.__dict__["_encoder_built_from"] = built
        return built[1]


def unit_rows(vectors: Any, dtype: type[np.floating[Any]] = np.float64) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows stay zero), so dot products are cosines."""
    vectors = np.asarray(vectors, dtype=dtype)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
