"""The router shipped inside the package: what ``router="default"`` (and no router at all) means.

A :class:`~routed_llm.scorers.blend.BlendScorer` of two members on one absolute scale,
trained by :mod:`routed_llm.training.default_recipe` (``benchmarks/train_default_router.py``
runs it): an ask-kind classifier (a
:class:`~routed_llm.scorers.token_embedding.TokenEmbeddingScorer` on the prompt's and its
instruction's token embeddings, easy 0 to demanding 1) weighing four fifths, and a
correctness blend (the strong model's gain over five benchmark sources of
GPT-4-1106-preview vs Mixtral-8x7B, and the previous lexical default) weighing one fifth,
which orders prompts of the same kind. It needs no network, no API key and no torch. Its
score 0.5, the default threshold, is an ask leaning demanding; ``strong_share=`` reads its
threshold off the scores of an assistant mix (AlpacaEval instructions, chat turns, simple
asks), so a share is a share of such traffic.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from typing import Any

from routed_llm.errors import ConfigurationError

__all__ = ["DEFAULT_ROUTER_FOLDER", "load_default_router"]

DEFAULT_ROUTER_FOLDER = "_default"


def load_default_router(**options: Any) -> Any:
    """Load the shipped default router (it takes no options: it is a trained artifact)."""
    if options:
        raise ConfigurationError("router", f"the default router takes no options, got {sorted(options)}")
    from routed_llm.scorers.blend import BlendScorer

    with as_file(files("routed_llm").joinpath(DEFAULT_ROUTER_FOLDER)) as directory:
        return BlendScorer.from_pretrained(directory)
