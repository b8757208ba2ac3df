"""Benchmark loaders (real published formats), metrics, reports and plots."""

from routed_llm.evaluation.loaders import FORMATS, detect_format, load_benchmark
from routed_llm.evaluation.metrics import (
    RouterMetrics,
    evaluate_scores,
    oracle_metrics,
    random_metrics,
)
from routed_llm.evaluation.scoring import score_in_batches
from routed_llm.evaluation.table import BenchmarkTable

__all__ = [
    "FORMATS",
    "BenchmarkTable",
    "RouterMetrics",
    "detect_format",
    "evaluate_scores",
    "load_benchmark",
    "oracle_metrics",
    "random_metrics",
    "score_in_batches",
]
