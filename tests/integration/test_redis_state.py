"""The Redis stores against a real redis-server on loopback (skipped where it is not installed)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from routed_llm_qa.redis_server import LocalRedisServer

from routed_llm.routing import CallOutcome, OnlineCalibrator, RedisState, SpendBudget

redis = pytest.importorskip("redis", reason="the redis extra is not installed")


@pytest.fixture(scope="module")
def server() -> Iterator[LocalRedisServer]:
    if not LocalRedisServer.available():
        pytest.skip("redis-server is not installed (apt-get install redis-server to run these tests)")
    with LocalRedisServer() as running:
        yield running


@pytest.fixture
def state(server: LocalRedisServer, request: pytest.FixtureRequest) -> RedisState:
    return RedisState(server.url, namespace=f"t-{request.node.name}".replace("[", "-").replace("]", ""), ttl_s=60)


def test_window_and_ledger_round_trip_through_a_real_server(state: RedisState) -> None:
    window = state.score_window("cal")
    for score in (0.1, 0.2, 0.3):
        scores, seen = window.push(score, keep=2)
    assert scores.tolist() == [0.2, 0.3] and seen == 3
    ledger = state.spend_ledger("budget")
    ledger.record(10.0, 0.5)
    ledger.record(20.0, 0.25)
    assert ledger.total(since=15.0) == pytest.approx(0.25)
    assert ledger.try_reserve(0.7, limit=1.0, since=15.0) and not ledger.try_reserve(0.1, limit=1.0, since=15.0)
    assert all(0 < state.client.ttl(key) <= 60 for key in state.client.keys(f"{state.namespace}:*"))


def test_replicas_on_separate_connections_share_budget_and_calibration(server: LocalRedisServer) -> None:
    replicas = [RedisState(server.url, namespace="fleet") for _ in range(2)]  # one connection pool each
    budgets = [SpendBudget(1.0, window_s=3600, store=r.spend_ledger("budget")) for r in replicas]
    calibrators = [OnlineCalibrator(0.25, window=400, min_samples=10, store=r.score_window("cal")) for r in replicas]
    for index, score in enumerate(np.linspace(0.0, 1.0, 400)):
        calibrators[index % 2].adjust_threshold(0.5, float(score))
    assert calibrators[0].current_threshold() == pytest.approx(0.75, abs=0.01)
    assert calibrators[1].current_threshold() == calibrators[0].current_threshold()
    granted = budgets[0].grant("strong", {"strong": 0.5, "weak": 0.0}.get)
    budgets[0].release(CallOutcome("strong", 1.2, 0.1, granted=granted))
    assert budgets[1].store.reserved() == 0.0
    assert budgets[1].adjust_threshold(0.5, 0.99) == float("inf")
    assert budgets[1].grant("strong", {"strong": 0.5, "weak": 0.0}.get).role == "weak"


def test_concurrent_reservations_stop_at_the_limit(state: RedisState) -> None:
    granted: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        ledger = state.spend_ledger("race")  # redis-py clients are thread-safe: one pool, many connections
        for _ in range(15):
            ok = ledger.try_reserve(0.125, limit=1.0, since=0.0)
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 8  # 8 x 0.125 = 1.0 exactly; the other 52 attempts are refused
    assert state.spend_ledger("race").reserved() == pytest.approx(1.0)
