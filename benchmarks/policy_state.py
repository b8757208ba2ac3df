"""What keeping policy state in Redis costs per request, against keeping it in memory.

For each store (memory; a real ``redis-server`` on loopback, started here, when the binary
is installed) it times, per request:

1. ``OnlineCalibrator(0.3, window=1000).adjust_threshold`` over 3,000 random scores
   (the window is full after the first 1,000);
2. a ``SpendBudget`` request cycle (``adjust_threshold`` + ``admit`` + ``release`` of a
   $0.001 call) for 3,000 calls spread over one simulated minute.

Run: ``LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python benchmarks/policy_state.py``
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from routed_llm_qa.redis_server import LocalRedisServer  # noqa: E402

from routed_llm.routing import CallOutcome, MemoryState, OnlineCalibrator, RedisState, SpendBudget, StateStore  # noqa: E402

REQUESTS = 3000


def per_request_us(work: Callable[[int], None]) -> float:
    started = time.perf_counter()
    for index in range(REQUESTS):
        work(index)
    return (time.perf_counter() - started) / REQUESTS * 1e6


def measure(label: str, state: StateStore) -> None:
    scores = np.random.default_rng(0).random(REQUESTS).tolist()
    calibrator = OnlineCalibrator(0.3, window=1000, store=state.score_window("calibrator"))
    calibrator_us = per_request_us(lambda i: calibrator.adjust_threshold(0.5, scores[i]))
    now = [0.0]
    budget = SpendBudget(1e9, window_s=3600, clock=lambda: now[0], store=state.spend_ledger("budget"))

    def cycle(index: int) -> None:
        now[0] = index * 60.0 / REQUESTS
        budget.adjust_threshold(0.5, scores[index])
        granted = budget.grant("strong", lambda role: 0.001)
        budget.release(CallOutcome(granted.role, 0.001, 0.1, granted=granted))

    budget_us = per_request_us(cycle)
    print(f"{label:<22} calibrator {calibrator_us:8.0f} us/request   budget {budget_us:8.0f} us/request")


def main() -> None:
    measure("memory", MemoryState())
    if not LocalRedisServer.available():
        print("redis-server is not installed: Redis not measured")
        return
    with LocalRedisServer() as server:
        measure("redis-server loopback", RedisState(server.url, namespace="bench"))


if __name__ == "__main__":
    main()
