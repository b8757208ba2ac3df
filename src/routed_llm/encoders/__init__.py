"""Text -> vectors for the scorers that work on embeddings (SW, MF).

An encoder is part of a saved router's config (:meth:`Encoder.spec`), so a router trained
on one embedding space is never scored in another.
"""

from routed_llm.encoders.base import EmbeddingCache, Encoder, encoder_from_spec
from routed_llm.encoders.hashing import HashingEncoder
from routed_llm.encoders.litellm import LiteLLMEncoder
from routed_llm.encoders.transformers import TransformersEncoder

__all__ = [
    "EmbeddingCache",
    "Encoder",
    "HashingEncoder",
    "LiteLLMEncoder",
    "TransformersEncoder",
    "encoder_from_spec",
]
