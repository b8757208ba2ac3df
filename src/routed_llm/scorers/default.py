"""The router shipped inside the package: what ``scorer="default"`` (and no scorer at all) means.

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
from pathlib import Path
from typing import Any, ClassVar

from routed_llm.errors import ConfigurationError
from routed_llm.scorers.blend import BlendScorer

__all__ = ["DEFAULT_ROUTER_FOLDER", "DefaultRouter", "default_router_directory", "load_default_router"]

DEFAULT_ROUTER_FOLDER = "_default"


class DefaultRouter(BlendScorer):
    """The shipped blend under the name users pass to get it, so ``decision.router``, the client's
    repr, ``calibrate`` and the proxy's header say ``default``: a name that can be copied back."""

    name: ClassVar[str] = "default"


def default_router_directory() -> Path:
    """The shipped artifact's directory (the package is installed as files, as its data needs)."""
    with as_file(files("routed_llm").joinpath(DEFAULT_ROUTER_FOLDER)) as directory:
        return Path(directory)


def load_default_router(**options: Any) -> DefaultRouter:
    """Load the shipped default router (it takes no options: it is a trained artifact)."""
    if options:
        raise ConfigurationError("router", f"the default router takes no options, got {sorted(options)}")
    return DefaultRouter.from_pretrained(default_router_directory())
