"""Benchmark loaders (real published formats), metrics, reports and plots.

Below the scorers: everything here reads arrays and tables, never a scorer, so a scorer
may use a metric (the ensemble cross-validates on cost curves) without a cycle.
"""

from routed_llm.data.table import BenchmarkTable
from routed_llm.evaluation.loaders import FORMATS, detect_format, load_benchmark
from routed_llm.evaluation.metrics import (
    RouterMetrics,
    evaluate_scores,
    oracle_metrics,
    random_metrics,
)

__all__ = [
    "FORMATS",
    "BenchmarkTable",
    "RouterMetrics",
    "detect_format",
    "evaluate_scores",
    "load_benchmark",
    "oracle_metrics",
    "random_metrics",
]
