"""Benchmark loaders (real published formats), metrics, reports and plots."""

from routed_llm.evaluation.loaders import FORMATS, detect_format, load_benchmark
from routed_llm.evaluation.table import BenchmarkTable

__all__ = ["FORMATS", "BenchmarkTable", "detect_format", "load_benchmark"]
