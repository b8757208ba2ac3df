"""Router scorers: one protocol, one module per scorer."""

from routed_llm.scorers.base import BaseScorer, RouterScorer, check_scores
from routed_llm.scorers.batching import score_in_batches
from routed_llm.scorers.random import RandomScorer
from routed_llm.scorers.registry import available_scorers, load_scorer, resolve_scorer

__all__ = [
    "BaseScorer",
    "RandomScorer",
    "RouterScorer",
    "available_scorers",
    "check_scores",
    "load_scorer",
    "resolve_scorer",
    "score_in_batches",
]
