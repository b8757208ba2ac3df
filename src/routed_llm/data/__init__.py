"""The tables, battles and the cost-quality choice every layer above shares; imports nothing above."""

from routed_llm.data.battles import (
    Battles,
    battle_classes,
    concat_battles,
    golden_battles,
    read_battles,
    strong_gains,
)
from routed_llm.data.choice import choose_models, lambda_grid, rank_models
from routed_llm.data.table import BenchmarkTable

__all__ = [
    "Battles",
    "BenchmarkTable",
    "battle_classes",
    "choose_models",
    "concat_battles",
    "golden_battles",
    "lambda_grid",
    "rank_models",
    "read_battles",
    "strong_gains",
]
