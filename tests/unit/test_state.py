"""Policy state stores: in memory and in Redis (fakeredis here; a real server in integration/)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import fakeredis
import numpy as np
import pytest

from routed_llm import ConfigurationError
from routed_llm.routing import CallOutcome, MemoryState, OnlineCalibrator, RedisState, SpendBudget, StateStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def memory() -> StateStore:
    return MemoryState()


def fake_redis() -> StateStore:
    return RedisState(fakeredis.FakeRedis(), namespace="test")


STATES: list[Callable[[], StateStore]] = [memory, fake_redis]


@pytest.fixture(params=STATES, ids=lambda f: f.__name__)
def state(request: pytest.FixtureRequest) -> StateStore:
    return request.param()


def test_score_window_keeps_the_newest_in_arrival_order(state: StateStore) -> None:
    window = state.score_window("calibrator")
    for score in (0.1, 0.2, 0.3):
        scores, seen = window.push(score, keep=2)
    assert scores.tolist() == [0.2, 0.3] and seen == 3
    scores, seen = window.snapshot(keep=5)
    assert scores.tolist() == [0.2, 0.3] and seen == 3
    assert window.snapshot(keep=1)[0].tolist() == [0.3]


def test_same_name_same_data_other_name_other_data(state: StateStore) -> None:
    state.score_window("a").push(0.5, keep=10)
    assert state.score_window("a").snapshot(10)[1] == 1
    assert state.score_window("b").snapshot(10)[1] == 0
    state.spend_ledger("a").record(1.0, 0.25)
    assert state.spend_ledger("a").total(0.0) == pytest.approx(0.25)
    assert state.spend_ledger("b").total(0.0) == 0.0


def test_spend_ledger_expires_old_spend_and_keeps_reservations(state: StateStore) -> None:
    ledger = state.spend_ledger("budget")
    ledger.record(10.0, 0.5)
    ledger.record(20.0, 0.25)
    assert ledger.total(since=0.0) == pytest.approx(0.75)
    assert ledger.total(since=15.0) == pytest.approx(0.25)
    assert ledger.try_reserve(0.5, limit=1.0, since=15.0)
    assert ledger.reserved() == pytest.approx(0.5)
    assert not ledger.try_reserve(0.5, limit=1.0, since=15.0)  # 0.25 + 0.5 + 0.5 > 1
    assert ledger.try_reserve(0.5, limit=float("inf"), since=15.0)
    ledger.unreserve(0.75)
    ledger.unreserve(0.75)
    assert ledger.reserved() == 0.0  # never below zero


def test_reservations_never_overshoot_the_limit_under_threads(state: StateStore) -> None:
    ledger = state.spend_ledger("race")
    granted: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(10):
            ok = ledger.try_reserve(0.1, limit=1.0, since=0.0)
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 0.1 ten times adds up to a hair under or over 1.0 in floating point: 9 or 10 fit, never more
    assert sum(granted) in (9, 10)
    assert ledger.reserved() <= 1.0 + 1e-9


def test_calibrator_on_a_store_follows_a_shift(state: StateStore) -> None:
    rng = np.random.default_rng(0)
    calibrator = OnlineCalibrator(0.3, window=200, store=state.score_window("cal"))
    for score in rng.beta(2, 5, 300):
        calibrator.adjust_threshold(0.5, float(score))
    hard = rng.beta(5, 2, 800)
    for score in hard[:200]:
        calibrator.adjust_threshold(0.5, float(score))
    live = np.mean([s >= calibrator.adjust_threshold(0.5, float(s)) for s in hard[200:]])
    assert live == pytest.approx(0.3, abs=0.05)
    assert calibrator.seen == 1100


def test_replicas_sharing_a_store_calibrate_on_the_whole_traffic(state: StateStore) -> None:
    replica_a = OnlineCalibrator(0.5, window=100, min_samples=10, store=state.score_window("cal"))
    replica_b = OnlineCalibrator(0.5, window=100, min_samples=10, store=state.score_window("cal"))
    for score in np.linspace(0.0, 1.0, 50):
        replica_a.adjust_threshold(0.5, float(score))
    assert replica_b.current_threshold() == pytest.approx(0.5)
    for _ in range(100):
        replica_b.adjust_threshold(0.5, 0.9)
    assert replica_a.current_threshold() == pytest.approx(0.9)


def test_replicas_sharing_a_store_share_one_budget(state: StateStore) -> None:
    clock = Clock()
    ledger_name = "budget"
    replica_a = SpendBudget(1.0, window_s=60, clock=clock, store=state.spend_ledger(ledger_name))
    replica_b = SpendBudget(1.0, window_s=60, clock=clock, store=state.spend_ledger(ledger_name))
    granted = replica_a.grant("strong", {"strong": 0.6, "weak": 0.0}.get)
    assert granted.role == "strong" and replica_b.store.reserved() == pytest.approx(0.6)
    replica_a.release(CallOutcome("strong", 0.6, 0.1, granted=granted))
    assert replica_b.spend() == pytest.approx(0.6) and replica_b.store.reserved() == 0.0
    assert 0.5 < replica_b.adjust_threshold(0.5, 0.7) < 1.0
    granted = replica_b.grant("strong", {"strong": 0.3, "weak": 0.0}.get)
    replica_b.release(CallOutcome("strong", 0.5, 0.1, granted=granted))
    assert replica_a.adjust_threshold(0.5, 0.99) == float("inf")
    clock.now += 61
    assert replica_a.spend() == 0.0 and replica_b.adjust_threshold(0.5, 0.7) == 0.5


def test_redis_keys_are_namespaced_and_expire() -> None:
    client = fakeredis.FakeRedis()
    state = RedisState(client, namespace="fleet-a", ttl_s=120)
    state.score_window("cal").push(0.4, keep=10)
    ledger = state.spend_ledger("budget")
    ledger.record(1.0, 0.1)
    ledger.try_reserve(0.2, limit=1.0, since=0.0)
    keys = sorted(k.decode() for k in client.keys("*"))
    assert keys == ["fleet-a:budget:reserved", "fleet-a:budget:spent", "fleet-a:cal:scores", "fleet-a:cal:seen"]
    assert all(0 < client.ttl(key) <= 120 for key in keys)
    other = RedisState(client, namespace="fleet-b")
    assert other.score_window("cal").snapshot(10)[1] == 0


def test_redis_spend_is_bucketed_so_a_busy_fleet_reads_little() -> None:
    client = fakeredis.FakeRedis()
    ledger = RedisState(client, namespace="busy", resolution_s=10).spend_ledger("budget")
    for index in range(1000):
        ledger.record(100.0 + index * 0.029, 0.001)  # 1,000 calls within 29 s: three 10 s buckets
    assert client.hlen("busy:budget:spent") == 3
    assert ledger.total(since=0.0) == pytest.approx(1.0)
    # a bucket counts while any of it lies in the window: spend leaves up to 10 s late, never early
    assert ledger.total(since=125.0) == pytest.approx(0.001 * (1000 - 690))
    assert ledger.total(since=130.0) == 0.0 and client.hlen("busy:budget:spent") == 0


def test_redis_state_repr_hides_the_connection() -> None:
    state = RedisState(fakeredis.FakeRedis(), namespace="ns")
    assert repr(state) == "RedisState(namespace='ns', ttl_s=86400)"


@pytest.mark.parametrize(("make", "field"), [
    (lambda: OnlineCalibrator(0.3, store=MemoryState().spend_ledger("x")), "store"),  # type: ignore[arg-type]
    (lambda: SpendBudget(1.0, store=MemoryState().score_window("x")), "store"),  # type: ignore[arg-type]
    (lambda: RedisState(fakeredis.FakeRedis(), namespace="has space"), "namespace"),
    (lambda: RedisState(fakeredis.FakeRedis(), ttl_s=0), "ttl_s"),
    (lambda: RedisState(fakeredis.FakeRedis(), resolution_s=0), "resolution_s"),
    (lambda: MemoryState().score_window(""), "name"),
])
def test_store_validation_names_the_field(make: Callable[[], object], field: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{field}:"):
        make()
