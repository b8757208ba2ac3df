"""The router shipped inside the package: what ``scorer="default"`` (and no scorer at all) means.

An equal :class:`~routed_llm.scorers.blend.BlendScorer` of a
:class:`~routed_llm.scorers.token_embedding.TokenEmbeddingScorer` trained by
``benchmarks/train_default_router.py`` on the strong model's gain over five benchmark
sources of GPT-4-1106-preview vs Mixtral-8x7B (RouteLLM MMLU and GSM8K, RouterBench
ARC-Challenge, MBPP and Winogrande, weighted equally) plus priors for trivial chat turns
and simple asks (no gain) and for demanding asks (the highest source gain), and the
previous lexical default (MMLU and GSM8K, distilled from a fine-tuned MiniLM). It needs no
network, no API key and no torch. Its score is a rank among typical traffic, so the default
threshold of 0.5 sends about half of benchmark-like traffic, and much less of everyday chat,
to the strong model; ``strong_share=`` sets the share exactly.
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
