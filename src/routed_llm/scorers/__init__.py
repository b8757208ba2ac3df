"""Router scorers: one protocol, one module per scorer."""

from routed_llm.scorers.base import BaseScorer, RouterScorer, check_scores
from routed_llm.scorers.random import RandomScorer
from routed_llm.scorers.registry import available_scorers, resolve_scorer

__all__ = [
    "BaseScorer",
    "RandomScorer",
    "RouterScorer",
    "available_scorers",
    "check_scores",
    "resolve_scorer",
]
