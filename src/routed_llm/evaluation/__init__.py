"""Benchmark loaders (real published formats), metrics, reports and plots."""

from routed_llm.evaluation.table import BenchmarkTable

__all__ = ["BenchmarkTable"]
