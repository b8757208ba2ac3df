from __future__ import annotations

import threading

import numpy as np
import pytest

from routed_llm import ConfigurationError, PairRouter, StateStoreError
from routed_llm.routing import (
    CallOutcome,
    ConcurrencyCap,
    Grant,
    LatencyTarget,
    OnlineCalibrator,
    RoutingPolicy,
    SpendBudget,
)
from routed_llm.testing import FakeScorer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def live_share(calibrator: OnlineCalibrator, scores: np.ndarray) -> float:
    return float(np.mean([score >= calibrator.adjust_threshold(0.5, score) for score in scores]))


def test_online_calibrator_follows_a_shift_in_the_score_distribution() -> None:
    rng = np.random.default_rng(0)
    calibrator = OnlineCalibrator(0.3, window=500)
    live_share(calibrator, rng.beta(2, 5, 1000))  # easy traffic first
    hard = rng.beta(5, 2, 3000)  # then the mix turns hard: a static cut-off would send most of it strong
    static_threshold = np.quantile(rng.beta(2, 5, 100_000), 0.7)
    assert np.mean(hard >= static_threshold) > 0.9
    live_share(calibrator, hard[:500])  # one window to adapt
    assert live_share(calibrator, hard[500:]) == pytest.approx(0.3, abs=0.03)


def test_online_calibrator_warm_up_keeps_the_static_threshold() -> None:
    calibrator = OnlineCalibrator(0.5, window=100, min_samples=10)
    assert calibrator.current_threshold() is None
    assert [calibrator.adjust_threshold(0.42, s) for s in np.linspace(0, 1, 9)] == [0.42] * 9
    calibrator.adjust_threshold(0.42, 1.0)
    assert calibrator.current_threshold() == pytest.approx(0.5, abs=0.1)


def test_online_calibrator_decay_weights_recent_scores() -> None:
    calibrator = OnlineCalibrator(0.5, window=1000, half_life=20)
    for _ in range(900):
        calibrator.adjust_threshold(0.5, 0.1)
    for _ in range(100):
        calibrator.adjust_threshold(0.5, 0.9)
    assert calibrator.current_threshold() == pytest.approx(0.9)


def test_online_calibrator_is_exact_under_threads() -> None:
    calibrator = OnlineCalibrator(0.5, window=10_000, min_samples=1)

    def work() -> None:
        for score in np.linspace(0, 1, 1000):
            calibrator.adjust_threshold(0.5, float(score))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calibrator._seen == 4000
    assert calibrator.current_threshold() == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(("field", "kwargs"), [("window", {"window": 1}), ("half_life", {"half_life": 0}),
                                               ("min_samples", {"min_samples": 0}), ("strong_share", {})])
def test_online_calibrator_validation(field: str, kwargs: dict) -> None:
    share = 2.0 if field == "strong_share" else 0.3
    with pytest.raises(ConfigurationError, match=field):
        OnlineCalibrator(share, **kwargs)


def unknown_cost(role: str) -> None:
    """A caller without an estimate: the budget reserves the typical cost it has observed."""
    return None


def test_spend_budget_raises_the_bar_then_closes_the_strong_model() -> None:
    clock = Clock()
    budget = SpendBudget(usd=1.0, window_s=60, clock=clock)
    assert budget.adjust_threshold(0.5, 0.7) == 0.5
    budget.release(CallOutcome("strong", 0.75, 0.1))
    assert 0.5 < budget.adjust_threshold(0.5, 0.7) < 1.0
    budget.release(CallOutcome("strong", 0.3, 0.1))
    assert budget.adjust_threshold(0.5, 0.99) == float("inf")
    granted = budget.grant("strong", unknown_cost)
    assert granted.role == "weak"
    budget.release(CallOutcome("weak", 0.0, 0.1, granted=granted))
    clock.now = 61.0  # the window rolls over
    assert budget.spend() == 0.0 and budget.adjust_threshold(0.5, 0.7) == 0.5


def test_spend_budget_reserves_in_flight_strong_calls() -> None:
    budget = SpendBudget(usd=1.0, clock=Clock())
    first = budget.grant("strong", unknown_cost)
    budget.release(CallOutcome("strong", 0.4, 0.1, granted=first))  # typical strong call: $0.40
    # $0.40 spent + $0.40 reserved for the admitted call: a third would exceed $1
    assert [budget.grant("strong", unknown_cost) for _ in range(2)] == [Grant("strong", 0.4), Grant("weak", 0.0)]


def test_spend_budget_reserves_the_callers_estimate_and_returns_exactly_that() -> None:
    budget = SpendBudget(usd=1.0, clock=Clock())
    granted = budget.grant("strong", {"strong": 0.3, "weak": 0.01}.get)
    assert granted == Grant("strong", 0.3) and budget.store.reserved() == pytest.approx(0.3)
    budget.release(CallOutcome("weak", 0.02, 0.1, granted=granted))  # a later policy sent it weak
    assert budget.store.reserved() == 0.0 and budget.spend() == pytest.approx(0.02)


def test_concurrency_cap_and_rate_limit_cooldown() -> None:
    clock = Clock()
    cap = ConcurrencyCap(2, cooldown_s=5, clock=clock)
    assert [cap.admit("strong") for _ in range(3)] == ["strong", "strong", "weak"]
    assert cap.admit("weak") == "weak" and cap.in_flight == 2
    cap.release(CallOutcome("strong", None, 0.1, status=429, granted=Grant("strong")))
    assert cap.in_flight == 1 and cap.admit("strong") == "weak"  # resting after the 429
    clock.now = 5.1
    assert cap.admit("strong") == "strong" and cap.peak == 2


def test_concurrency_cap_frees_the_slot_it_granted_whatever_role_was_called() -> None:
    cap = ConcurrencyCap(1)
    assert cap.admit("strong") == "strong"
    cap.release(CallOutcome("weak", 0.0, 0.1, status=429, granted=Grant("strong")))  # a later policy demoted it
    assert cap.in_flight == 0 and cap.admit("strong") == "strong"  # and a weak 429 does not rest the strong model


def test_latency_target_degrades_and_probes() -> None:
    target = LatencyTarget(1.0, alpha=1.0, probe_every=3)
    assert target.admit("strong") == "strong"
    target.release(CallOutcome("strong", None, 2.5))
    assert [target.admit("strong") for _ in range(3)] == ["weak", "weak", "strong"]
    target.release(CallOutcome("strong", None, 0.2))
    assert target.admit("strong") == "strong"


class Failing(RoutingPolicy):
    """A policy whose admission or release raises, as a buggy custom policy or a dead store would."""

    name = "failing"

    def __init__(self, when: str, error: Exception) -> None:
        self.when = when
        self.error = error

    def admit(self, role: str) -> str:  # type: ignore[override]
        if self.when == "admit":
            raise self.error
        return role

    def release(self, outcome: CallOutcome) -> None:
        if self.when == "release":
            raise self.error


def pair(*policies: RoutingPolicy) -> PairRouter:
    return PairRouter("big", "small", FakeScorer(default=0.9), 0.5, policies=policies)


def test_a_policy_that_raises_while_admitting_gives_back_what_earlier_policies_granted() -> None:
    cap = ConcurrencyCap(1)
    with pytest.raises(RuntimeError, match="bug"):
        pair(cap, Failing("admit", RuntimeError("bug"))).admit(["big", "small"])
    assert cap.in_flight == 0


def test_a_failing_release_does_not_keep_the_other_policies_from_theirs(caplog: pytest.LogCaptureFixture) -> None:
    cap = ConcurrencyCap(1)
    lease = pair(Failing("release", StateStoreError("store down")), cap).admit(["big", "small"])
    assert lease is not None and lease.release(cost=0.0)  # a store failure is logged, not raised
    assert cap.in_flight == 0 and "store down" in caplog.text
    lease = pair(Failing("release", RuntimeError("bug")), cap).admit(["big", "small"])
    with pytest.raises(RuntimeError, match="bug"):  # any other failure is raised once every policy was released
        lease.release(cost=0.0)
    assert cap.in_flight == 0
