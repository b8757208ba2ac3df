"""QA tools of this repository's own tests and benchmarks, not shipped with routed-llm.

The fault matrix and a throwaway Redis server check the product; users' own tests need only
the public doubles in :mod:`routed_llm.testing`. pytest puts ``tests/support`` on the path
(``pythonpath`` in pyproject.toml); a benchmark script adds it itself.
"""
