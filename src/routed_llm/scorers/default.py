"""The router shipped inside the package: used by ``router=None`` and ``router="default"``.

A :class:`~routed_llm.scorers.lexical.LexicalScorer` trained by
``benchmarks/train_default_router.py`` on the training portions of RouteLLM's MMLU and
GSM8K results (GPT-4 vs Mixtral), half from the labels and half from the scores of a MiniLM
fine-tuned on the same rows (distillation: the slow model's knowledge at the fast model's
speed). It needs no network, no API key and no torch, and its config carries score
quantiles, so ``strong_share=`` works out of the box.
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
    from routed_llm.scorers.lexical import LexicalScorer

    with as_file(files("routed_llm").joinpath(DEFAULT_ROUTER_FOLDER)) as directory:
        return LexicalScorer.from_pretrained(directory)
